package daemon

import (
	"errors"

	"addingov/governance"
	"addingov/storage"
)

// runDiscovery binds add-in processes found by the config file's discovery rules, for
// hosts that do not report pids. Binding an already bound pid is a no-op.
func (d *Daemon) runDiscovery() {
	bindings, err := d.discover.DiscoverRunning()
	if err != nil {
		d.log.Warn().Err(err).Msg("process discovery")
		return
	}
	d.smu.Lock()
	defer d.smu.Unlock()
	for _, b := range bindings {
		if err := d.ensureRecord(b.AddinID, b.PID); err != nil {
			d.log.Error().Err(err).Str("event", "storage-problem").Str("addin", b.AddinID).Msg("record discovered add-in")
			continue
		}
		d.mu.Lock()
		ok, _ := d.engine.MayActivate(b.AddinID)
		d.mu.Unlock()
		if !ok {
			continue
		}
		if err := d.sampler.Bind(b.AddinID, b.PID); err != nil {
			d.log.Debug().Err(err).Str("addin", b.AddinID).Int32("pid", b.PID).Msg("bind discovered process")
		}
	}
}

// ensureRecord creates the record of an add-in first seen by discovery. A process run
// by an ordinary user makes it that user's (its command line is the user's to choose);
// one run by root or SYSTEM makes it machine-wide.
func (d *Daemon) ensureRecord(id string, pid int32) error {
	_, err := d.db.Addin(id)
	if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	owner, err := processOwner(pid)
	if err != nil {
		return err
	}
	a := storage.Addin{ID: id, Name: id, State: governance.StateEnabled, Since: d.clock.Now(), By: "discovery",
		Scope: storage.ScopeUser, Owner: owner}
	if isSystemAccount(owner) {
		a.Scope, a.Owner = storage.ScopeMachine, ""
	}
	if err := d.db.PutAddin(a); err != nil {
		return err
	}
	d.Installed(a)
	return nil
}
