//go:build !windows

package daemon

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"addingov/governance"
	"addingov/localapi"
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

	r2 := start(t, dir, fastPolicy())
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
