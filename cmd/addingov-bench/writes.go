package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"addingov/governance"
	"addingov/localapi"
)

// isConflict reports a 409: the activation was already finished.
func isConflict(err error) bool {
	var ae *localapi.Error
	return errors.As(err, &ae) && ae.Status == http.StatusConflict
}

// clients is how many hosts write at once in the concurrent figures.
const clients = 64

// batchDelay is the raw bbolt Batch floor's MaxBatchDelay: storage's own setting before
// its group commit (bbolt's default of 10 ms would cap 64 writers at 6,400/s and make
// the floor meaningless).
const batchDelay = time.Millisecond

// measured is one scenario's samples over all rounds.
type measured struct {
	rates []float64       // events per second, one per round
	lat   []time.Duration // every event's latency
	sub   []time.Duration // a part of each event the scenario also times (the fail report's ack)
}

func (m *measured) rate() float64      { return median(m.rates) }
func (m *measured) p99() time.Duration { return percentile(m.lat, 99) }

// scenario is one kind of event, run by workers in parallel for a while each round.
type scenario struct {
	name    string
	workers int
	// setup prepares worker w (outside the timing); op makes one event and returns the
	// latency it counts and, when non-zero, that of a part of it (it may do untimed
	// work after, which still costs wall time).
	setup func(w int) error
	op    func(ctx context.Context, w int) (lat, sub time.Duration, err error)
}

// runScenario runs sc's workers until d has passed and returns the event rate and
// latencies.
func runScenario(ctx context.Context, sc scenario, d time.Duration) (float64, []time.Duration, []time.Duration, error) {
	var mu sync.Mutex
	var all, allSub []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range sc.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1024)
			var sub []time.Duration
			var err error
			for time.Now().Before(deadline) && ctx.Err() == nil {
				var l, s time.Duration
				if l, s, err = sc.op(ctx, w); err != nil {
					break
				}
				lat = append(lat, l)
				if s > 0 {
					sub = append(sub, s)
				}
			}
			mu.Lock()
			all, allSub = append(all, lat...), append(allSub, sub...)
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", sc.name, err)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return float64(len(all)) / elapsed.Seconds(), all, allSub, firstErr
}

// writeBench holds everything the write figures use: a daemon, its clients, the
// raw floors' files, all in one directory.
type writeBench struct {
	dir     string
	ip      *inProcess
	hosts   *hosts
	cl      []*localapi.Client
	enabled []bool // per worker: its state add-in's state
	batch   *bolt.DB
	update  *bolt.DB
	fsync   *os.File
	value   []byte
	// expired counts failure reports the daemon answered 409 because it had already
	// failed the activation itself: no ready report within governance.HostUnresponsive
	// of its start (the request waited that long).
	expired atomic.Int64
}

func writeRows(ctx context.Context, e *env) ([]Row, error) {
	wb := &writeBench{dir: filepath.Join(e.dir, "writes"), value: make([]byte, 128)}
	if err := os.MkdirAll(wb.dir, 0o700); err != nil {
		return nil, err
	}
	defer wb.close()
	if err := wb.open(e); err != nil {
		return nil, err
	}
	scs := wb.scenarios()
	for _, sc := range scs {
		if sc.setup == nil {
			continue
		}
		for w := range sc.workers {
			if err := sc.setup(w); err != nil {
				return nil, fmt.Errorf("prepare %s: %w", sc.name, err)
			}
		}
	}
	res := make([]measured, len(scs))
	for r := range e.s.rounds {
		// Each round starts at the next scenario, so none always runs first or last.
		for k := range scs {
			i := (k + r) % len(scs)
			e.p.say("writes: round %d/%d: %s", r+1, e.s.rounds, scs[i].name)
			rate, lat, sub, err := runScenario(ctx, scs[i], e.s.writeFor)
			if err != nil {
				return nil, err
			}
			res[i].rates = append(res[i].rates, rate)
			res[i].lat, res[i].sub = append(res[i].lat, lat...), append(res[i].sub, sub...)
		}
	}
	return wb.rows(e, res), nil
}

func (wb *writeBench) open(e *env) error {
	var err error
	e.p.say("writes: starting a daemon on a new store in %s", wb.dir)
	if wb.ip, err = startDaemon(filepath.Join(wb.dir, "state")); err != nil {
		return fmt.Errorf("start the daemon: %w", err)
	}
	if wb.hosts, err = startHosts(e.self, 8); err != nil {
		return err
	}
	for range clients {
		wb.cl = append(wb.cl, wb.ip.client())
	}
	wb.enabled = make([]bool, clients)
	opts := &bolt.Options{Timeout: time.Second}
	if wb.batch, err = bolt.Open(filepath.Join(wb.dir, "floor-batch.db"), 0o600, opts); err != nil {
		return err
	}
	wb.batch.MaxBatchDelay = batchDelay
	if wb.update, err = bolt.Open(filepath.Join(wb.dir, "floor-update.db"), 0o600, opts); err != nil {
		return err
	}
	for _, db := range []*bolt.DB{wb.batch, wb.update} {
		if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("events")); return err }); err != nil {
			return err
		}
	}
	wb.fsync, err = os.Create(filepath.Join(wb.dir, "floor-fsync"))
	return err
}

func (wb *writeBench) close() {
	if wb.ip != nil {
		_ = wb.ip.stop()
	}
	if wb.hosts != nil {
		wb.hosts.stop()
	}
	for _, db := range []*bolt.DB{wb.batch, wb.update} {
		if db != nil {
			db.Close()
		}
	}
	if wb.fsync != nil {
		wb.fsync.Close()
	}
}

func stateAddin(w int) string { return fmt.Sprintf("bench-state-%02d", w) }
func failAddin(w int) string  { return fmt.Sprintf("bench-fail-%02d", w) }

// register makes id known to the daemon the way a host does: by reporting an activation.
func (wb *writeBench) register(ctx context.Context, w int, id string) error {
	c := wb.cl[w]
	r, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: id, PID: wb.hosts.pid(w), Name: id})
	if err != nil {
		return err
	}
	if !r.MayActivate {
		return fmt.Errorf("%s may not activate: %s", id, r.Reason)
	}
	_, err = c.ActivationEvent(ctx, r.ActivationID, "end", "")
	return err
}

// Scenario names, also the keys rows() reads the results by.
const (
	scState64  = "state changes, 64 clients"
	scState1   = "state changes, 1 client"
	scFail64   = "failed activations, 64 clients"
	scFail1    = "failed activations, 1 client"
	scBatch64  = "raw bbolt Batch, 64 goroutines"
	scUpdate64 = "bbolt Update per event, 64 goroutines"
	scFsync    = "fsync loop"
	scNoop64   = "no-op request, 64 clients"
)

func (wb *writeBench) scenarios() []scenario {
	ctx := context.Background()
	stateOp := func(ctx context.Context, w int) (time.Duration, time.Duration, error) {
		enable := !wb.enabled[w]
		t := time.Now()
		if _, err := wb.cl[w].SetEnabled(ctx, stateAddin(w), enable, localapi.StateRequest{Reason: "bench"}); err != nil {
			return 0, 0, err
		}
		wb.enabled[w] = enable
		return time.Since(t), 0, nil
	}
	failOp := func(ctx context.Context, w int) (time.Duration, time.Duration, error) {
		c, id := wb.cl[w], failAddin(w)
		req := localapi.ActivationRequest{AddinID: id, PID: wb.hosts.pid(w)}
		t := time.Now()
		r, err := c.StartActivation(ctx, req)
		if err == nil && !r.MayActivate {
			// Disabled by failures the daemon timed out itself (see expired): turn it
			// back on, untimed, and start again.
			if _, err := c.SetEnabled(ctx, id, true, localapi.StateRequest{Reason: "bench: go on"}); err != nil {
				return 0, 0, err
			}
			t = time.Now()
			r, err = c.StartActivation(ctx, req)
		}
		if err != nil {
			return 0, 0, err
		}
		if !r.MayActivate {
			return 0, 0, fmt.Errorf("%s may not activate: %s", id, r.Reason)
		}
		tf := time.Now()
		res, err := c.ActivationEvent(ctx, r.ActivationID, "fail", "bench: the add-in failed to start")
		if isConflict(err) {
			wb.expired.Add(1)
			res.State, err = "enabled", nil // unknown: the next start finds out
		}
		if err != nil {
			return 0, 0, err
		}
		l, lf := time.Since(t), time.Since(tf)
		// The third failure in the window disables the add-in, as governance should: turn
		// it back on (timed as wall time, not counted as an event) to go on failing it.
		if res.State != "enabled" {
			if _, err := c.SetEnabled(ctx, id, true, localapi.StateRequest{Reason: "bench: go on"}); err != nil {
				return 0, 0, err
			}
		}
		return l, lf, nil
	}
	key := func(w int, n *uint64) []byte {
		k := make([]byte, 8)
		*n++
		binary.BigEndian.PutUint64(k, uint64(w)<<48|*n)
		return k
	}
	batchSeq, updateSeq := make([]uint64, clients), make([]uint64, clients)
	put := func(k, v []byte) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error { return tx.Bucket([]byte("events")).Put(k, v) }
	}
	return []scenario{
		{name: scState64, workers: clients, op: stateOp,
			setup: func(w int) error { wb.enabled[w] = true; return wb.register(ctx, w, stateAddin(w)) }},
		{name: scState1, workers: 1, op: stateOp},
		{name: scFail64, workers: clients, op: failOp,
			setup: func(w int) error { return wb.register(ctx, w, failAddin(w)) }},
		{name: scFail1, workers: 1, op: failOp},
		{name: scBatch64, workers: clients, op: func(_ context.Context, w int) (time.Duration, time.Duration, error) {
			t := time.Now()
			err := wb.batch.Batch(put(key(w, &batchSeq[w]), wb.value))
			return time.Since(t), 0, err
		}},
		{name: scUpdate64, workers: clients, op: func(_ context.Context, w int) (time.Duration, time.Duration, error) {
			t := time.Now()
			err := wb.update.Update(put(key(w, &updateSeq[w]), wb.value))
			return time.Since(t), 0, err
		}},
		{name: scFsync, workers: 1, op: func(context.Context, int) (time.Duration, time.Duration, error) {
			t := time.Now()
			if _, err := wb.fsync.Write([]byte{1}); err != nil {
				return 0, 0, err
			}
			err := wb.fsync.Sync()
			return time.Since(t), 0, err
		}},
		{name: scNoop64, workers: clients, op: func(ctx context.Context, w int) (time.Duration, time.Duration, error) {
			t := time.Now()
			err := wb.cl[w].Do(ctx, http.MethodGet, "/v1/bench-noop", nil, nil)
			var ae *localapi.Error
			if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
				err = nil // the answer a no-op path gets: the whole API round trip, no backend work
			}
			return time.Since(t), 0, err
		}},
	}
}

func (wb *writeBench) rows(e *env, res []measured) []Row {
	by := map[string]*measured{}
	for i, sc := range wb.scenarios() {
		by[sc.name] = &res[i]
	}
	cond := fmt.Sprintf("%d round(s) of %s", e.s.rounds, e.s.writeFor)
	detail := func(m *measured, what string) string {
		return fmt.Sprintf("%s; %s; %s events; rounds %s /s; ack p99 %.2f ms", what, cond,
			groupThousands(int64(len(m.lat))), formatRates(m.rates), ms(m.p99()))
	}
	batch, update, fsync, noop := by[scBatch64], by[scUpdate64], by[scFsync], by[scNoop64]
	var rows []Row
	for _, k := range []struct {
		name, what string
		many, one  *measured
	}{
		{"state changes", "disable/enable over the socket, each acknowledged once durable", by[scState64], by[scState1]},
		{"failed activations", fmt.Sprintf("start + fail over the socket (every third failure disables the add-in; the bench re-enables it untimed); %d fail report(s) came after the daemon had timed the activation out (%s without ready)",
			wb.expired.Load(), governance.HostUnresponsive), by[scFail64], by[scFail1]},
	} {
		rows = append(rows,
			pairedRow(k.name+"/s, 64 clients", atLeast(">= 20,000 /s", 20000), k.many.rate(), "/s",
				batch.rate(), "raw bbolt Batch", detail(k.many, k.what), k.many.rates, batch.rates),
			pairedRow(k.name+", share of raw bbolt Batch", ratioAtLeast(">= 0.60x floor", 0.60), k.many.rate(), "/s",
				batch.rate(), "raw bbolt Batch", "", k.many.rates, batch.rates),
			newRow(k.name+" ack p99, 64 clients", atMost("<= 20 ms", 20), ms(k.many.p99()), "ms",
				ms(batch.p99()), "raw bbolt Batch p99", ""),
			pairedRow(k.name+"/s, 64 clients / 1 client", reported, k.many.rate(), "/s",
				k.one.rate(), "1 client", detail(k.one, "1 client"), k.many.rates, k.one.rates),
		)
	}
	fail1, fail64 := by[scFail1], by[scFail64]
	rows = append(rows,
		newRow("failed activation ack p99, lone client", atMost("<= 2 ms", 2), ms(fail1.p99()), "ms",
			ms(fsync.p99()), "lone fsync p99", fmt.Sprintf("start + fail, timed together; the fail report alone: p99 %.2f ms, median %.2f ms (64 clients: p99 %.2f ms)",
				ms(percentile(fail1.sub, 99)), ms(percentile(fail1.sub, 50)), ms(percentile(fail64.sub, 99)))),
		newRow("state change ack p99, lone client", reported, ms(by[scState1].p99()), "ms",
			ms(fsync.p99()), "lone fsync p99", ""),
		newRow("floor: raw bbolt Batch/s, 64 goroutines", reported, batch.rate(), "/s", 0, "",
			detail(batch, fmt.Sprintf("one 128-byte Put per Batch call, MaxBatchDelay %s, same directory", batchDelay))),
		newRow("floor: bbolt Update per event/s, 64 goroutines", reported, update.rate(), "/s", 0, "",
			detail(update, "one 128-byte Put per Update (one fsync each)")),
		newRow("floor: fsync loop/s (1-byte write + fsync)", reported, fsync.rate(), "/s", 0, "",
			detail(fsync, "one goroutine")),
		newRow("floor: no-op API request/s, 64 clients", reported, noop.rate(), "/s", 0, "",
			detail(noop, "GET of an unrouted path (404): connection, peer credentials, HTTP and JSON, no backend work")),
	)
	return rows
}

// formatRates lists per-round rates, e.g. "1,234 / 1,301".
func formatRates(rs []float64) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += " / "
		}
		s += formatNumber(r)
	}
	return s
}
