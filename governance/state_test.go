package governance

import (
	"testing"
	"time"
)

func TestEffectiveState(t *testing.T) {
	tests := []struct {
		name           string
		stored         State // "" = never seen
		managed        map[string]ManagedMode
		blockUnmanaged bool
		want           State
		wantWhy        string
	}{
		{name: "unknown add-in", want: StateEnabled, wantWhy: "enabled"},
		{name: "stored disabled", stored: StateDisabled, want: StateDisabled, wantWhy: "turned off"},
		{name: "stored blocked", stored: StateBlocked, want: StateBlocked, wantWhy: "blocked by an administrator"},
		{name: "managed 0 blocks an enabled add-in", stored: StateEnabled, managed: map[string]ManagedMode{"contoso": 0},
			want: StateBlocked, wantWhy: "blocked by your administrator (managed add-in list)"},
		{name: "managed 1 enables a disabled add-in", stored: StateDisabled, managed: map[string]ManagedMode{"contoso": 1},
			want: StateEnabled, wantWhy: "always enabled by your administrator (managed add-in list)"},
		{name: "managed 1 enables a stored block", stored: StateBlocked, managed: map[string]ManagedMode{"contoso": 1},
			want: StateEnabled, wantWhy: "always enabled by your administrator (managed add-in list)"},
		{name: "managed 2 leaves the user's choice", stored: StateDisabled, managed: map[string]ManagedMode{"contoso": 2},
			want: StateDisabled, wantWhy: "turned off"},
		{name: "unknown managed value leaves the stored state", stored: StateEnabled, managed: map[string]ManagedMode{"contoso": 7},
			want: StateEnabled, wantWhy: "enabled"},
		{name: "block unmanaged, not on the list", managed: map[string]ManagedMode{"other": 2}, blockUnmanaged: true,
			want: StateBlocked, wantWhy: "blocked by your administrator: only add-ins on the managed list may run"},
		{name: "block unmanaged, on the list as user decides", managed: map[string]ManagedMode{"contoso": 2}, blockUnmanaged: true,
			want: StateEnabled, wantWhy: "enabled"},
		{name: "block unmanaged with an empty list does nothing", managed: map[string]ManagedMode{}, blockUnmanaged: true,
			want: StateEnabled, wantWhy: "enabled"},
		{name: "block unmanaged without a list does nothing", blockUnmanaged: true, stored: StateDisabled,
			want: StateDisabled, wantWhy: "turned off"},
		{name: "other add-ins' entries do not apply", managed: map[string]ManagedMode{"other": 0}, want: StateEnabled, wantWhy: "enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, box := newTestEngine(func(th *Thresholds) { th.BlockUnmanaged = tt.blockUnmanaged })
			box.p.Managed = tt.managed
			if tt.stored != "" {
				e.SetState("contoso", tt.stored)
			}
			got, why := e.EffectiveState("contoso")
			if got != tt.want || why != tt.wantWhy {
				t.Errorf("EffectiveState = %s, %q; want %s, %q", got, why, tt.want, tt.wantWhy)
			}
			may, mayWhy := e.MayActivate("contoso")
			if may != (tt.want == StateEnabled) {
				t.Errorf("MayActivate = %v, want %v", may, tt.want == StateEnabled)
			}
			if !may && mayWhy != tt.wantWhy {
				t.Errorf("MayActivate reason = %q, want %q", mayWhy, tt.wantWhy)
			}
			if may && mayWhy != "" {
				t.Errorf("MayActivate gave reason %q for an allowed activation", mayWhy)
			}
		})
	}
}

func TestDisableReasonNamesTheViolation(t *testing.T) {
	e, _, _ := newTestEngine(nil)
	for range 4 {
		e.ObserveCrash(Crash{AddinID: "contoso"})
	}
	st, why := e.EffectiveState("contoso")
	if st != StateDisabled || why != "turned off by governance because it crashed 4 times in 24 hours" {
		t.Fatalf("EffectiveState = %s, %q", st, why)
	}
	if ok, _ := e.MayActivate("contoso"); ok {
		t.Fatal("a disabled add-in may activate")
	}
}

func TestExemptAddin(t *testing.T) {
	e, clock, box := newTestEngine(nil)
	box.setManaged("contoso", ManagedAlwaysEnabled)
	e.SetState("contoso", StateDisabled) // policy 1 overrides a user's disable
	for round := 1; round <= 2; round++ {
		for n := 1; n <= 4; n++ {
			r := e.ObserveCrash(Crash{AddinID: "contoso"})
			if len(r.Strikes) != 1 || !r.Strikes[0].Exempt {
				t.Fatalf("round %d crash %d: strikes %+v, want one exempt strike", round, n, r.Strikes)
			}
			if r.Strikes[0].Value != float64(n) {
				t.Errorf("round %d crash %d counted as %v: the exempt decision should have cleared the count", round, n, r.Strikes[0].Value)
			}
			if n < 4 {
				if r.Decision != nil {
					t.Fatalf("round %d crash %d decided %+v", round, n, r.Decision)
				}
				continue
			}
			d := mustDecision(t, r, ActionExempt, MetricCrash)
			if len(d.Evidence) != 4 || d.Summary != "crashed 4 times in 24 hours" {
				t.Errorf("exempt decision: %d evidence, summary %q", len(d.Evidence), d.Summary)
			}
		}
		if st, _ := e.EffectiveState("contoso"); st != StateEnabled {
			t.Fatalf("round %d: effective state %s, want enabled", round, st)
		}
		if got := e.Strikes("contoso"); len(got) != 0 {
			t.Fatalf("round %d: %d counted strikes after an exempt decision, want 0", round, len(got))
		}
		// Logged once per strike window: more crashes inside it are neither counted
		// nor logged again.
		for range 5 {
			if r := e.ObserveCrash(Crash{AddinID: "contoso"}); len(r.Strikes) != 0 || r.Decision != nil {
				t.Fatalf("round %d: a crash inside the window after an exempt decision gave %+v", round, r)
			}
		}
		clock.Advance(24 * time.Hour)
	}
}

func TestExemptClearsOnlyItsMetric(t *testing.T) {
	e, clock, box := newTestEngine(nil)
	box.setManaged("contoso", ManagedAlwaysEnabled)
	e.ObserveActivation(Activation{AddinID: "contoso", Failed: true})
	for range 3 {
		tick(e, clock, cpuSample(clock, "contoso", 95))
	}
	got := e.Strikes("contoso")
	if len(got) != 1 || got[0].Metric != MetricActivation {
		t.Fatalf("strikes after a CPU exempt decision = %+v, want the activation strike only", got)
	}
}

func TestIgnoredWhileNotEnabled(t *testing.T) {
	tests := []struct {
		name  string
		setup func(e *Engine, box *policyBox)
	}{
		{name: "disabled by a user", setup: func(e *Engine, _ *policyBox) { e.SetState("contoso", StateDisabled) }},
		{name: "stored blocked", setup: func(e *Engine, _ *policyBox) { e.SetState("contoso", StateBlocked) }},
		{name: "managed 0", setup: func(_ *Engine, box *policyBox) { box.setManaged("contoso", ManagedBlocked) }},
		{name: "unmanaged while block-unmanaged", setup: func(_ *Engine, box *policyBox) {
			box.p.Thresholds.BlockUnmanaged = true
			box.setManaged("other", ManagedUserDecides)
		}},
		{name: "disabled by governance", setup: func(e *Engine, _ *policyBox) {
			for range 4 {
				e.ObserveCrash(Crash{AddinID: "contoso"})
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock, box := newTestEngine(nil)
			tt.setup(e, box)
			before := len(e.Strikes("contoso"))
			var results []Result
			for range 5 {
				results = append(results,
					tick(e, clock, cpuSample(clock, "contoso", 100)),
					e.ObserveCrash(Crash{AddinID: "contoso"}),
					e.ObserveActivation(Activation{AddinID: "contoso", Failed: true, Reason: "timeout"}))
			}
			for i, r := range results {
				if len(r.Strikes) != 0 || r.Decision != nil {
					t.Fatalf("observation %d produced %+v", i, r)
				}
			}
			if after := len(e.Strikes("contoso")); after != before {
				t.Fatalf("counted strikes went from %d to %d", before, after)
			}
		})
	}
}

func TestBlockEndsEpisodeInProgress(t *testing.T) {
	e, clock, box := newTestEngine(nil)
	tick(e, clock, cpuSample(clock, "contoso", 99))
	tick(e, clock, cpuSample(clock, "contoso", 99))
	box.setManaged("contoso", ManagedBlocked)
	tick(e, clock, cpuSample(clock, "contoso", 99))
	box.setManaged("contoso", ManagedUserDecides)
	if r := tick(e, clock, cpuSample(clock, "contoso", 99)); len(r.Strikes) != 0 {
		t.Fatal("a run continued across a block")
	}
}

func TestSetStateEnabledResets(t *testing.T) {
	e, clock, _ := newTestEngine(nil)
	for range 4 {
		e.ObserveCrash(Crash{AddinID: "contoso"})
	}
	if e.State("contoso") != StateDisabled {
		t.Fatalf("state = %s, want disabled after 4 crashes", e.State("contoso"))
	}
	e.SetState("contoso", StateEnabled)
	if got := e.Strikes("contoso"); len(got) != 0 {
		t.Fatalf("%d strikes after re-enabling, want 0", len(got))
	}
	r := e.ObserveCrash(Crash{AddinID: "contoso"})
	if r.Decision != nil || len(r.Strikes) != 1 || r.Strikes[0].Value != 1 {
		t.Fatalf("first crash after re-enabling: %+v", r)
	}

	// A running episode starts over too.
	tick(e, clock, cpuSample(clock, "contoso", 99))
	tick(e, clock, cpuSample(clock, "contoso", 99))
	e.SetState("contoso", StateEnabled)
	if r := tick(e, clock, cpuSample(clock, "contoso", 99)); len(r.Strikes) != 0 {
		t.Fatal("the run survived SetState(enabled)")
	}
}

func TestSetStateIgnoresUnknownStates(t *testing.T) {
	e, _, _ := newTestEngine(nil)
	e.SetState("contoso", StateDisabled)
	e.SetState("contoso", State("paused"))
	if e.State("contoso") != StateDisabled {
		t.Fatalf("state = %s, want disabled kept", e.State("contoso"))
	}
	if e.State("never-seen") != StateEnabled {
		t.Fatal("an unknown add-in is not enabled")
	}
}

func TestRestore(t *testing.T) {
	e, clock, _ := newTestEngine(nil)
	now := clock.Now()
	crash := func(id string, age time.Duration) Strike {
		return Strike{AddinID: id, Metric: MetricCrash, Time: now.Add(-age), Unit: "crashes",
			Evidence: []Evidence{{Time: now.Add(-age), Unit: "exit code"}}}
	}
	stored := []Strike{
		crash("contoso", 1*time.Hour),
		crash("contoso", 25*time.Hour), // outside the window
		crash("contoso", 24*time.Hour), // exactly a window old: out
		crash("other", 2*time.Hour),    // another add-in's
		{AddinID: "contoso", Metric: "disk", Time: now},
		crash("", 3*time.Hour), // no id: taken as this add-in's
		crash("contoso", 23*time.Hour),
	}
	e.Restore("contoso", StateEnabled, stored)
	got := e.Strikes("contoso")
	wantAges := []time.Duration{23 * time.Hour, 3 * time.Hour, 1 * time.Hour}
	if len(got) != len(wantAges) {
		t.Fatalf("restored %d strikes, want %d: %+v", len(got), len(wantAges), got)
	}
	for i, s := range got {
		if !s.Time.Equal(now.Add(-wantAges[i])) || s.AddinID != "contoso" {
			t.Errorf("strike %d = %s at %v, want contoso at -%v", i, s.AddinID, s.Time, wantAges[i])
		}
	}
	stored[0].Evidence[0].Value = 99
	if e.Strikes("contoso")[2].Evidence[0].Value == 99 {
		t.Error("Restore kept the caller's evidence array")
	}
	// Three restored crashes in the window: the next crash is the fourth.
	if r := e.ObserveCrash(Crash{AddinID: "contoso"}); r.Decision == nil || r.Strikes[0].Value != 4 {
		t.Fatalf("fourth crash after a restore: %+v", r)
	}
}

func TestRestoreStates(t *testing.T) {
	tests := []struct {
		name  string
		state State
		want  State
	}{
		{name: "disabled", state: StateDisabled, want: StateDisabled},
		{name: "blocked", state: StateBlocked, want: StateBlocked},
		{name: "enabled", state: StateEnabled, want: StateEnabled},
		{name: "corrupt state is taken as enabled", state: State(""), want: StateEnabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, _ := newTestEngine(nil)
			e.Restore("contoso", tt.state, nil)
			if got := e.State("contoso"); got != tt.want {
				t.Fatalf("State = %s, want %s", got, tt.want)
			}
			r := e.ObserveCrash(Crash{AddinID: "contoso"})
			if gotStrike := len(r.Strikes) == 1; gotStrike != (tt.want == StateEnabled) {
				t.Fatalf("crash after restoring %s: %+v", tt.state, r)
			}
		})
	}
}

func TestRestoredLimitDecidesOnNextObservation(t *testing.T) {
	e, clock, _ := newTestEngine(nil)
	var stored []Strike
	for i := range 4 {
		stored = append(stored, Strike{AddinID: "contoso", Metric: MetricCrash, Time: clock.Now().Add(-time.Duration(i+1) * time.Minute),
			Value: float64(4 - i), Threshold: 3, Unit: "crashes", Evidence: []Evidence{{Unit: "exit code"}}})
	}
	e.Restore("contoso", StateEnabled, stored)
	if e.State("contoso") != StateEnabled {
		t.Fatal("Restore decided by itself")
	}
	r := tick(e, clock, cpuSample(clock, "contoso", 5))
	d := mustDecision(t, r, ActionDisable, MetricCrash)
	if len(r.Strikes) != 0 || len(d.Evidence) != 4 {
		t.Fatalf("decision from restored strikes: %d new strikes, %d evidence", len(r.Strikes), len(d.Evidence))
	}
}

func TestPolicyChangeAppliesAtOnce(t *testing.T) {
	t.Run("fewer CPU samples", func(t *testing.T) {
		e, clock, box := newTestEngine(nil)
		tick(e, clock, cpuSample(clock, "contoso", 95))
		box.p.Thresholds.CPUSampleCount = 2
		r := tick(e, clock, cpuSample(clock, "contoso", 95))
		mustDecision(t, r, ActionDisable, MetricCPU)
	})
	t.Run("higher activation threshold", func(t *testing.T) {
		e, _, box := newTestEngine(nil)
		act := Activation{AddinID: "contoso", Latency: 1500 * time.Millisecond}
		if r := e.ObserveActivation(act); len(r.Strikes) != 1 {
			t.Fatal("1.5 s is slow under the default threshold")
		}
		box.p.Thresholds.ActivationThreshold = 2 * time.Second
		if r := e.ObserveActivation(act); len(r.Strikes) != 0 {
			t.Fatal("1.5 s still slow after raising the threshold to 2 s")
		}
	})
	t.Run("lower activation limit decides on the next observation", func(t *testing.T) {
		e, _, box := newTestEngine(nil)
		e.ObserveActivation(Activation{AddinID: "contoso", Failed: true})
		e.ObserveActivation(Activation{AddinID: "contoso", Failed: true})
		box.p.Thresholds.ActivationLimit = 2
		r := e.ObserveActivation(Activation{AddinID: "contoso", Latency: 10 * time.Millisecond})
		mustDecision(t, r, ActionDisable, MetricActivation)
	})
	t.Run("shorter window drops strikes", func(t *testing.T) {
		e, clock, box := newTestEngine(nil)
		for range 3 {
			e.ObserveCrash(Crash{AddinID: "contoso"})
			clock.Advance(2 * time.Hour)
		}
		box.p.Thresholds.StrikeWindow = time.Hour
		if r := e.ObserveCrash(Crash{AddinID: "contoso"}); r.Decision != nil || r.Strikes[0].Value != 1 {
			t.Fatalf("old crashes still count under a 1 h window: %+v", r)
		}
	})
	t.Run("becoming always-enabled turns a disable into an exemption", func(t *testing.T) {
		e, _, box := newTestEngine(nil)
		for range 3 {
			e.ObserveCrash(Crash{AddinID: "contoso"})
		}
		box.setManaged("contoso", ManagedAlwaysEnabled)
		r := e.ObserveCrash(Crash{AddinID: "contoso"})
		mustDecision(t, r, ActionExempt, MetricCrash)
		if e.State("contoso") != StateEnabled {
			t.Fatalf("state = %s, want enabled", e.State("contoso"))
		}
	})
	t.Run("nonsense thresholds fall back to the defaults", func(t *testing.T) {
		e, clock, box := newTestEngine(nil)
		box.p.Thresholds = Thresholds{} // every value zero
		for range 2 {
			if r := tick(e, clock, cpuSample(clock, "contoso", 95)); len(r.Strikes) != 0 {
				t.Fatal("a zero sample count made every sample an episode")
			}
		}
		if r := tick(e, clock, cpuSample(clock, "contoso", 95)); r.Decision == nil {
			t.Fatal("the default 3-sample episode did not disable")
		}
	})
}

func TestForget(t *testing.T) {
	e, _, _ := newTestEngine(nil)
	for range 4 {
		e.ObserveCrash(Crash{AddinID: "contoso"})
	}
	e.Forget("contoso")
	if e.State("contoso") != StateEnabled || e.Strikes("contoso") != nil {
		t.Fatal("Forget kept state or strikes")
	}
}

func TestEmptyAddinIDIsIgnored(t *testing.T) {
	e, clock, _ := newTestEngine(nil)
	results := []Result{
		e.ObserveSample(cpuSample(clock, "", 100)),
		e.ObserveCrash(Crash{}),
		e.ObserveActivation(Activation{Failed: true}),
	}
	for i, r := range results {
		if len(r.Strikes) != 0 || r.Decision != nil {
			t.Fatalf("observation %d without an add-in id produced %+v", i, r)
		}
	}
}

func TestNewEngineDefaults(t *testing.T) {
	e := NewEngine(nil, nil)
	r := e.ObserveActivation(Activation{AddinID: "contoso", Latency: 1001 * time.Millisecond})
	if len(r.Strikes) != 1 || r.Strikes[0].Threshold != 1000 {
		t.Fatalf("default engine: %+v", r)
	}
}

func TestDisableEndsOtherRuns(t *testing.T) {
	e, clock, box := newTestEngine(func(th *Thresholds) { th.MemorySampleCount = 4 })
	for range 3 { // CPU disables on the third; the memory run stands at two
		s := memSample(clock, "contoso", 12*gib, 16*gib, 90)
		s.CPUPercent = 99
		tick(e, clock, s)
	}
	if e.State("contoso") != StateDisabled {
		t.Fatal("CPU episode did not disable")
	}
	box.setManaged("contoso", ManagedAlwaysEnabled) // effective again, without an observation in between
	for i := range 3 {
		if r := tick(e, clock, memSample(clock, "contoso", 12*gib, 16*gib, 90)); len(r.Strikes) != 0 {
			t.Fatalf("memory sample %d completed an episode begun before the disable", i+1)
		}
	}
}

// BlockUnmanaged applies while the managed list is enabled, also by its marker alone.
func TestBlockUnmanagedWithAnEnabledEmptyList(t *testing.T) {
	for _, on := range []bool{false, true} {
		p := DefaultPolicy()
		p.Thresholds.BlockUnmanaged = true
		p.ManagedListOn = on
		e := NewEngine(newFakeClock(), StaticPolicy(p))
		if st, _ := e.EffectiveState("contoso"); (st == StateBlocked) != on {
			t.Errorf("list enabled %v: contoso is %s", on, st)
		}
	}
}
