package daemon

import (
	"time"

	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// The daemon is the catalog's Governor: installs, removals and rule evaluations reach
// the governance engine through these methods.

// EffectiveState is the add-in's state with policy applied.
func (d *Daemon) EffectiveState(addinID string) (governance.State, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.engine.EffectiveState(addinID)
}

// StateFor is a's state as it applies to caller: the add-in's own, and, when that is
// enabled, the caller's per-user record of a machine-wide add-in.
func (d *Daemon) StateFor(caller localapi.Caller, a storage.Addin) (governance.State, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, why := d.engine.EffectiveState(a.ID)
	if st != governance.StateEnabled {
		return st, why
	}
	if id := governedID(caller, a); id != a.ID {
		// Also before the caller's record exists: the caller's own policy may block
		// the machine-wide add-in for them.
		return d.engine.EffectiveState(id)
	}
	return st, why
}

// Installed tells governance about a newly installed (or reinstalled) add-in.
func (d *Daemon) Installed(a storage.Addin) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.overrides.setOwner(a)
	d.engine.SetState(a.ID, a.State)
	st, _ := d.engine.EffectiveState(a.ID)
	d.blocked[a.ID] = st == governance.StateBlocked
}

// Removed forgets an add-in, and the per-user records of a machine-wide one, and stops
// watching their processes.
func (d *Daemon) Removed(addinID string) {
	d.mu.Lock()
	var perUser []string
	for id, base := range d.overrides.perUser {
		if base == addinID {
			perUser = append(perUser, id)
		}
	}
	d.mu.Unlock()
	for _, id := range perUser {
		if err := d.db.DeleteAddin(id); err != nil {
			d.log.Error().Err(err).Str("event", "storage-problem").Str("addin", id).Msg("remove a per-user record")
			continue
		}
		d.mu.Lock()
		delete(d.overrides.perUser, id)
		d.mu.Unlock()
		d.Removed(id)
	}
	d.mu.Lock()
	d.engine.Forget(addinID)
	delete(d.last, addinID)
	delete(d.overrides.overrides, addinID)
	delete(d.overrides.owners, addinID)
	delete(d.blocked, addinID)
	d.mu.Unlock()
	d.smu.Lock()
	defer d.smu.Unlock()
	for _, pid := range d.sampler.Bound()[addinID] {
		d.sampler.Unbind(addinID, pid)
	}
}

// ObserveEvaluation counts activation-rule evaluation time toward the slow-activation
// threshold, as Outlook counts its regular-expression time.
func (d *Daemon) ObserveEvaluation(addinID string, took time.Duration) {
	d.mu.Lock()
	now := d.clock.Now()
	w := d.queueResultLocked(d.engine.ObserveActivation(governance.Activation{
		AddinID: addinID, ActivationID: "rules-" + now.Format("150405.000000"), Time: now, Latency: took,
	}))
	d.mu.Unlock()
	_ = d.finish(w) // a failure is logged
}
