package governance

import (
	"slices"
	"time"
)

// Engine holds per-add-in governance state. It is NOT safe for concurrent use; the daemon
// serializes calls with its own mutex.
//
// The engine reads the policy on every call, so a threshold or managed-list change
// applies to the next observation. Every time it stamps (a strike's Time, a decision's
// Time, the window's edge) comes from the injected Clock; the observation's own time is
// kept in the evidence. Strike times and the daemon's pruning therefore use one clock.
type Engine struct {
	clock  Clock
	policy PolicySource
	addins map[string]*addin
}

// addin is what the engine remembers about one add-in.
type addin struct {
	state State
	// why explains the stored state in plain words, for EffectiveState and MayActivate.
	why string
	// strikes are the counted strikes, oldest first. Exempt decisions remove their
	// metric's strikes; re-enabling removes all.
	strikes []Strike
	// cpuRun and memRun hold the evidence of the episode in progress: consecutive
	// samples at or above the threshold.
	cpuRun []Evidence
	memRun []Evidence
	// exempted is when each metric last had an exempt decision: an always-enabled
	// add-in's violation is logged once per strike window, not once per episode.
	exempted map[Metric]time.Time
}

// Plain-words reasons for stored states.
const (
	reasonEnabled       = "enabled"
	reasonTurnedOff     = "turned off"
	reasonBlockedByUser = "blocked by an administrator"
)

// NewEngine returns an engine that reads time from clock and thresholds and the managed
// list from policy. A nil clock means the system clock; a nil policy means the built-in
// defaults.
func NewEngine(clock Clock, policy PolicySource) *Engine {
	if clock == nil {
		clock = SystemClock{}
	}
	if policy == nil {
		policy = StaticPolicy(DefaultPolicy())
	}
	return &Engine{clock: clock, policy: policy, addins: map[string]*addin{}}
}

// Restore seeds an add-in after a daemon restart: its stored state and its stored strikes
// (the engine drops any outside the window).
//
// Strikes of another add-in (a non-empty, different AddinID) and of unknown metrics are
// dropped. An unknown state is taken as enabled, the state of an add-in the engine has
// never seen. Pass only strikes that still count: the daemon deletes an add-in's stored
// strikes when it is re-enabled, and a metric's strikes up to an exempt decision, or
// they will count again after a restart. Restore never produces a decision; a restored
// limit's worth of strikes is decided on the add-in's next observation.
func (e *Engine) Restore(addinID string, state State, strikes []Strike) {
	if !validState(state) {
		state = StateEnabled
	}
	a := &addin{state: state, why: storedReason(state)}
	for _, s := range strikes {
		if s.AddinID != "" && s.AddinID != addinID {
			continue
		}
		if _, err := ParseMetric(string(s.Metric)); err != nil {
			continue
		}
		s.AddinID = addinID
		a.strikes = append(a.strikes, cloneStrike(s))
	}
	slices.SortStableFunc(a.strikes, func(x, y Strike) int { return x.Time.Compare(y.Time) })
	e.addins[addinID] = a
	a.prune(e.clock.Now(), limitsOf(e.policyFor(addinID).Thresholds).StrikeWindow)
}

// SetState records an enable/disable/block done by a user, an administrator or policy.
// Setting StateEnabled clears the add-in's counted strikes and running episodes (a fresh start,
// as Outlook does when a user re-enables an add-in). Any other state ends the running
// episodes and keeps the strikes, so support can still see why. A value that is not one
// of the three states is ignored.
//
// Policy blocks (managed list value 0, block-unmanaged) need not be stored here:
// EffectiveState derives them from the policy on every call.
func (e *Engine) SetState(addinID string, state State) {
	if !validState(state) {
		return
	}
	a := e.addin(addinID)
	a.state = state
	a.why = storedReason(state)
	a.resetRuns()
	if state == StateEnabled {
		a.strikes = nil
		a.exempted = nil
	}
}

// State returns the add-in's stored state, without policy; an unknown add-in is enabled.
func (e *Engine) State(addinID string) State {
	if a, ok := e.addins[addinID]; ok {
		return a.state
	}
	return StateEnabled
}

// Strikes returns the add-in's counted strikes still inside the window, oldest first.
// The slice and its evidence are copies.
func (e *Engine) Strikes(addinID string) []Strike {
	a, ok := e.addins[addinID]
	if !ok {
		return nil
	}
	a.prune(e.clock.Now(), limitsOf(e.policyFor(addinID).Thresholds).StrikeWindow)
	if len(a.strikes) == 0 {
		return nil
	}
	out := make([]Strike, len(a.strikes))
	for i, s := range a.strikes {
		out[i] = cloneStrike(s)
	}
	return out
}

// Forget drops everything the engine knows about the add-in (it was removed).
func (e *Engine) Forget(addinID string) {
	delete(e.addins, addinID)
}

// policyFor is the policy that governs the add-in: its own when the source has
// per-add-in policies (each user's add-ins under that user's policy), else the one
// policy.
func (e *Engine) policyFor(addinID string) Policy {
	if s, ok := e.policy.(AddinPolicySource); ok {
		return s.PolicyFor(addinID)
	}
	return e.policy.Policy()
}

// addin returns the record for id, creating an enabled one on first sight.
func (e *Engine) addin(id string) *addin {
	a, ok := e.addins[id]
	if !ok {
		a = &addin{state: StateEnabled, why: reasonEnabled}
		e.addins[id] = a
	}
	return a
}

// prune drops strikes that are window old or older. A strike exactly one window old no
// longer counts.
func (a *addin) prune(now time.Time, window time.Duration) {
	edge := now.Add(-window)
	a.strikes = slices.DeleteFunc(a.strikes, func(s Strike) bool { return !s.Time.After(edge) })
}

// resetRuns ends any episode in progress.
func (a *addin) resetRuns() {
	a.cpuRun = nil
	a.memRun = nil
}

// metricStrikes returns the counted strikes of metric m, oldest first.
func (a *addin) metricStrikes(m Metric) []Strike {
	var out []Strike
	for _, s := range a.strikes {
		if s.Metric == m {
			out = append(out, s)
		}
	}
	return out
}

// dropMetric removes the counted strikes of metric m.
func (a *addin) dropMetric(m Metric) {
	a.strikes = slices.DeleteFunc(a.strikes, func(s Strike) bool { return s.Metric == m })
}

func validState(s State) bool {
	return s == StateEnabled || s == StateDisabled || s == StateBlocked
}

func storedReason(s State) string {
	switch s {
	case StateDisabled:
		return reasonTurnedOff
	case StateBlocked:
		return reasonBlockedByUser
	}
	return reasonEnabled
}

// cloneStrike copies s so that callers and the engine never share an evidence array.
func cloneStrike(s Strike) Strike {
	s.Evidence = slices.Clone(s.Evidence)
	return s
}
