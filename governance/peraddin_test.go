package governance_test

import (
	"testing"
	"time"

	"addingov/governance"
	"addingov/governance/governancetest"
)

// perAddin gives each add-in its owner's policy, as the daemon does with per-user
// policy; unknown add-ins get the default.
type perAddin map[string]governance.Policy

func (p perAddin) Policy() governance.Policy { return governance.DefaultPolicy() }

func (p perAddin) PolicyFor(id string) governance.Policy {
	if pol, ok := p[id]; ok {
		return pol
	}
	return p.Policy()
}

func TestEngineJudgesEachAddinWithItsOwnPolicy(t *testing.T) {
	strict := governance.DefaultPolicy()
	strict.Thresholds.CPUCorePercent = 50
	strict.Thresholds.CPUSampleCount = 1
	lenient := governance.DefaultPolicy()
	lenient.Thresholds.CPUSampleCount = 1
	blocking := governance.DefaultPolicy()
	blocking.Managed = map[string]governance.ManagedMode{"shared@uid:alice": governance.ManagedBlocked}
	src := perAddin{"alice-addin": strict, "bob-addin": lenient, "shared@uid:alice": blocking}
	clock := governancetest.NewClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	e := governance.NewEngine(clock, src)

	for id, wantDisabled := range map[string]bool{"alice-addin": true, "bob-addin": false} {
		res := e.ObserveSample(governance.Sample{AddinID: id, CPUPercent: 70})
		if got := res.Decision != nil && res.Decision.Action == governance.ActionDisable; got != wantDisabled {
			t.Errorf("%s at 70 %% of a core: disabled=%v, want %v (decision %+v)", id, got, wantDisabled, res.Decision)
		}
	}
	if st, _ := e.EffectiveState("shared@uid:alice"); st != governance.StateBlocked {
		t.Errorf("alice's policy does not block her record: %v", st)
	}
	if st, _ := e.EffectiveState("shared@uid:bob"); st != governance.StateEnabled {
		t.Errorf("alice's policy blocks bob's record: %v", st)
	}
}
