package governance_test

import (
	"strings"
	"testing"
	"time"

	"addingov/governance"
	"addingov/governance/governancetest"
)

func starts(ms ...int) []governance.Activation {
	out := make([]governance.Activation, len(ms))
	base := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for i, m := range ms {
		out[i] = governance.Activation{Time: base.Add(time.Duration(i) * time.Minute), Latency: time.Duration(m) * time.Millisecond}
	}
	return out
}

func TestObserveStartupsAppliesTheMedianOfTheLastStarts(t *testing.T) {
	tests := []struct {
		name     string
		ms       []int
		managed  governance.ManagedMode
		listed   bool
		want     governance.Action // "" = no decision
		strikes  int
		evidence int
	}{
		{name: "fewer starts than the count are not judged", ms: []int{5000, 5000, 5000, 5000}},
		{name: "median over the threshold disables at once", ms: []int{1200, 3000, 900, 1500, 2000}, want: governance.ActionDisable, strikes: 1, evidence: 5},
		{name: "one slow start among fast ones does not", ms: []int{9000, 200, 300, 250, 100}},
		{name: "median exactly at the threshold is not slow", ms: []int{1000, 1000, 1000, 2000, 3000}},
		{name: "only the last five count", ms: []int{100, 100, 100, 100, 100, 2000, 2000, 2000, 100, 100}, want: governance.ActionDisable, strikes: 1, evidence: 5},
		{name: "always enabled by policy is exempt", ms: []int{2000, 2000, 2000, 2000, 2000}, managed: governance.ManagedAlwaysEnabled, listed: true, want: governance.ActionExempt, strikes: 1, evidence: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := governance.DefaultPolicy()
			if tt.listed {
				p.Managed = map[string]governance.ManagedMode{"a": tt.managed}
			}
			e := governance.NewEngine(governancetest.NewClock(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)), governance.StaticPolicy(p))
			res := e.ObserveStartups(governance.Startups{AddinID: "a", Starts: starts(tt.ms...)})
			if len(res.Strikes) != tt.strikes {
				t.Fatalf("strikes = %d, want %d", len(res.Strikes), tt.strikes)
			}
			if tt.want == "" {
				if res.Decision != nil {
					t.Fatalf("decision %+v, want none", res.Decision)
				}
				return
			}
			if res.Decision == nil || res.Decision.Action != tt.want {
				t.Fatalf("decision = %+v, want %s", res.Decision, tt.want)
			}
			if len(res.Decision.Evidence) != tt.evidence {
				t.Errorf("evidence = %d items, want %d", len(res.Decision.Evidence), tt.evidence)
			}
			if !strings.Contains(res.Decision.Summary, "median") || !strings.Contains(res.Decision.Summary, "last 5 starts") {
				t.Errorf("summary %q does not give the rule", res.Decision.Summary)
			}
		})
	}
}

func TestObserveStartupsCountComesFromPolicy(t *testing.T) {
	p := governance.DefaultPolicy()
	p.Thresholds.StartupCount = 3
	p.Thresholds.ActivationThreshold = 500 * time.Millisecond
	e := governance.NewEngine(governancetest.NewClock(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)), governance.StaticPolicy(p))
	res := e.ObserveStartups(governance.Startups{AddinID: "a", Starts: starts(600, 700, 100)})
	if res.Decision == nil || res.Decision.Value != 600 {
		t.Fatalf("decision = %+v, want a disable at the median 600 ms", res.Decision)
	}
	if e.State("a") != governance.StateDisabled {
		t.Fatalf("state = %s, want disabled", e.State("a"))
	}
}
