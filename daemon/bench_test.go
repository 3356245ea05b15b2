//go:build !windows

package daemon

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// Acknowledged writes over the real Unix socket: each client is its own connection (a
// host or a CLI), each request is answered only once what it stored is durable.
// writes/s counts acknowledged write requests; ack-p99-ms is the 99th percentile of
// their round trips.

// benchPolicy never disables for failed activations within a run, so that every
// iteration stores the same writes.
func benchPolicy() governance.Policy {
	p := governance.DefaultPolicy()
	p.Thresholds.ActivationLimit = 1 << 30
	return p
}

// benchDaemon starts a daemon and n clients, client i with its own add-in bench-i
// registered by an activation in an idle process.
func benchDaemon(b *testing.B, n int) (clients []*localapi.Client, ids []string, pid int32) {
	b.Helper()
	r := start(b, tempDir(b), benchPolicy())
	benchDB = r.d.db
	pid = int32(child(b, "idle").Process.Pid)
	ctx := context.Background()
	for i := 0; i < n; i++ {
		c := r.d.Client()
		id := fmt.Sprintf("bench-%d", i)
		act, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: id, PID: pid})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.ActivationEvent(ctx, act.ActivationID, "end", ""); err != nil {
			b.Fatal(err)
		}
		clients, ids = append(clients, c), append(ids, id)
	}
	return clients, ids, pid
}

// benchDB is the database of the daemon benchDaemon last started, for its commit
// figures.
var benchDB *storage.DB

// runClients runs b.N operations spread over the clients, timing each acknowledged
// write op does, and reports writes/s and ack-p99-ms.
func runClients(b *testing.B, clients []*localapi.Client, op func(i int, c *localapi.Client, timed func(func() error))) {
	b.Helper()
	lat := make([][]time.Duration, len(clients))
	var wg sync.WaitGroup
	g0, w0 := benchDB.CommitStats()
	b.ResetTimer()
	start := time.Now()
	for i, c := range clients {
		n := b.N / len(clients)
		if i < b.N%len(clients) {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			timed := func(f func() error) {
				t0 := time.Now()
				if err := f(); err != nil {
					b.Error(err)
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
			for range n {
				op(i, c, timed)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if g, w := benchDB.CommitStats(); g > g0 {
		b.ReportMetric(float64(w-w0)/float64(g-g0), "writes/commit")
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/elapsed.Seconds(), "writes/s")
		b.ReportMetric(float64(all[len(all)*99/100])/float64(time.Millisecond), "ack-p99-ms")
	}
}

// BenchmarkAckDisableEnable64: 64 clients each turning its own add-in off and on.
func BenchmarkAckDisableEnable64(b *testing.B) {
	clients, ids, _ := benchDaemon(b, 64)
	ctx := context.Background()
	on := make([]bool, len(clients))
	runClients(b, clients, func(i int, c *localapi.Client, timed func(func() error)) {
		on[i] = !on[i]
		timed(func() error {
			_, err := c.SetEnabled(ctx, ids[i], on[i], localapi.StateRequest{Reason: "bench"})
			return err
		})
	})
}

// failedActivation is one activation that fails: two acknowledged writes.
func failedActivation(ctx context.Context, c *localapi.Client, id string, pid int32, timed func(func() error)) {
	var act localapi.ActivationResponse
	timed(func() (err error) {
		act, err = c.StartActivation(ctx, localapi.ActivationRequest{AddinID: id, PID: pid})
		return err
	})
	timed(func() error {
		_, err := c.ActivationEvent(ctx, act.ActivationID, "fail", "bench")
		return err
	})
}

// BenchmarkAckFailedActivation64: 64 hosts each starting an activation and failing it.
func BenchmarkAckFailedActivation64(b *testing.B) {
	clients, ids, pid := benchDaemon(b, 64)
	ctx := context.Background()
	runClients(b, clients, func(i int, c *localapi.Client, timed func(func() error)) {
		failedActivation(ctx, c, ids[i], pid, timed)
	})
}

// BenchmarkAckFailedActivationLone: one host alone; its p99 is what a lone writer
// waits, with no batch window.
func BenchmarkAckFailedActivationLone(b *testing.B) {
	clients, ids, pid := benchDaemon(b, 1)
	ctx := context.Background()
	runClients(b, clients, func(i int, c *localapi.Client, timed func(func() error)) {
		failedActivation(ctx, c, ids[i], pid, timed)
	})
}

// BenchmarkNoopRead64 is the floor of the socket itself: 64 clients each asking for the
// last notice it acknowledged (one small read), so its figures are requests, not
// writes.
func BenchmarkNoopRead64(b *testing.B) {
	clients, _, _ := benchDaemon(b, 64)
	ctx := context.Background()
	runClients(b, clients, func(i int, c *localapi.Client, timed func(func() error)) {
		var ack localapi.AckRequest
		timed(func() error { return c.Do(ctx, http.MethodGet, "/v1/notices/ack", nil, &ack) })
	})
}
