//go:build !windows

package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// registerAddins makes n add-ins prefix-0…prefix-(n-1) known to the daemon behind c,
// the way a host does: an activation in process pid, then its end.
func registerAddins(t testing.TB, c *localapi.Client, prefix string, n int, pid int32) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		act, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: id, PID: pid})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ActivationEvent(ctx, act.ActivationID, "end", ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// commitStats asks the daemon behind c how its writes shared commits.
func commitStats(t testing.TB, c *localapi.Client) CommitStats {
	t.Helper()
	var s CommitStats
	if err := c.Do(context.Background(), http.MethodGet, "/v1/diagnostics/commits", nil, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// A lone writer's every acknowledged write is a commit of its own: nothing holds it
// back to gather company (there is no batch window; BenchmarkAckFailedActivationLone
// gives its latency). 64 writers at once share commits.
func TestWritersShareCommitsAndALoneWriterWaitsForNone(t *testing.T) {
	requireAdmin(t)
	r := start(t, tempDir(t), benchPolicy())
	pid := int32(child(t, "idle").Process.Pid)
	ids := registerAddins(t, r.client, "w", 64, pid)
	ctx := context.Background()

	t.Run("lone", func(t *testing.T) {
		before := commitStats(t, r.client)
		const n = 20
		for i := range n {
			if _, err := r.client.SetEnabled(ctx, ids[0], i%2 == 1, localapi.StateRequest{Reason: "lone"}); err != nil {
				t.Fatal(err)
			}
		}
		after := commitStats(t, r.client)
		if g, w := after.Groups-before.Groups, after.Writes-before.Writes; g != n || w != n {
			t.Errorf("%d lone writes took %d commits holding %d writes, want %d and %d", n, g, w, n, n)
		}
	})
	t.Run("64 at once", func(t *testing.T) {
		before := commitStats(t, r.client)
		const perWriter = 10
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := r.d.Client() // a connection of its own, as each host has
				for i := range perWriter {
					if _, err := c.SetEnabled(ctx, id, i%2 == 1, localapi.StateRequest{Reason: "together"}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		after := commitStats(t, r.client)
		g, w := after.Groups-before.Groups, after.Writes-before.Writes
		if w != uint64(len(ids)*perWriter) {
			t.Fatalf("%d writes committed, want %d", w, len(ids)*perWriter)
		}
		if g >= w {
			t.Errorf("64 concurrent writers made %d commits for %d writes: none was shared", g, w)
		}
		t.Logf("%d writes in %d commits", w, g)
	})
}

// A write the store refuses fails only its own caller, among writers sharing its
// commit, and leaves the engine as the store has it.
func TestFailedWriteFailsItsCallerOnlyAndLeavesTheEngine(t *testing.T) {
	r := start(t, tempDir(t), benchPolicy())
	pid := int32(child(t, "idle").Process.Pid)
	ids := registerAddins(t, r.client, "ok", 16, pid)
	gone := registerAddins(t, r.client, "gone", 1, pid)[0]
	// Removed from the store behind the engine's back, as by a removal racing the
	// change: the engine still governs it, enabled.
	if err := r.d.db.DeleteAddin(gone); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.d.EffectiveState(gone); st != governance.StateEnabled {
		t.Fatalf("engine state of %s before = %s, want enabled", gone, st)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	var goneErr error
	for round := range 5 {
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.d.Client().SetEnabled(ctx, id, false, localapi.StateRequest{Reason: "round " + fmt.Sprint(round)}); err != nil {
					errs[i] = err
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			goneErr = r.d.changeState(gone, governance.StateDisabled, "disable", "must fail", "test", storage.StateOptions{})
		}()
		wg.Wait()
		if !errors.Is(goneErr, storage.ErrNotFound) {
			t.Fatalf("round %d: the refused change returned %v, want storage.ErrNotFound", round, goneErr)
		}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %s, sharing commits with the refused write, failed: %v", round, ids[i], err)
			}
		}
		if st, _ := r.d.EffectiveState(gone); st != governance.StateEnabled {
			t.Fatalf("round %d: engine state of %s after its refused disable = %s, want enabled", round, gone, st)
		}
	}
	for _, id := range ids {
		if a, err := r.client.Addin(ctx, id); err != nil || a.State != string(governance.StateDisabled) {
			t.Errorf("%s = %+v, %v; want disabled", id, a, err)
		}
	}
	if es, _, err := r.d.db.Log(storage.LogQuery{AddinID: gone}); err != nil || len(es) != 0 {
		t.Errorf("log of the refused add-in = %+v, %v; want nothing", es, err)
	}
}

// requireAdmin skips a test whose 64 writers would be refused by an ordinary user's
// write quota (and the commit figures are for administrators): CI runs it as root.
func requireAdmin(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: an ordinary user's write quota refuses most of 64 writers' writes; CI runs it as root")
	}
}

// 64 clients of a daemon process, half turning their add-ins off and on and half
// failing activations, each write told apart by its reason; the daemon is killed with
// SIGKILL mid-run. Every write it acknowledged is in the store afterwards, and the
// writes shared commits.
func TestAcknowledgedConcurrentWritesSurviveKill9(t *testing.T) {
	requireAdmin(t)
	dir := tempDir(t)
	ctx := context.Background()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ADDINGOV_TEST_CHILD=daemon", "ADDINGOV_TEST_DIR="+dir, "ADDINGOV_TEST_POLICY=bench")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	newClient := func() *localapi.Client {
		return localapi.NewClient(localapi.NewTransport(localapi.ListenOptions{}), filepath.Join(dir, "api.sock"))
	}
	c := newClient()
	waitFor(t, 10*time.Second, "child daemon", func() bool { _, err := c.Status(ctx); return err == nil })
	pid := int32(child(t, "idle").Process.Pid)
	togglers := registerAddins(t, c, "toggle", 32, pid)
	failers := registerAddins(t, c, "fail", 32, pid)

	// acked[id] are the reasons of id's acknowledged writes.
	acked := make(map[string][]string, 64)
	var mu sync.Mutex
	var total atomic.Int64
	ack := func(id, reason string) {
		mu.Lock()
		acked[id] = append(acked[id], reason)
		mu.Unlock()
		total.Add(1)
	}
	var wg sync.WaitGroup
	for i, id := range togglers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient()
			for n := 0; ; n++ {
				reason := fmt.Sprintf("t%d-%d", i, n)
				if _, err := c.SetEnabled(ctx, id, n%2 == 1, localapi.StateRequest{Reason: reason}); err != nil {
					return // the daemon is gone
				}
				ack(id, reason)
			}
		}()
	}
	for i, id := range failers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient()
			for n := 0; ; n++ {
				act, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: id, PID: pid})
				if err != nil {
					return
				}
				reason := fmt.Sprintf("f%d-%d", i, n)
				if _, err := c.ActivationEvent(ctx, act.ActivationID, "fail", reason); err != nil {
					return
				}
				ack(id, reason)
			}
		}()
	}
	waitFor(t, 60*time.Second, "2000 acknowledged writes", func() bool { return total.Load() >= 2000 })
	stats := commitStats(t, c)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()
	t.Logf("%d writes acknowledged before the kill; the daemon had made %d commits holding %d writes", total.Load(), stats.Groups, stats.Writes)
	if stats.Groups >= stats.Writes {
		t.Errorf("%d commits for %d writes: the concurrent writers shared none", stats.Groups, stats.Writes)
	}

	db, err := storage.Open(filepath.Join(dir, storage.FileName), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, _, err := db.Log(storage.LogQuery{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, e := range entries {
		stored[e.AddinID+"\x00"+e.Detail] = true
	}
	for _, id := range failers {
		ss, err := db.Strikes(id, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			for _, ev := range s.Evidence {
				if r, ok := strings.CutPrefix(ev.Detail, "failed ("); ok {
					stored[id+"\x00"+strings.TrimSuffix(r, ")")] = true
				}
			}
		}
	}
	missing := 0
	for id, reasons := range acked {
		for _, r := range reasons {
			if !stored[id+"\x00"+r] {
				missing++
				if missing <= 10 {
					t.Errorf("%s: the acknowledged write %q is not in the store after kill -9", id, r)
				}
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d acknowledged writes lost", missing)
	}
	// Each toggled add-in's stored state is that of its last acknowledged write, or of
	// a later one (sent, not acknowledged, yet committed before the kill).
	for i, id := range togglers {
		reasons := acked[id]
		if len(reasons) == 0 {
			continue
		}
		a, err := db.Addin(id)
		if err != nil {
			t.Fatal(err)
		}
		var last, got int
		fmt.Sscanf(reasons[len(reasons)-1], fmt.Sprintf("t%d-%%d", i), &last)
		if _, err := fmt.Sscanf(a.StateReason, fmt.Sprintf("t%d-%%d", i), &got); err != nil || got < last {
			t.Errorf("%s: stored reason %q, want its last acknowledged write's (t%d-%d) or a later one", id, a.StateReason, i, last)
		}
		if want := map[bool]governance.State{true: governance.StateEnabled, false: governance.StateDisabled}[got%2 == 1]; a.State != want {
			t.Errorf("%s: stored state %s with reason %q, want %s", id, a.State, a.StateReason, want)
		}
	}
}
