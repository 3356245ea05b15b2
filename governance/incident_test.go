package governance

import (
	"strconv"
	"testing"
	"time"
)

func TestCrashes(t *testing.T) {
	tests := []struct {
		name      string
		tune      func(*Thresholds)
		crashes   int
		disableAt int // 1-based crash that disables; 0 for none
	}{
		{name: "three crashes are allowed", crashes: 3, disableAt: 0},
		{name: "the fourth crash disables", crashes: 4, disableAt: 4},
		{name: "policy limit of one", tune: func(th *Thresholds) { th.CrashLimit = 1 }, crashes: 2, disableAt: 2},
		{name: "policy limit of ten", tune: func(th *Thresholds) { th.CrashLimit = 10 }, crashes: 10, disableAt: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock, box := newTestEngine(tt.tune)
			limit := box.p.Thresholds.CrashLimit
			for n := 1; n <= tt.crashes; n++ {
				clock.Advance(time.Minute)
				r := e.ObserveCrash(Crash{AddinID: "contoso", PID: int32(1000 + n), Time: clock.Now(), ExitCode: 3})
				if len(r.Strikes) != 1 {
					t.Fatalf("crash %d: %d strikes, want 1", n, len(r.Strikes))
				}
				s := r.Strikes[0]
				if s.Metric != MetricCrash || s.Value != float64(n) || s.Threshold != float64(limit) || s.Unit != "crashes" {
					t.Errorf("crash %d strike = %s %v/%v %s", n, s.Metric, s.Value, s.Threshold, s.Unit)
				}
				if len(s.Evidence) != 1 || s.Evidence[0].Value != 3 || s.Evidence[0].Unit != "exit code" ||
					s.Evidence[0].Detail != "process "+strconv.Itoa(1000+n)+" exited with code 3 while an activation was live" {
					t.Errorf("crash %d evidence = %+v", n, s.Evidence)
				}
				if n != tt.disableAt {
					if r.Decision != nil {
						t.Fatalf("crash %d: unexpected decision %+v", n, r.Decision)
					}
					continue
				}
				d := mustDecision(t, r, ActionDisable, MetricCrash)
				if d.Value != float64(n) || d.Threshold != float64(limit) || len(d.Evidence) != n {
					t.Errorf("decision %v/%v with %d evidence, want %d/%d with %d", d.Value, d.Threshold, len(d.Evidence), n, limit, n)
				}
				if e.State("contoso") != StateDisabled {
					t.Errorf("state = %s, want disabled", e.State("contoso"))
				}
			}
		})
	}
}

func TestActivations(t *testing.T) {
	tests := []struct {
		name       string
		act        Activation
		wantStrike bool
		wantValue  float64
		wantDetail string
	}{
		{name: "fast", act: Activation{Latency: 300 * time.Millisecond}},
		{name: "exactly at the threshold is not slow", act: Activation{Latency: time.Second}},
		{name: "1 ms over is slow", act: Activation{Latency: 1001 * time.Millisecond}, wantStrike: true, wantValue: 1001, wantDetail: "slow"},
		{name: "failed fast", act: Activation{Latency: 20 * time.Millisecond, Failed: true, Reason: "manifest not found"},
			wantStrike: true, wantValue: 20, wantDetail: "failed (manifest not found)"},
		{name: "timed out", act: Activation{Latency: HostUnresponsive, Failed: true, Reason: "timeout"},
			wantStrike: true, wantValue: 5000, wantDetail: "timed out"},
		{name: "failed without a reason", act: Activation{Failed: true}, wantStrike: true, wantValue: 0, wantDetail: "failed"},
		{name: "negative latency is taken as zero", act: Activation{Latency: -time.Second, Failed: true},
			wantStrike: true, wantValue: 0, wantDetail: "failed"},
		{name: "control characters in the reason", act: Activation{Failed: true, Reason: "bad\r\nthing\x00 here"},
			wantStrike: true, wantValue: 0, wantDetail: "failed (bad thing here)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock, _ := newTestEngine(nil)
			tt.act.AddinID, tt.act.ActivationID, tt.act.Time = "contoso", "act-1", clock.Now().Add(-time.Second)
			r := e.ObserveActivation(tt.act)
			if r.Decision != nil {
				t.Fatalf("one activation decided %+v", r.Decision)
			}
			if !tt.wantStrike {
				if len(r.Strikes) != 0 {
					t.Fatalf("got strike %+v, want none", r.Strikes)
				}
				return
			}
			if len(r.Strikes) != 1 {
				t.Fatalf("got %d strikes, want 1", len(r.Strikes))
			}
			s := r.Strikes[0]
			if s.Metric != MetricActivation || s.Unit != "ms" || s.Value != tt.wantValue || s.Threshold != 1000 {
				t.Errorf("strike = %s %v/%v %s, want activation %v/1000 ms", s.Metric, s.Value, s.Threshold, s.Unit, tt.wantValue)
			}
			if len(s.Evidence) != 1 || s.Evidence[0].Detail != tt.wantDetail || s.Evidence[0].Value != tt.wantValue ||
				!s.Evidence[0].Time.Equal(tt.act.Time) {
				t.Errorf("evidence = %+v, want %q at %v", s.Evidence, tt.wantDetail, tt.act.Time)
			}
		})
	}
}

func TestActivationLimit(t *testing.T) {
	tests := []struct {
		name      string
		tune      func(*Thresholds)
		latencies []time.Duration // 0 = failed with timeout
		disableAt int             // 1-based; 0 for none
		summary   string
	}{
		{name: "two slow are allowed", latencies: []time.Duration{1500 * time.Millisecond, 2 * time.Second}},
		{
			name:      "the third slow or failed disables",
			latencies: []time.Duration{1500 * time.Millisecond, 1600 * time.Millisecond, 0},
			disableAt: 3,
			summary:   "was slow or failed to start 3 times (1.5 s, 1.6 s, timed out; the limit is 1 s)",
		},
		{
			name:      "fast ones do not count",
			latencies: []time.Duration{1500 * time.Millisecond, 200 * time.Millisecond, time.Second, 1200 * time.Millisecond},
		},
		{
			name:      "policy limit and threshold",
			tune:      func(th *Thresholds) { th.ActivationLimit = 1; th.ActivationThreshold = 500 * time.Millisecond },
			latencies: []time.Duration{800 * time.Millisecond},
			disableAt: 1,
			summary:   "was slow or failed to start once (800 ms; the limit is 500 ms)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock, _ := newTestEngine(tt.tune)
			for i, l := range tt.latencies {
				clock.Advance(time.Minute)
				act := Activation{AddinID: "contoso", Time: clock.Now(), Latency: l}
				if l == 0 {
					act.Latency, act.Failed, act.Reason = HostUnresponsive, true, "timeout"
				}
				r := e.ObserveActivation(act)
				if i+1 != tt.disableAt {
					if r.Decision != nil {
						t.Fatalf("activation %d decided %+v", i+1, r.Decision)
					}
					continue
				}
				d := mustDecision(t, r, ActionDisable, MetricActivation)
				if d.Summary != tt.summary {
					t.Errorf("summary = %q, want %q", d.Summary, tt.summary)
				}
				if len(d.Evidence) != tt.disableAt {
					t.Errorf("decision has %d evidence, want %d", len(d.Evidence), tt.disableAt)
				}
			}
			if tt.disableAt == 0 && e.State("contoso") != StateEnabled {
				t.Errorf("state = %s, want enabled", e.State("contoso"))
			}
		})
	}
}

func TestStrikeWindow(t *testing.T) {
	tests := []struct {
		name        string
		before      time.Duration // time from the first crash to the fourth
		wantDisable bool
	}{
		{name: "first strike just inside the window", before: 24*time.Hour - time.Nanosecond, wantDisable: true},
		{name: "first strike exactly a window old drops out", before: 24 * time.Hour, wantDisable: false},
		{name: "long gone", before: 72 * time.Hour, wantDisable: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock, _ := newTestEngine(nil)
			start := clock.Now()
			e.ObserveCrash(Crash{AddinID: "contoso"})
			clock.Advance(time.Hour)
			e.ObserveCrash(Crash{AddinID: "contoso"})
			clock.Advance(time.Hour)
			e.ObserveCrash(Crash{AddinID: "contoso"})
			clock.Set(start.Add(tt.before))
			r := e.ObserveCrash(Crash{AddinID: "contoso"})
			if got := r.Decision != nil; got != tt.wantDisable {
				t.Fatalf("decision = %v, want disable %v", r.Decision, tt.wantDisable)
			}
			if !tt.wantDisable {
				for _, s := range e.Strikes("contoso") {
					if !s.Time.After(clock.Now().Add(-24 * time.Hour)) {
						t.Errorf("Strikes returned %v, outside the window", s.Time)
					}
				}
			}
		})
	}
}

func TestStrikesOrderAndCopies(t *testing.T) {
	e, clock, _ := newTestEngine(nil)
	for i := range 3 {
		clock.Advance(time.Minute)
		e.ObserveActivation(Activation{AddinID: "contoso", Latency: time.Duration(2+i) * time.Second})
		if i == 1 {
			e.ObserveCrash(Crash{AddinID: "contoso", PID: 7})
		}
	}
	got := e.Strikes("contoso")
	if len(got) != 4 {
		t.Fatalf("got %d strikes, want 4 (3 activations, 1 crash)", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Time.Before(got[i-1].Time) {
			t.Fatalf("strikes not oldest first: %v before %v", got[i-1].Time, got[i].Time)
		}
	}
	got[0].Evidence[0].Value = -1
	if again := e.Strikes("contoso"); again[0].Evidence[0].Value == -1 {
		t.Fatal("Strikes shares evidence with the engine")
	}
	if e.Strikes("unknown") != nil {
		t.Fatal("an unknown add-in has strikes")
	}
}
