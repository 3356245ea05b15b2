package governance

// Plain-words reasons for states that policy imposes. The daemon puts them in notices
// and the CLI prints them, so they say who decided.
const (
	reasonManagedBlocked = "blocked by your administrator (managed add-in list)"
	reasonUnmanaged      = "blocked by your administrator: only add-ins on the managed list may run"
	reasonManagedAlways  = "always enabled by your administrator (managed add-in list)"
)

// EffectiveState applies policy on top of the stored state: managed 0 → blocked;
// BlockUnmanaged (only while the managed list has entries) and not in the list → blocked;
// managed 1 → enabled even if stored disabled. Returns the state and a plain reason.
//
// A managed value other than 0 and 1 (2, the user decides, or an unknown value) leaves
// the stored state in charge.
func (e *Engine) EffectiveState(addinID string) (State, string) {
	return e.effective(e.policyFor(addinID), addinID)
}

// MayActivate reports whether the host may activate the add-in: false with the reason
// when it is disabled or blocked.
func (e *Engine) MayActivate(addinID string) (bool, string) {
	st, why := e.EffectiveState(addinID)
	if st != StateEnabled {
		return false, why
	}
	return true, ""
}

// effective is EffectiveState for an already read policy, so one call sees one policy.
func (e *Engine) effective(p Policy, addinID string) (State, string) {
	mode, listed := p.Mode(addinID)
	switch {
	case listed && mode == ManagedBlocked:
		return StateBlocked, reasonManagedBlocked
	case listed && mode == ManagedAlwaysEnabled:
		return StateEnabled, reasonManagedAlways
	case !listed && p.Thresholds.BlockUnmanaged && p.ListEnabled():
		return StateBlocked, reasonUnmanaged
	}
	if a, ok := e.addins[addinID]; ok {
		return a.state, a.why
	}
	return StateEnabled, reasonEnabled
}

// exempt reports whether policy keeps the add-in enabled whatever it does.
func exempt(p Policy, addinID string) bool {
	mode, listed := p.Mode(addinID)
	return listed && mode == ManagedAlwaysEnabled
}
