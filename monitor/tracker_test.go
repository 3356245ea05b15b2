package monitor_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"addingov/governance"
	"addingov/governance/governancetest"
	"addingov/monitor"
)

// fakeClock is the shared settable test clock.
type fakeClock = governancetest.Clock

func newTracker() (*monitor.Tracker, *fakeClock) {
	c := governancetest.NewClock(t0)
	return monitor.NewTracker(c.Now), c
}

func TestActivationIDs(t *testing.T) {
	tr, _ := newTracker()
	format := regexp.MustCompile(`^act-[0-9]+-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := tr.Start("contoso", 10)
		if !format.MatchString(id) {
			t.Fatalf("activation id %q does not look like act-<n>-<hex>", id)
		}
		if seen[id] {
			t.Fatalf("activation id %q issued twice", id)
		}
		seen[id] = true
	}
}

func TestReadyMeasuresLatency(t *testing.T) {
	tests := []struct {
		name    string
		elapsed time.Duration
	}{
		{"fast", 120 * time.Millisecond},
		{"slow", 2500 * time.Millisecond},
		{"instant", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, clock := newTracker()
			id := tr.Start("contoso", 10)
			clock.Advance(tc.elapsed)
			got, err := tr.Ready(id)
			if err != nil {
				t.Fatalf("Ready: %v", err)
			}
			want := governance.Activation{AddinID: "contoso", ActivationID: id, Time: t0, Latency: tc.elapsed}
			if got != want {
				t.Errorf("Ready = %+v, want %+v", got, want)
			}
			if live, ok := tr.Live("contoso", 10); !ok || live != id {
				t.Errorf("Live after ready = %q, %v; want %q, true", live, ok, id)
			}
		})
	}
}

func TestFail(t *testing.T) {
	tests := []struct {
		name, reason, want string
	}{
		{"with reason", "script error", "script error"},
		{"empty reason", "  ", "failed"},
		{"control characters", "bad\x00\nthing\x1b[31m", "bad  thing [31m"},
		{"long reason", strings.Repeat("é", 400), strings.Repeat("é", 128) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, clock := newTracker()
			id := tr.Start("contoso", 10)
			clock.Advance(700 * time.Millisecond)
			got, err := tr.Fail(id, tc.reason)
			if err != nil {
				t.Fatalf("Fail: %v", err)
			}
			if !got.Failed || got.Reason != tc.want || got.Latency != 700*time.Millisecond || got.AddinID != "contoso" {
				t.Errorf("Fail = %+v, want failed with reason %q after 700ms", got, tc.want)
			}
			if _, ok := tr.Live("contoso", 10); ok {
				t.Error("a failed activation is still live")
			}
		})
	}
}

func TestSecondOutcomeIsRefused(t *testing.T) {
	type step func(tr *monitor.Tracker, id string) error
	ready := func(tr *monitor.Tracker, id string) error { _, err := tr.Ready(id); return err }
	fail := func(tr *monitor.Tracker, id string) error { _, err := tr.Fail(id, "x"); return err }
	end := func(tr *monitor.Tracker, id string) error { return tr.End(id) }
	tests := []struct {
		name          string
		first, second step
	}{
		{"ready twice", ready, ready},
		{"fail after ready", ready, fail},
		{"ready after fail", fail, ready},
		{"fail twice", fail, fail},
		{"ready after end", end, ready},
		{"fail after end", end, fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := newTracker()
			id := tr.Start("contoso", 10)
			if err := tc.first(tr, id); err != nil {
				t.Fatalf("first outcome: %v", err)
			}
			err := tc.second(tr, id)
			if !errors.Is(err, monitor.ErrActivationFinished) {
				t.Errorf("second outcome error = %v, want ErrActivationFinished", err)
			}
		})
	}
}

func TestUnknownActivation(t *testing.T) {
	tr, _ := newTracker()
	tr.Start("contoso", 10)
	calls := map[string]func(id string) error{
		"ready": func(id string) error { _, err := tr.Ready(id); return err },
		"fail":  func(id string) error { _, err := tr.Fail(id, "x"); return err },
		"end":   tr.End,
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			for _, id := range []string{"", "act-1", "act-1-000000000000", "nope"} {
				if err := call(id); !errors.Is(err, monitor.ErrUnknownActivation) {
					t.Errorf("%s(%q) error = %v, want ErrUnknownActivation", name, id, err)
				}
			}
		})
	}
}

func TestEnd(t *testing.T) {
	tr, _ := newTracker()
	id := tr.Start("contoso", 10)
	if _, err := tr.Ready(id); err != nil {
		t.Fatal(err)
	}
	if err := tr.End(id); err != nil {
		t.Fatalf("End: %v", err)
	}
	if _, ok := tr.Live("contoso", 10); ok {
		t.Error("an ended activation is still live")
	}
	if err := tr.End(id); err != nil {
		t.Errorf("ending twice = %v, want nil (ending is idempotent)", err)
	}
	failed := tr.Start("contoso", 10)
	if _, err := tr.Fail(failed, "x"); err != nil {
		t.Fatal(err)
	}
	if err := tr.End(failed); err != nil {
		t.Errorf("ending a failed activation = %v, want nil", err)
	}
}

func TestExpire(t *testing.T) {
	tr, clock := newTracker()
	slow := tr.Start("contoso", 10)
	clock.Advance(time.Second)
	ready := tr.Start("fabrikam", 11)
	if _, err := tr.Ready(ready); err != nil {
		t.Fatal(err)
	}
	young := tr.Start("litware", 12)

	if got := tr.Expire(t0.Add(governance.HostUnresponsive - time.Millisecond)); len(got) != 0 {
		t.Errorf("expired before the limit: %+v", got)
	}
	got := tr.Expire(t0.Add(governance.HostUnresponsive))
	want := []governance.Activation{{
		AddinID: "contoso", ActivationID: slow, Time: t0,
		Latency: governance.HostUnresponsive, Failed: true, Reason: monitor.ReasonTimeout,
	}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Expire = %+v, want %+v", got, want)
	}
	if got := tr.Expire(t0.Add(governance.HostUnresponsive)); len(got) != 0 {
		t.Errorf("expired twice: %+v", got)
	}
	if _, err := tr.Ready(slow); !errors.Is(err, monitor.ErrActivationFinished) {
		t.Errorf("ready after timeout = %v, want ErrActivationFinished", err)
	}
	if _, ok := tr.Live("contoso", 10); ok {
		t.Error("a timed-out activation is still live")
	}
	if _, ok := tr.Live("fabrikam", 11); !ok {
		t.Error("a ready activation was expired")
	}
	if _, ok := tr.Live("litware", 12); !ok {
		t.Errorf("activation %s started 4s ago was expired", young)
	}
}

func TestExpireOrdersByStart(t *testing.T) {
	tr, clock := newTracker()
	var ids []string
	for i := range 5 {
		ids = append(ids, tr.Start(fmt.Sprintf("addin-%d", i), int32(i)))
		clock.Advance(time.Millisecond)
	}
	got := tr.Expire(t0.Add(time.Minute))
	if len(got) != len(ids) {
		t.Fatalf("expired %d, want %d", len(got), len(ids))
	}
	for i, a := range got {
		if a.ActivationID != ids[i] {
			t.Errorf("expired[%d] = %s, want %s", i, a.ActivationID, ids[i])
		}
	}
}

func TestFinishedActivationsAreForgotten(t *testing.T) {
	tr, clock := newTracker()
	id := tr.Start("contoso", 10)
	if _, err := tr.Ready(id); err != nil {
		t.Fatal(err)
	}
	if err := tr.End(id); err != nil {
		t.Fatal(err)
	}
	tr.Expire(clock.Now().Add(time.Minute))
	if _, err := tr.Ready(id); !errors.Is(err, monitor.ErrActivationFinished) {
		t.Errorf("soon after: %v, want ErrActivationFinished", err)
	}
	tr.Expire(clock.Now().Add(time.Hour))
	if _, err := tr.Ready(id); !errors.Is(err, monitor.ErrUnknownActivation) {
		t.Errorf("an hour after: %v, want ErrUnknownActivation", err)
	}
}

func TestLiveReturnsTheNewest(t *testing.T) {
	tr, _ := newTracker()
	older := tr.Start("contoso", 10)
	newer := tr.Start("contoso", 10)
	tr.Start("contoso", 11)
	tr.Start("fabrikam", 10)
	if got, ok := tr.Live("contoso", 10); !ok || got != newer {
		t.Errorf("Live = %q, %v; want %q", got, ok, newer)
	}
	if err := tr.End(newer); err != nil {
		t.Fatal(err)
	}
	if got, ok := tr.Live("contoso", 10); !ok || got != older {
		t.Errorf("Live after ending the newer = %q, %v; want %q", got, ok, older)
	}
	if _, ok := tr.Live("contoso", 99); ok {
		t.Error("Live for a pid with no activation")
	}
}

func TestCrashes(t *testing.T) {
	at := t0.Add(time.Minute)
	tests := []struct {
		name  string
		setup func(tr *monitor.Tracker)
		exits []monitor.Exit
		want  []governance.Crash
	}{
		{
			name:  "started, no ready",
			setup: func(tr *monitor.Tracker) { tr.Start("contoso", 10) },
			exits: []monitor.Exit{{AddinID: "contoso", PID: 10, Time: at, ExitCode: -1}},
			want:  []governance.Crash{{AddinID: "contoso", PID: 10, Time: at, ExitCode: -1}},
		},
		{
			name: "ready",
			setup: func(tr *monitor.Tracker) {
				_, _ = tr.Ready(tr.Start("contoso", 10))
			},
			exits: []monitor.Exit{{AddinID: "contoso", PID: 10, Time: at, ExitCode: 3221225477}},
			want:  []governance.Crash{{AddinID: "contoso", PID: 10, Time: at, ExitCode: 3221225477}},
		},
		{
			name: "ended normally",
			setup: func(tr *monitor.Tracker) {
				id := tr.Start("contoso", 10)
				_, _ = tr.Ready(id)
				_ = tr.End(id)
			},
			exits: []monitor.Exit{{AddinID: "contoso", PID: 10, Time: at, ExitCode: 0}},
		},
		{
			name:  "failed activation",
			setup: func(tr *monitor.Tracker) { _, _ = tr.Fail(tr.Start("contoso", 10), "x") },
			exits: []monitor.Exit{{AddinID: "contoso", PID: 10, Time: at, ExitCode: 1}},
		},
		{
			name: "two live activations in one process are one crash",
			setup: func(tr *monitor.Tracker) {
				tr.Start("contoso", 10)
				_, _ = tr.Ready(tr.Start("contoso", 10))
			},
			exits: []monitor.Exit{{AddinID: "contoso", PID: 10, Time: at, ExitCode: -1}},
			want:  []governance.Crash{{AddinID: "contoso", PID: 10, Time: at, ExitCode: -1}},
		},
		{
			name:  "another add-in's exit",
			setup: func(tr *monitor.Tracker) { tr.Start("contoso", 10) },
			exits: []monitor.Exit{{AddinID: "fabrikam", PID: 10, Time: at, ExitCode: -1}},
		},
		{
			name:  "another process of the add-in",
			setup: func(tr *monitor.Tracker) { tr.Start("contoso", 10) },
			exits: []monitor.Exit{{AddinID: "contoso", PID: 11, Time: at, ExitCode: -1}},
		},
		{
			name:  "no exits",
			setup: func(tr *monitor.Tracker) { tr.Start("contoso", 10) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := newTracker()
			tc.setup(tr)
			got := tr.Crashes(tc.exits)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Crashes = %+v, want %+v", got, tc.want)
			}
			if again := tr.Crashes(tc.exits); len(again) != 0 {
				t.Errorf("the same exits crashed twice: %+v", again)
			}
			if len(tc.want) > 0 {
				if _, ok := tr.Live("contoso", 10); ok {
					t.Error("the crashed activation is still live")
				}
			}
		})
	}
}

func TestCrashedActivationRefusesOutcomes(t *testing.T) {
	tr, _ := newTracker()
	id := tr.Start("contoso", 10)
	tr.Crashes([]monitor.Exit{{AddinID: "contoso", PID: 10, Time: t0, ExitCode: -1}})
	if _, err := tr.Ready(id); !errors.Is(err, monitor.ErrActivationFinished) {
		t.Errorf("ready after crash = %v, want ErrActivationFinished", err)
	}
	if got := tr.Expire(t0.Add(time.Minute)); len(got) != 0 {
		t.Errorf("a crashed activation timed out too: %+v", got)
	}
}

func TestTrackerIsSafeForConcurrentUse(t *testing.T) {
	tr := monitor.NewTracker(time.Now)
	var wg sync.WaitGroup
	var mu sync.Mutex
	observations := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := tr.Start(fmt.Sprintf("addin-%d", g), int32(i%4))
				_, errReady := tr.Ready(id)
				_, errFail := tr.Fail(id, "late")
				if errReady == nil {
					mu.Lock()
					observations++
					mu.Unlock()
				}
				if !errors.Is(errFail, monitor.ErrActivationFinished) {
					t.Errorf("fail after ready = %v", errFail)
				}
				tr.Live(fmt.Sprintf("addin-%d", g), int32(i%4))
				tr.Crashes([]monitor.Exit{{AddinID: fmt.Sprintf("addin-%d", g), PID: int32(i % 4)}})
				tr.Expire(time.Now())
			}
		}()
	}
	wg.Wait()
	if observations != 8*200 {
		t.Errorf("%d ready observations, want %d", observations, 8*200)
	}
}

// FuzzTracker drives the tracker with host reports in an arbitrary order and with
// arbitrary ids and reasons, as the local API would: it must never panic, and an
// activation yields at most one outcome.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, "script error")
	f.Add([]byte{0, 0, 2, 1, 4, 5, 3}, "")
	f.Add([]byte{0, 6, 1, 1, 2}, "\x00\xff")
	f.Fuzz(func(t *testing.T, ops []byte, reason string) {
		tr, clock := newTracker()
		var ids []string
		outcomes := map[string]int{}
		pick := func(b byte) string {
			if len(ids) == 0 || b%5 == 4 {
				return reason // an id the tracker never issued
			}
			return ids[int(b)%len(ids)]
		}
		for i, op := range ops {
			arg := byte(0)
			if i+1 < len(ops) {
				arg = ops[i+1]
			}
			switch op % 7 {
			case 0:
				ids = append(ids, tr.Start(reason, int32(arg%3)))
			case 1:
				id := pick(arg)
				if _, err := tr.Ready(id); err == nil {
					outcomes[id]++
				}
			case 2:
				id := pick(arg)
				a, err := tr.Fail(id, reason)
				if err == nil {
					outcomes[id]++
					if a.Reason == "" || len(a.Reason) > 300 {
						t.Fatalf("reason %q not cleaned", a.Reason)
					}
				}
			case 3:
				_ = tr.End(pick(arg))
			case 4:
				for _, a := range tr.Expire(clock.Now()) {
					outcomes[a.ActivationID]++
				}
			case 5:
				clock.Advance(time.Duration(arg) * 100 * time.Millisecond)
			case 6:
				tr.Crashes([]monitor.Exit{{AddinID: reason, PID: int32(arg % 3)}})
			}
		}
		for id, n := range outcomes {
			if n > 1 {
				t.Fatalf("activation %s had %d outcomes", id, n)
			}
		}
	})
}

// Activations finishing out of time order (a crash reported with an earlier exit time
// than an end already recorded) are each forgotten once their own finish is ten
// minutes old, and only then.
func TestFinishedAreForgottenByTheirOwnFinishTime(t *testing.T) {
	tr, clock := newTracker()
	ended := tr.Start("contoso", 10)
	crashed := tr.Start("fabrikam", 11)
	if _, err := tr.Ready(crashed); err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * time.Minute)
	if err := tr.End(ended); err != nil { // finished at t0+5m
		t.Fatal(err)
	}
	if got := tr.Crashes([]monitor.Exit{{AddinID: "fabrikam", PID: 11, Time: t0.Add(time.Minute)}}); len(got) != 1 {
		t.Fatalf("crashes = %v, want one", got) // finished at t0+1m, recorded second
	}
	for _, tc := range []struct {
		at            time.Duration // after t0
		ended, crashd bool          // still remembered
	}{
		{at: 10*time.Minute + 59*time.Second, ended: true, crashd: true},
		{at: 11 * time.Minute, ended: true, crashd: false},
		{at: 14*time.Minute + 59*time.Second, ended: true, crashd: false},
		{at: 15 * time.Minute, ended: false, crashd: false},
	} {
		tr.Expire(t0.Add(tc.at))
		for id, want := range map[string]bool{ended: tc.ended, crashed: tc.crashd} {
			_, err := tr.Owner(id)
			if got := err == nil; got != want {
				t.Errorf("at t0+%s: %s remembered = %v, want %v (err %v)", tc.at, id, got, want, err)
			}
		}
	}
	if live := tr.LiveActivations(); len(live) != 0 {
		t.Errorf("live = %v, want none", live)
	}
}
