package daemon

import (
	"errors"

	"addingov/governance"
	"addingov/storage"
)

// Acknowledged writes and the engine lock.
//
// Under d.mu the daemon asks the engine and queues what its answer means for the store
// (storage's group commit, storage/commit.go), so the queue holds writes in the order
// the engine produced them; it then releases d.mu and waits for the writes. Writers
// waiting together share one fsync, and no caller holds the engine while the disk
// works. Only once a write is durable does the daemon act on it: answer the caller,
// log the event, wake notice waiters and carry out an Office host switch.
//
// The engine is changed at queue time, under the same lock that orders the queue, so
// it moves through exactly the states the store moves through, in the same order
// (today's order: the engine's own decisions were always taken before they were
// stored). The daemon counts the writes in flight for each add-in; an add-in's view
// (GET /v1/addins…) waits until those queued before it are done, so what a caller is
// shown is durable, and logged, noticed and switched, as before. A write that fails leaves the engine ahead
// of the store: when the last write in flight for the add-in is done (so every write
// queued for it is committed or failed, and the store is the truth) the daemon reloads
// that add-in's engine state from the store, as a restart would. See settle.

// ackWrite is a queued write and what the daemon does once it is durable or failed.
type ackWrite struct {
	pending interface{ Wait() error }
	addins  []string // add-ins whose engine state the write carries
	// durable runs once the write is durable; failed once it has failed (nil: the
	// caller reports the error itself).
	durable func()
	failed  func(err error)
	err     error
}

// flight counts an add-in's writes queued and done while any is in flight.
type flight struct {
	queued, done int
	stale        bool // one of them failed
}

// trackLocked counts w among the writes in flight for its add-ins (d.mu held).
func (d *Daemon) trackLocked(w *ackWrite) *ackWrite {
	for _, id := range w.addins {
		f := d.flights[id]
		if f == nil {
			f = &flight{}
			d.flights[id] = f
		}
		f.queued++
	}
	return w
}

// finish waits for writes queued under d.mu (nil ones are skipped), runs in queue
// order what each write's outcome calls for, then settles the engine. It returns the
// first error. Call it without d.mu.
func (d *Daemon) finish(ws ...*ackWrite) error {
	var first error
	for _, w := range ws {
		if w != nil {
			w.err = w.pending.Wait()
		}
	}
	defer d.settle(ws)
	for _, w := range ws {
		switch {
		case w == nil:
		case w.err == nil:
			if w.durable != nil {
				w.durable()
			}
		default:
			if first == nil {
				first = w.err
			}
			if w.failed != nil {
				w.failed(w.err)
			}
		}
	}
	return first
}

// settle ends the writes' count in flight; an add-in a failed write carried is
// reloaded from the store once no write for it is in flight any more.
func (d *Daemon) settle(ws []*ackWrite) {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.settled.Broadcast()
	for _, w := range ws {
		if w == nil {
			continue
		}
		for _, id := range w.addins {
			f := d.flights[id]
			f.done++
			f.stale = f.stale || w.err != nil
			if f.done < f.queued {
				continue
			}
			delete(d.flights, id)
			if f.stale {
				d.reloadLocked(id)
			}
		}
	}
}

// waitSettledLocked waits until the writes for id queued before the call are done
// (d.mu held; it is released while waiting). Writes queued meanwhile are not waited
// for, so a stream of writes to one add-in cannot hold its readers up for long.
func (d *Daemon) waitSettledLocked(id string) {
	f := d.flights[id]
	if f == nil {
		return
	}
	for target := f.queued; f.done < target; {
		d.settled.Wait()
	}
}

// reloadLocked sets the engine's record of id to what the store holds (d.mu held): its
// state, its strikes inside the window and an administrator's policy override. An
// add-in the store does not know is forgotten.
func (d *Daemon) reloadLocked(id string) {
	a, err := d.db.Addin(id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		d.engine.Forget(id)
		delete(d.overrides.overrides, id)
		return
	case err != nil:
		d.log.Error().Err(err).Str("event", "storage-problem").Str("addin", id).
			Msg("a write failed and the add-in's stored state cannot be read back: governance goes on from what it last decided until the daemon restarts")
		return
	}
	strikes, err := d.db.Strikes(id, d.clock.Now().Add(-d.longestWindows().StrikeWindow))
	if err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Str("addin", id).
			Msg("a write failed and the add-in's stored strikes cannot be read back: governance goes on from what it last decided until the daemon restarts")
		return
	}
	if a.PolicyOverride {
		d.overrides.overrides[id] = true
	} else {
		delete(d.overrides.overrides, id)
	}
	d.engine.Restore(id, a.State, strikes)
	d.log.Warn().Str("addin", id).Str("state", string(a.State)).Msg("a write failed: governance of the add-in goes on from its stored state")
}

// queueResultLocked queues what a governance result means for the store (d.mu held):
// new strikes, or a decision with its strikes, log entry and notice in one
// transaction. It returns nil when there is nothing to store.
func (d *Daemon) queueResultLocked(r governance.Result) *ackWrite {
	if r.Decision == nil {
		if len(r.Strikes) == 0 {
			return nil
		}
		strikes := r.Strikes
		w := &ackWrite{pending: d.db.QueueStrikes(strikes)}
		for _, s := range strikes {
			w.addins = append(w.addins, s.AddinID)
		}
		w.durable = func() {
			for _, s := range strikes {
				d.log.Info().Str("addin", s.AddinID).Str("metric", string(s.Metric)).Float64("value", s.Value).
					Float64("threshold", s.Threshold).Str("unit", s.Unit).Bool("exempt", s.Exempt).Msg("strike")
			}
		}
		w.failed = func(err error) { d.log.Error().Err(err).Str("event", "storage-problem").Msg("store strikes") }
		return d.trackLocked(w)
	}
	dec := *r.Decision
	name, scope := dec.AddinID, ""
	if a, err := d.db.Addin(dec.AddinID); err == nil {
		name, scope = a.Name, a.Scope
	}
	dw := d.db.QueueDecision(dec, r.Strikes, d.withHostNote(dec.AddinID, disableNotice(name, scope, dec)))
	var sw hostSwitch
	if dec.Action == governance.ActionDisable {
		sw = d.queueSwitchLocked(dec.AddinID, governance.StateDisabled, storage.ByGovernance)
	}
	w := &ackWrite{pending: dw, addins: []string{dec.AddinID}}
	w.durable = func() {
		d.applySwitch(sw)
		ev := d.log.Warn()
		msg := "add-in disabled"
		if dec.Action == governance.ActionExempt {
			ev = d.log.Info()
			msg = "add-in reached a limit but policy keeps it enabled (exempt)"
		}
		ev.Str("event", "addin-"+string(dec.Action)).Str("addin", dec.AddinID).Str("reason", string(dec.Reason)).
			Float64("value", dec.Value).Float64("threshold", dec.Threshold).Str("unit", dec.Unit).
			Str("log_id", dw.Entry.ID).Msg(msg)
		if dw.Notice != nil {
			d.notices.Notify()
		}
	}
	w.failed = func(err error) {
		d.log.Error().Err(err).Str("event", "storage-problem").Str("addin", dec.AddinID).Msg("store decision")
	}
	return d.trackLocked(w)
}

// hostSwitch is an Office host switch (LoadBehavior) a queued state change calls for.
// Switches are carried out after their writes are durable, by whichever caller's wait
// ends first, so each carries its place in its add-in's order: one overtaken by a later
// switch of the same add-in is dropped, as the later one sets the add-in's final state.
type hostSwitch struct {
	id    string // "" for none
	state governance.State
	by    string
	seq   uint64
}

// queueSwitchLocked numbers a host switch of id in queue order (d.mu held).
func (d *Daemon) queueSwitchLocked(id string, state governance.State, by string) hostSwitch {
	if d.office == nil {
		return hostSwitch{} // only Office add-ins have a host switch
	}
	d.switchSeq[id]++
	return hostSwitch{id: id, state: state, by: by, seq: d.switchSeq[id]}
}

// applySwitch carries out s unless a later switch of its add-in was carried out.
func (d *Daemon) applySwitch(s hostSwitch) {
	if s.id == "" {
		return
	}
	d.switchMu.Lock()
	defer d.switchMu.Unlock()
	if s.seq <= d.switchDone[s.id] {
		return
	}
	d.switchDone[s.id] = s.seq
	d.applyHostSwitch(s.id, s.state, s.by)
}
