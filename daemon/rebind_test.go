//go:build !windows

package daemon

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/governance"
	"addingov/localapi"
	"addingov/registrypolicy"
	"addingov/storage"
)

// A CPU burner bound before a restart is sampled again after it with no new activation,
// and struck and disabled by the restarted daemon; its ready activation is resumed, so
// the host's end report still works.
func TestRestartKeepsSamplingABurner(t *testing.T) {
	dir := tempDir(t)
	ctx := context.Background()
	// Before the restart the limit cannot be reached (60 samples over 5 %); after it,
	// two samples are enough. A loaded, shared machine (CI, other tests) still gives a
	// spinning process far more than 5 % of a core; an idle one uses none.
	lenient := fastPolicy()
	lenient.Thresholds.CPUCorePercent, lenient.Thresholds.CPUSampleCount = 5, 60
	r := start(t, dir, lenient)
	burner := child(t, "burn")
	pid := int32(burner.Process.Pid)
	resp, err := r.client.StartActivation(ctx, localapi.ActivationRequest{AddinID: "burner", PID: pid, Name: "Burner"})
	if err != nil || !resp.MayActivate {
		t.Fatalf("StartActivation = %+v, %v", resp, err)
	}
	if _, err := r.client.ActivationEvent(ctx, resp.ActivationID, "ready", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the burner sampled before the restart", func() bool {
		a, err := r.client.Addin(ctx, "burner")
		return err == nil && slices.Contains(a.PIDs, pid) && a.CPUPercent > 0
	})
	r.stop()

	strict := fastPolicy()
	strict.Thresholds.CPUCorePercent, strict.Thresholds.CPUSampleCount = 5, 2
	r2 := start(t, dir, strict)
	waitFor(t, 20*time.Second, "the burner struck and disabled after the restart", func() bool {
		a, err := r2.client.Addin(ctx, "burner")
		return err == nil && a.State == "disabled"
	})
	page, err := r2.client.Log(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cpu []storage.LogEntry
	for _, e := range page.Entries {
		if e.Action == "disable" && e.Reason == "cpu" {
			cpu = append(cpu, e)
		}
	}
	if len(cpu) != 1 || len(cpu[0].Evidence) != 2 || cpu[0].Value < 5 {
		t.Fatalf("disable entries after the restart = %+v; want one for cpu with two samples ≥ 5 %%", cpu)
	}
	// The activation from before the restart is still known to the new daemon.
	if _, err := r2.client.ActivationEvent(ctx, resp.ActivationID, "end", ""); err != nil {
		t.Fatalf("ending the activation started before the restart: %v", err)
	}
}

// A process that ended while the daemon was down, or whose pid now names another
// process, is not bound again; the stored bindings are then rewritten without it.
func TestRestartDropsProcessesThatEnded(t *testing.T) {
	dir := tempDir(t)
	ctx := context.Background()
	r := start(t, dir, fastPolicy())
	idle := child(t, "idle")
	pid := int32(idle.Process.Pid)
	resp, err := r.client.StartActivation(ctx, localapi.ActivationRequest{AddinID: "quiet", PID: pid})
	if err != nil || !resp.MayActivate {
		t.Fatalf("StartActivation = %+v, %v", resp, err)
	}
	r.stop()
	idle.Process.Kill()
	idle.Wait()

	var logs syncBuffer
	testLog = zerolog.New(&logs)
	defer func() { testLog = zerolog.Nop() }()
	r2 := start(t, dir, fastPolicy())
	if out := logs.String(); !strings.Contains(out, `"event":"addin-ended-while-down"`) || !strings.Contains(out, `"addin":"quiet"`) {
		t.Errorf("no addin-ended-while-down log line for quiet:\n%s", out)
	}
	a, err := r2.client.Addin(ctx, "quiet")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.PIDs) != 0 || a.State != "enabled" || len(a.Strikes) != 0 {
		t.Fatalf("after its process ended while the daemon was down: %+v; want no pids, enabled, no strikes", a)
	}
	bs, err := r2.d.DB().Bindings()
	if err != nil || len(bs) != 0 {
		t.Fatalf("stored bindings = %+v, %v; want none", bs, err)
	}
	if _, err := r2.client.ActivationEvent(ctx, resp.ActivationID, "ready", ""); err == nil {
		t.Fatal("an activation started (not ready) before the restart was resumed")
	}
}

// A policy block made while the daemon was down is logged and noticed at start, like
// one made while it runs; lifting it is logged as an unblock at the next start.
func TestPolicyBlockFoundAtStart(t *testing.T) {
	dir := tempDir(t)
	ctx := context.Background()
	r := start(t, dir, fastPolicy())
	idle := child(t, "idle")
	if _, err := r.client.StartActivation(ctx, localapi.ActivationRequest{AddinID: "blockme", PID: int32(idle.Process.Pid), Name: "Block Me"}); err != nil {
		t.Fatal(err)
	}
	r.stop()

	blocking := fastPolicy()
	blocking.Managed = map[string]governance.ManagedMode{"blockme": governance.ManagedBlocked}
	r2 := start(t, dir, blocking)
	entries := func(r *running, action string) []storage.LogEntry {
		page, err := r.client.Log(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []storage.LogEntry
		for _, e := range page.Entries {
			if e.Action == action && e.AddinID == "blockme" {
				out = append(out, e)
			}
		}
		return out
	}
	if got := entries(r2, storage.ActionBlock); len(got) != 1 {
		t.Fatalf("block entries at start = %+v, want 1", got)
	}
	ns, err := r2.client.Notices(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].AddinID != "blockme" || !strings.Contains(ns[0].Title, "turned off by your administrator") {
		t.Fatalf("notices = %+v, want one block notice", ns)
	}
	r2.stop()

	// The same block at the next start is no news.
	r3 := start(t, dir, blocking)
	if got := entries(r3, storage.ActionBlock); len(got) != 1 {
		t.Fatalf("block entries after a second start = %d, want still 1", len(got))
	}
	r3.stop()

	r4 := start(t, dir, fastPolicy())
	if got := entries(r4, storage.ActionUnblock); len(got) != 1 {
		t.Fatalf("unblock entries after the block was lifted while down = %+v, want 1", got)
	}
}

// syncBuffer is a log destination safe for the daemon's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A .reg policy edited while the daemon was down: the next start logs policy-changed
// with old → new values and the managed-list block, as a change made while it runs.
func TestPolicyFileEditedWhileDown(t *testing.T) {
	dir := tempDir(t)
	file := dir + "/policy.reg"
	run := func(body string) (*localapi.Client, func()) {
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		provider, err := registrypolicy.NewFileProvider(file, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		d, err := New(Config{StateDir: dir, Address: dir + "/api.sock", Policy: provider, Interval: 200 * time.Millisecond, Log: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		c := d.Client()
		waitFor(t, 5*time.Second, "daemon", func() bool { _, err := c.Status(ctx); return err == nil })
		return c, func() { cancel(); <-done }
	}
	ctx := context.Background()
	c, stop := run(regFile(80, ""))
	idle := child(t, "idle")
	if _, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: "contoso", PID: int32(idle.Process.Pid)}); err != nil {
		t.Fatal(err)
	}
	stop()

	c, stop = run(regFile(70, `"contoso"="0"`))
	defer stop()
	page, err := c.Log(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var changed, blocked []string
	for _, e := range page.Entries {
		switch e.Action {
		case "policy-changed":
			changed = append(changed, e.Detail)
		case storage.ActionBlock:
			blocked = append(blocked, e.AddinID)
		}
	}
	if len(changed) != 1 || !strings.Contains(changed[0], "CPUCorePercent: 80 % → 70 %") ||
		!strings.Contains(changed[0], "ManagedAddins[contoso]: (none) → blocked") {
		t.Fatalf("policy-changed entries = %q, want one listing CPUCorePercent 80 → 70 and contoso (none) → blocked", changed)
	}
	if !slices.Equal(blocked, []string{"contoso"}) {
		t.Fatalf("block entries = %v, want contoso", blocked)
	}
}
