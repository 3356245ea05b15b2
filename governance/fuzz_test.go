package governance

import (
	"slices"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

var fuzzAddins = []string{"contoso", "fabrikam", "tailspin"}

// fuzzRun is the invariant checker for FuzzObservations: it replays ops against an
// engine and fails on any broken rule.
type fuzzRun struct {
	t        *testing.T
	e        *Engine
	clock    *fakeClock
	box      *policyBox
	disables map[string]int // disables since the add-in was last (re-)enabled
}

// FuzzObservations feeds random sequences of observations, state changes, clock moves
// and policy changes, and checks the engine's invariants: no panic; no strike and no
// decision for an add-in that was not effectively enabled; at most one disable per
// add-in until it is re-enabled; exempt decisions only for always-enabled add-ins, which
// stay enabled; counted strikes oldest first and inside the window.
func FuzzObservations(f *testing.F) {
	f.Add([]byte{0, 0, 95, 0, 0, 95, 0, 0, 95, 0, 0, 95})
	f.Add([]byte{3, 1, 0, 3, 1, 0, 3, 1, 0, 3, 1, 0, 3, 1, 0, 5, 1, 0, 3, 1, 0})
	f.Add([]byte{6, 2, 1, 3, 2, 0, 3, 2, 0, 3, 2, 0, 3, 2, 0, 3, 2, 0, 6, 2, 3, 3, 2, 0})
	f.Add([]byte{2, 0, 70, 2, 0, 0, 4, 0, 200, 2, 0, 77, 8, 0, 0, 2, 0, 91, 9, 0, 0})
	f.Add([]byte{7, 0, 3, 6, 1, 2, 1, 0, 200, 1, 0, 200, 1, 0, 200, 6, 0, 0, 0, 0, 255})
	f.Fuzz(func(t *testing.T, ops []byte) {
		e, clock, box := newTestEngine(nil)
		r := &fuzzRun{t: t, e: e, clock: clock, box: box, disables: map[string]int{}}
		for i := 0; i+2 < len(ops) && i < 3*500; i += 3 {
			r.step(ops[i], fuzzAddins[int(ops[i+1])%len(fuzzAddins)], ops[i+2])
		}
	})
}

func (r *fuzzRun) step(op byte, id string, arg byte) {
	t, e := r.t, r.e
	pre, _ := e.EffectiveState(id)
	wasExempt := exempt(r.box.Policy(), id)
	var res Result
	observed := true
	switch op % 10 {
	case 0:
		res = e.ObserveSample(Sample{AddinID: id, Time: r.clock.Now(), CPUPercent: float64(arg),
			TotalMemoryBytes: 16 * gib, DeviceMemoryPercent: 50})
	case 1:
		res = e.ObserveSample(Sample{AddinID: id, CPUPercent: float64(arg) / 4, MemoryBytes: uint64(arg) * 64 << 20,
			TotalMemoryBytes: 16 * gib, DeviceMemoryPercent: float64(arg % 101)})
	case 2:
		res = e.ObserveActivation(Activation{AddinID: id, Latency: time.Duration(arg) * 20 * time.Millisecond,
			Failed: arg%7 == 0, Reason: string([]byte{arg, 0, 'x'})})
	case 3:
		res = e.ObserveCrash(Crash{AddinID: id, PID: int32(arg), ExitCode: int(arg) - 128})
	default:
		observed = false
		r.control(op%10, id, arg)
	}
	if !observed {
		r.checkStrikes()
		return
	}
	if pre != StateEnabled && (len(res.Strikes) != 0 || res.Decision != nil) {
		t.Fatalf("%s was %s but op %d produced %+v", id, pre, op%10, res)
	}
	for _, s := range res.Strikes {
		if s.AddinID != id || s.Exempt != wasExempt || !s.Time.Equal(r.clock.Now()) {
			t.Fatalf("strike %+v for %s (exempt %v) at %v", s, id, wasExempt, r.clock.Now())
		}
	}
	if d := res.Decision; d != nil {
		if d.AddinID != id || d.Summary == "" {
			t.Fatalf("decision %+v", d)
		}
		switch d.Action {
		case ActionDisable:
			if wasExempt {
				t.Fatalf("an always-enabled add-in was disabled: %+v", d)
			}
			if r.disables[id]++; r.disables[id] > 1 {
				t.Fatalf("%s disabled twice without being re-enabled", id)
			}
			if e.State(id) != StateDisabled {
				t.Fatalf("state after a disable = %s", e.State(id))
			}
		case ActionExempt:
			if !wasExempt {
				t.Fatalf("exempt decision for an add-in policy does not exempt: %+v", d)
			}
			if st, _ := e.EffectiveState(id); st != StateEnabled {
				t.Fatalf("exempt add-in is %s", st)
			}
		default:
			t.Fatalf("unknown action %q", d.Action)
		}
	}
	r.checkStrikes()
}

// control applies a non-observation op: clock, state, restore, forget, policy.
func (r *fuzzRun) control(op byte, id string, arg byte) {
	states := []State{StateEnabled, StateDisabled, StateBlocked, "bogus"}
	switch op {
	case 4:
		r.clock.Advance(time.Duration(arg) * 10 * time.Minute)
	case 5:
		st := states[int(arg)%len(states)]
		r.e.SetState(id, st)
		if st == StateEnabled {
			r.disables[id] = 0
		}
	case 6:
		switch mode := arg % 4; mode {
		case 3:
			delete(r.box.p.Managed, id)
		default:
			r.box.setManaged(id, ManagedMode(mode))
		}
	case 7:
		th := &r.box.p.Thresholds
		th.CPUSampleCount = int(arg % 5)
		th.CrashLimit = int(arg%4) - 1
		th.ActivationLimit = int(arg % 6)
		th.MemoryThresholdMB = uint64(arg%3) * 500
		th.StrikeWindow = time.Duration(arg%3) * 12 * time.Hour
		th.BlockUnmanaged = arg&0x80 != 0
	case 8:
		st := states[int(arg)%len(states)]
		r.e.Restore(id, st, r.e.Strikes(id))
		if r.e.State(id) == StateEnabled {
			r.disables[id] = 0
		}
	case 9:
		r.e.Forget(id)
		r.disables[id] = 0
	}
}

func (r *fuzzRun) checkStrikes() {
	window := limitsOf(r.box.p.Thresholds).StrikeWindow
	for _, id := range fuzzAddins {
		got := r.e.Strikes(id)
		if !slices.IsSortedFunc(got, func(a, b Strike) int { return a.Time.Compare(b.Time) }) {
			r.t.Fatalf("%s strikes not oldest first", id)
		}
		for _, s := range got {
			if !s.Time.After(r.clock.Now().Add(-window)) || s.AddinID != id {
				r.t.Fatalf("%s holds strike %+v outside the %v window", id, s, window)
			}
		}
	}
}

// FuzzCleanReason checks that any host-reported failure reason becomes a short,
// printable, single-line detail.
func FuzzCleanReason(f *testing.F) {
	for _, s := range []string{"", "timeout", "TIMEOUT", "bad\r\nthing", "\x00\x01", "é\u2028x", string(make([]byte, 500)), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := cleanReason(s)
		if n := utf8.RuneCountInString(got); n > maxReasonRunes {
			t.Fatalf("%d runes, want at most %d", n, maxReasonRunes)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 %q", got)
		}
		for _, c := range got {
			if unicode.IsControl(c) {
				t.Fatalf("control character %U in %q", c, got)
			}
		}
		if cleanReason(got) != got {
			t.Fatalf("not idempotent: %q → %q", got, cleanReason(got))
		}
		d := activationDetail(Activation{Failed: true, Reason: s})
		if d == "" || d == detailSlow {
			t.Fatalf("failed activation got detail %q", d)
		}
	})
}
