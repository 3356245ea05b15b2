package governance

import "time"

// Result is what one observation produced.
type Result struct {
	Strikes  []Strike  // new strikes to persist (may be empty)
	Decision *Decision // non-nil when a limit was reached (ActionDisable, or ActionExempt for always-enabled add-ins)
}

// call is one observation's view of the world: one policy read and one clock read, so
// that every rule in a call sees the same thresholds and the same time.
type call struct {
	now    time.Time
	policy Policy
	limits Thresholds
}

func (e *Engine) begin(addinID string) call {
	p := e.policyFor(addinID)
	return call{now: e.clock.Now(), policy: p, limits: limitsOf(p.Thresholds)}
}

// governed returns the add-in's record when its effective state lets governance act on
// it, and nil when it is disabled or blocked: such an add-in gets no strikes and no
// decisions, and any episode in progress ends.
func (e *Engine) governed(c call, id string) *addin {
	if id == "" {
		return nil
	}
	if st, _ := e.effective(c.policy, id); st != StateEnabled {
		if a, ok := e.addins[id]; ok {
			a.resetRuns()
		}
		return nil
	}
	a := e.addin(id)
	a.prune(c.now, c.limits.StrikeWindow)
	return a
}

// record counts a new strike, adds it to the result and decides at once when no
// decision was made earlier in this call. It reports whether the add-in was disabled,
// after which the call must produce nothing more.
func (e *Engine) record(c call, id string, a *addin, s Strike, res *Result) (disabled bool) {
	if s.Exempt && a.recentlyExempted(s.Metric, c.now, c.limits.StrikeWindow) {
		// Already logged as exempt within the window: not counted, not logged again.
		return false
	}
	a.strikes = append(a.strikes, s)
	res.Strikes = append(res.Strikes, cloneStrike(s))
	return e.settle(c, id, a, res)
}

// settle decides when no decision was made earlier in this call. Besides the strike
// just recorded it catches a limit reached another way: a policy change that lowered a
// limit, strikes restored after a restart, or the second of two episodes completed by
// one sample of an always-enabled add-in (a call returns at most one decision).
func (e *Engine) settle(c call, id string, a *addin, res *Result) (disabled bool) {
	if res.Decision == nil {
		res.Decision = e.decide(c, id, a)
	}
	return res.Decision != nil && res.Decision.Action == ActionDisable
}

// decide returns a decision for the first metric, in Metrics order, whose counted
// strikes reach its limit, and applies it: a disable turns the add-in off; an exempt
// decision clears that metric's counted strikes so the next one needs a fresh limit's
// worth. A decision's Value, Threshold and Unit are those of the strike that reached
// the limit; its Evidence is the evidence of every counted strike of the metric.
func (e *Engine) decide(c call, id string, a *addin) *Decision {
	for _, m := range Metrics {
		strikes := a.metricStrikes(m)
		if len(strikes) == 0 || (len(strikes) < strikesToDecide(m, c.limits) && !anyDecisive(strikes)) {
			continue
		}
		last := strikes[len(strikes)-1]
		d := &Decision{
			AddinID:   id,
			Action:    ActionDisable,
			Reason:    m,
			Time:      c.now,
			Value:     last.Value,
			Threshold: last.Threshold,
			Unit:      last.Unit,
			Summary:   summarize(m, strikes, c.limits),
		}
		for _, s := range strikes {
			d.Evidence = append(d.Evidence, s.Evidence...)
		}
		if exempt(c.policy, id) {
			d.Action = ActionExempt
			a.dropMetric(m)
			if a.exempted == nil {
				a.exempted = map[Metric]time.Time{}
			}
			a.exempted[m] = c.now
			return d
		}
		a.state = StateDisabled
		a.why = "turned off by governance because it " + d.Summary
		a.resetRuns()
		return d
	}
	return nil
}

// anyDecisive reports whether one of strikes reaches its limit on its own.
func anyDecisive(strikes []Strike) bool {
	for _, s := range strikes {
		if s.Decisive {
			return true
		}
	}
	return false
}

// when is the time an observation happened: its own when the reporter set one, else
// the engine's clock.
func when(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// recentlyExempted reports whether metric m had an exempt decision within the window.
func (a *addin) recentlyExempted(m Metric, now time.Time, window time.Duration) bool {
	t, ok := a.exempted[m]
	return ok && now.Sub(t) < window
}
