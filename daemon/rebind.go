package daemon

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"addingov/monitor"
	"addingov/registrypolicy"
	"addingov/storage"
)

// restartState is what the daemon stores so that a restart forgets nothing it governs:
// the processes it samples (with the host's live activation in each) and the policy it
// last applied. It remembers what it last stored, so unchanged state costs no write.
type restartState struct {
	mu        sync.Mutex
	bindings  map[bindingKey]storage.Binding // as last queued
	bindingsW bool                           // bindings were stored (or read) at least once
	policy    storage.PolicySeen
	policyW   bool
}

// resumeGovernance runs once at start, before the loop and the API:
//   - every stored binding whose process still runs (the same pid with the same creation
//     time) is bound again, so sampling goes on without waiting for a new activation;
//     its ready activation is resumed under its old id (the host's end report still
//     works, and an exit still counts as a crash);
//   - a binding whose process ended while the daemon was down is logged, and not counted
//     as a crash even if an activation was live in it: the exit was not observed, and a
//     host's normal end report made while the daemon was down failed, so a crash and a
//     normal close cannot be told apart, and a wrong crash strike can disable an add-in;
//   - an activation that was started but not ready is dropped without a strike: its
//     ready report was due while the daemon was down;
//   - discovery runs at once rather than after the first interval;
//   - the policy is compared with the one last applied: changed values are logged as
//     policy-changed, and add-ins it now blocks or unblocks are logged and noticed, as
//     when the policy changes while the daemon runs.
func (d *Daemon) resumeGovernance() {
	d.rebindStored()
	if d.discover != nil {
		d.runDiscovery()
	}
	d.policyAtStart()
	d.saveBindings()
}

func (d *Daemon) rebindStored() {
	stored, err := d.db.Bindings()
	if err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("read the processes bound before the restart")
	}
	d.restart.mu.Lock()
	d.restart.bindings, d.restart.bindingsW = make(map[bindingKey]storage.Binding, len(stored)), err == nil
	for _, b := range stored {
		d.restart.bindings[bindingKey{b.AddinID, b.PID}] = b
	}
	d.restart.mu.Unlock()
	for _, b := range stored {
		log := d.log.With().Str("addin", b.AddinID).Int32("pid", b.PID).Logger()
		if _, err := d.db.Addin(b.AddinID); errors.Is(err, storage.ErrNotFound) {
			log.Info().Msg("not re-binding the process of an add-in that was removed")
			continue
		}
		d.mu.Lock()
		ok, why := d.engine.MayActivate(b.AddinID)
		d.mu.Unlock()
		if !ok {
			log.Info().Str("reason", why).Msg("not re-binding the process of an add-in that may not run")
			continue
		}
		d.smu.Lock()
		err := d.sampler.Rebind(monitor.Root{AddinID: b.AddinID, PID: b.PID, CreateTime: b.CreateTime})
		d.smu.Unlock()
		switch {
		case errors.Is(err, monitor.ErrNoProcess):
			ev := log.Info()
			if b.ActivationID != "" {
				ev = log.Warn().Str("activation", b.ActivationID)
			}
			ev.Str("event", "addin-ended-while-down").
				Msg("an add-in process ended while the daemon was down; not counted as a crash (its exit was not observed)")
			continue
		case err != nil:
			log.Warn().Err(err).Msg("cannot re-bind an add-in process; it is sampled again from its next activation")
			continue
		}
		log.Info().Str("event", "addin-rebound").Msg("sampling an add-in process again after the restart")
		if b.ActivationID == "" {
			continue
		}
		la := monitor.LiveActivation{ID: b.ActivationID, AddinID: b.AddinID, PID: b.PID, Ready: b.ActivationReady,
			Started: b.ActivationStarted, Owner: b.ActivationOwner}
		if err := d.tracker.Resume(la); err != nil {
			log.Info().Str("activation", b.ActivationID).Err(err).Msg("activation not resumed; it is neither timed out nor counted")
		}
	}
}

// saveBindings stores the processes the sampler follows, each with the host's live
// activation in it, when they changed since the last store, and returns once they are
// durable.
func (d *Daemon) saveBindings() { _ = d.finish(d.queueBindings()) }

// queueBindings queues what changed in the processes the sampler follows for the
// add-ins named (all when none is), and the host's live activation in each, since the
// bindings last queued; nil when nothing did. The snapshot is taken and queued under
// d.restart.mu, so the queue holds the snapshots in the order they were taken; the
// caller waits after releasing it (finish). Only the difference is written, so an
// activation's start or end costs one small write however many processes are
// followed; after a failed write, or before the first, the whole set is written.
func (d *Daemon) queueBindings(addins ...string) *ackWrite {
	d.restart.mu.Lock()
	defer d.restart.mu.Unlock()
	if !d.restart.bindingsW || d.restart.bindings == nil {
		addins = nil // the whole set is written
	}
	in := func(id string) bool { return len(addins) == 0 || slices.Contains(addins, id) }
	d.smu.Lock()
	roots := d.sampler.Roots()
	d.smu.Unlock()
	live := map[bindingKey]monitor.LiveActivation{}
	for _, la := range d.tracker.LiveActivations() {
		if in(la.AddinID) {
			live[bindingKey{la.AddinID, la.PID}] = la // oldest first: the newest wins
		}
	}
	now := d.clock.Now()
	seen := map[bindingKey]bool{}
	var put, gone []storage.Binding
	for _, r := range roots {
		if !in(r.AddinID) {
			continue
		}
		k := bindingKey{r.AddinID, r.PID}
		seen[k] = true
		prev, had := d.restart.bindings[k]
		b := storage.Binding{AddinID: r.AddinID, PID: r.PID, CreateTime: r.CreateTime, BoundAt: now}
		if had && prev.CreateTime == r.CreateTime {
			b.BoundAt = prev.BoundAt
		}
		if la, ok := live[k]; ok {
			b.ActivationID, b.ActivationReady, b.ActivationStarted, b.ActivationOwner = la.ID, la.Ready, la.Started.Round(0), la.Owner
		}
		if !had || !sameBinding(b, prev) {
			put = append(put, b)
		}
	}
	for k, b := range d.restart.bindings {
		if in(k.id) && !seen[k] {
			gone = append(gone, b)
		}
	}
	full := !d.restart.bindingsW
	if !full && len(put) == 0 && len(gone) == 0 {
		return nil
	}
	if d.restart.bindings == nil {
		d.restart.bindings = map[bindingKey]storage.Binding{}
	}
	for _, b := range gone {
		delete(d.restart.bindings, bindingKey{b.AddinID, b.PID})
	}
	for _, b := range put {
		d.restart.bindings[bindingKey{b.AddinID, b.PID}] = b
	}
	d.restart.bindingsW = true
	var p *storage.Pending
	if full {
		p = d.db.QueueReplaceBindings(slices.Collect(maps.Values(d.restart.bindings)))
	} else {
		p = d.db.QueueUpdateBindings(put, gone)
	}
	return &ackWrite{pending: p, failed: func(err error) {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("store the processes being sampled; a restart now may forget some")
		d.restart.mu.Lock()
		d.restart.bindingsW = false // the store may hold any earlier set: write the whole set next time
		d.restart.mu.Unlock()
	}}
}

// sameBinding reports whether two bindings store the same.
func sameBinding(a, b storage.Binding) bool {
	return a.AddinID == b.AddinID && a.PID == b.PID && a.CreateTime == b.CreateTime && a.BoundAt.Equal(b.BoundAt) &&
		a.ActivationID == b.ActivationID && a.ActivationReady == b.ActivationReady &&
		a.ActivationStarted.Equal(b.ActivationStarted) && a.ActivationOwner == b.ActivationOwner
}

// bindingKey is a process followed for an add-in.
type bindingKey struct {
	id  string
	pid int32
}

// policyAtStart logs and notices what the policy changed while the daemon was down.
func (d *Daemon) policyAtStart() {
	cur := d.cfg.Policy.Effective()
	seen, err := d.db.PolicySeen()
	first := errors.Is(err, storage.ErrNoPolicySeen)
	if err != nil && !first {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("read the policy last applied; blocks in force are logged again")
	}
	// Start from what was blocked when the daemon stopped (nothing, at the first start),
	// so reconcileBlocked logs and notices every difference.
	d.mu.Lock()
	d.blocked = map[string]bool{}
	for _, id := range seen.Blocked {
		d.blocked[id] = true
	}
	d.mu.Unlock()
	if !first && err == nil {
		if changes := diffValues(seen.Values, policyValues(cur)); len(changes) > 0 {
			d.log.Info().Msg("the policy changed while the daemon was down")
			d.onPolicyChange(nil, cur, changes) // logs policy-changed and reconciles blocks
			return
		}
	}
	d.reconcileBlocked()
}

// rememberPolicy stores the policy just applied and what it blocks, when they changed.
func (d *Daemon) rememberPolicy() {
	p := storage.PolicySeen{Values: policyValues(d.cfg.Policy.Effective())}
	d.mu.Lock()
	for id, blocked := range d.blocked {
		if blocked {
			p.Blocked = append(p.Blocked, id)
		}
	}
	d.mu.Unlock()
	slices.Sort(p.Blocked)
	d.restart.mu.Lock()
	defer d.restart.mu.Unlock()
	if d.restart.policyW && reflect.DeepEqual(p, d.restart.policy) {
		return
	}
	if err := d.db.PutPolicySeen(p); err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("store the policy applied; the next start may log this change again")
		return
	}
	d.restart.policy, d.restart.policyW = p, true
}

// policyValues is every setting and managed add-in that differs from the built-in
// defaults, with its value as people read it.
func policyValues(e *registrypolicy.Effective) map[string]string {
	out := map[string]string{}
	if e == nil {
		return out
	}
	for _, c := range e.Diff(nil) {
		out[c.Name] = c.New
	}
	return out
}

// diffValues lists the differences between two policyValues, by name.
func diffValues(old, cur map[string]string) []registrypolicy.Change {
	names := slices.Sorted(maps.Keys(cur))
	for n := range old {
		if _, ok := cur[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var out []registrypolicy.Change
	for _, n := range names {
		// As Diff writes them: an unlisted managed add-in is "(none)".
		absent := "(default)"
		if strings.HasPrefix(n, registrypolicy.ManagedAddins+"[") {
			absent = "(none)"
		}
		o, ok := old[n]
		if !ok {
			o = absent
		}
		c, ok := cur[n]
		if !ok {
			c = absent
		}
		if o != c {
			out = append(out, registrypolicy.Change{Name: n, Old: o, New: c})
		}
	}
	return out
}
