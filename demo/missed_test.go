package demo

import (
	"strings"
	"testing"
	"time"

	"addingov/governance"
)

func TestMissed(t *testing.T) {
	all := func(edit func(map[string]AddinResult)) *Result {
		m := map[string]AddinResult{}
		for _, b := range Behaviors {
			st := "disabled"
			if b.Expect == "" {
				st = "enabled"
			}
			m[b.ID] = AddinResult{ID: b.ID, State: st, Reason: b.Expect, Strikes: map[string]int{}}
		}
		if edit != nil {
			edit(m)
		}
		res := &Result{}
		for _, a := range m {
			res.Addins = append(res.Addins, a)
		}
		return res
	}
	demoPolicy := governance.DefaultPolicy()
	demoPolicy.Thresholds.MemoryThresholdMB = demoMemoryMB
	cases := []struct {
		name   string
		res    *Result
		policy func(*governance.Policy)
		want   []string // substrings, one per missed line
	}{
		{name: "everything as expected", res: all(nil)},
		{name: "demo-cpu never reached its threshold", res: all(func(m map[string]AddinResult) {
			m["demo-cpu"] = AddinResult{ID: "demo-cpu", State: "enabled", Strikes: map[string]int{}}
		}), want: []string{"demo-cpu should have been disabled for cpu within 50s, but it is enabled"}},
		{name: "disabled for the wrong reason", res: all(func(m map[string]AddinResult) {
			m["demo-slow"] = AddinResult{ID: "demo-slow", State: "disabled", Reason: "crash", Strikes: map[string]int{"crash": 4}}
		}), want: []string{"demo-slow should have been disabled for activation within 50s, but it is disabled with reason crash, strikes crash:4"}},
		{name: "demo-good struck off", res: all(func(m map[string]AddinResult) {
			m["demo-good"] = AddinResult{ID: "demo-good", State: "disabled", Reason: "cpu"}
		}), want: []string{"demo-good should have stayed enabled, but it is disabled (cpu)"}},
		{name: "an add-in missing", res: all(func(m map[string]AddinResult) { delete(m, "demo-crash") }),
			want: []string{"demo-crash: missing"}},
		{name: "always enabled by policy: exempt is expected", res: all(func(m map[string]AddinResult) {
			m["demo-cpu"] = AddinResult{ID: "demo-cpu", State: "enabled", Reason: "cpu"}
		}), policy: func(p *governance.Policy) {
			p.Managed = map[string]governance.ManagedMode{"demo-cpu": governance.ManagedAlwaysEnabled}
		}},
		{name: "always enabled by policy but disabled", res: all(nil), policy: func(p *governance.Policy) {
			p.Managed = map[string]governance.ManagedMode{"demo-cpu": governance.ManagedAlwaysEnabled}
		}, want: []string{"demo-cpu should have been logged as exempt for cpu"}},
		{name: "policy's CPU limit is above the burner: nothing expected", res: all(func(m map[string]AddinResult) {
			m["demo-cpu"] = AddinResult{ID: "demo-cpu", State: "enabled"}
		}), policy: func(p *governance.Policy) { p.Thresholds.CPUCorePercent = 100 }},
		{name: "blocked by policy", res: all(func(m map[string]AddinResult) {
			m["demo-memory"] = AddinResult{ID: "demo-memory", State: "blocked", Reason: "blocked by policy"}
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := demoPolicy
			if c.policy != nil {
				c.policy(&p)
			}
			got := Missed(c.res, p, 50*time.Second)
			if len(got) != len(c.want) {
				t.Fatalf("Missed = %q, want %d line(s) like %q", got, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
