package daemon

import (
	"context"
	"errors"
	"os"
	"time"

	"addingov/display"
	"addingov/governance"
	"addingov/localapi"
	"addingov/monitor"
	"addingov/storage"
)

var _ localapi.Backend = (*Daemon)(nil)

// Status implements localapi.Backend.
func (d *Daemon) Status(ctx context.Context) (localapi.Status, error) {
	s := localapi.Status{
		Version:      d.cfg.Version,
		PID:          os.Getpid(),
		StartedAt:    d.started,
		StateDir:     d.cfg.StateDir,
		Address:      d.cfg.Address,
		PolicySource: d.cfg.PolicySource,
		Interval:     d.interval().String(),
		Caller:       localapi.CallerFrom(ctx),
	}
	pv := d.policyView(d.PolicyFor(localapi.CallerFrom(ctx)))
	s.PolicyLoadedAt, s.PolicyErrors = pv.LoadedAt, pv.Errors
	views, err := d.Addins(ctx)
	if err != nil {
		return s, err
	}
	s.Addins = len(views)
	for _, v := range views {
		switch governance.State(v.State) {
		case governance.StateEnabled:
			s.Enabled++
		case governance.StateDisabled:
			s.Disabled++
		case governance.StateBlocked:
			s.Blocked++
		}
	}
	s.LastNotice, err = d.db.LastNoticeSeq()
	return s, err
}

// Addins implements localapi.Backend: the caller sees machine-wide add-ins and their
// own; administrators see all.
func (d *Daemon) Addins(ctx context.Context) ([]localapi.Addin, error) {
	caller := localapi.CallerFrom(ctx)
	recs, err := d.db.Addins()
	if err != nil {
		return nil, err
	}
	out := make([]localapi.Addin, 0, len(recs))
	for _, a := range recs {
		if caller.MayRead(a.Scope, a.Owner) {
			out = append(out, d.view(a))
		}
	}
	return out, nil
}

// Addin implements localapi.Backend.
func (d *Daemon) Addin(ctx context.Context, id string) (localapi.Addin, error) {
	a, err := d.record(id)
	if err != nil {
		return localapi.Addin{}, err
	}
	if !localapi.CallerFrom(ctx).MayRead(a.Scope, a.Owner) {
		return localapi.Addin{}, localapi.Forbidden("add-in %s was installed by another user; you can read only your own and machine-wide add-ins", id)
	}
	return d.view(a), nil
}

func (d *Daemon) record(id string) (storage.Addin, error) {
	if err := checkAddinID(id); err != nil {
		return storage.Addin{}, err
	}
	a, err := d.db.Addin(id)
	if errors.Is(err, storage.ErrNotFound) {
		return a, localapi.NotFound("no add-in %q: `addingov addins` lists the known ones", id)
	}
	return a, err
}

func (d *Daemon) view(a storage.Addin) localapi.Addin {
	d.mu.Lock()
	d.waitSettledLocked(a.ID) // show only what is durable
	state, why := d.engine.EffectiveState(a.ID)
	strikes := d.engine.Strikes(a.ID)
	last, sampled := d.last[a.ID]
	mode, managed := d.overrides.raw(a.ID).Mode(managedID(a.ID))
	d.mu.Unlock()

	v := localapi.Addin{
		ID: a.ID, Name: a.Name, Version: a.Version, Provider: a.Provider, Kind: a.Kind,
		Permission: a.Permission, Scope: a.Scope, Owner: a.Owner,
		State: string(state), Reason: a.StateReason, Since: a.Since, By: a.By,
		Strikes: map[string]int{},
	}
	if state == governance.StateBlocked {
		v.Reason = why
	}
	if managed {
		v.Managed = mode.String()
		if a.PolicyOverride {
			v.Managed += " (overridden on this machine by an administrator)"
		}
	}
	for _, s := range strikes {
		v.Strikes[string(s.Metric)]++
	}
	// Only processes running now: the last sample may name processes that have exited
	// since, and their pids may already name unrelated processes.
	if v.PIDs = d.sampler.Live(a.ID); len(v.PIDs) > 0 && sampled {
		v.CPUPercent, v.MemoryBytes = last.CPUPercent, last.MemoryBytes
	}
	d.officeView(&v)
	return v
}

// SetEnabled implements localapi.Backend.
func (d *Daemon) SetEnabled(ctx context.Context, id string, enable bool, req localapi.StateRequest) (localapi.Addin, error) {
	caller := localapi.CallerFrom(ctx)
	a, err := d.record(id)
	if err != nil {
		return localapi.Addin{}, err
	}
	if !caller.Admin && a.Scope == storage.ScopeMachine && !req.Everyone {
		// An ordinary user turns a machine-wide add-in off (or back on) for themselves,
		// as Outlook lets them: the change goes to their per-user record.
		if a, err = d.forSelf(caller, a, enable); err != nil {
			return localapi.Addin{}, err
		}
		id = a.ID
	}
	d.mu.Lock()
	effective, why := d.engine.EffectiveState(id)
	d.mu.Unlock()
	if err := authorizeStateChange(caller, a, enable, req.Everyone, effective, why); err != nil {
		return localapi.Addin{}, err
	}
	if err := d.quota.take(caller); err != nil {
		return localapi.Addin{}, err
	}
	state, action := governance.StateDisabled, "disable"
	if enable {
		state, action = governance.StateEnabled, "enable"
	}
	reason := display.Truncate(req.Reason, maxStoredText)
	if reason == "" {
		reason = action + "d by " + caller.Name()
	}
	// Re-enabling starts afresh; enabling despite a policy block (only administrators
	// get this far) records a local override.
	opts := storage.StateOptions{ClearStrikes: enable, PolicyOverride: enable && effective == governance.StateBlocked}
	if opts.PolicyOverride {
		reason = "enabled by an administrator despite policy (" + why + ")"
	}
	if err := d.changeState(id, state, action, reason, caller.Name(), opts); err != nil {
		return localapi.Addin{}, err
	}
	if a, err = d.db.Addin(id); err != nil {
		return localapi.Addin{}, err
	}
	return d.view(a), nil
}

// forSelf returns caller's per-user record of machine-wide add-in a, which a change
// for themselves applies to. Turning it back on needs the machine-wide add-in itself to
// be on: what an administrator or policy decided for everyone only they can undo.
func (d *Daemon) forSelf(caller localapi.Caller, a storage.Addin, enable bool) (storage.Addin, error) {
	if !caller.Known {
		return storage.Addin{}, localapi.Forbidden("the daemon could not identify you, so it cannot turn %s on or off for you alone", a.ID)
	}
	if enable {
		if st, why := d.EffectiveState(a.ID); st != governance.StateEnabled {
			if why == "" {
				why = a.StateReason
			}
			return storage.Addin{}, localapi.Forbidden("%s is %s for every user of this machine (%s): only an administrator can turn it back on", a.ID, st, why)
		}
	}
	return d.ensurePerUser(caller, a)
}

// changeState stores a user's or administrator's state change in one transaction and
// returns once it is durable. The engine takes the change when it is queued, in queue
// order; a change that fails is undone by reloading the add-in from the store (see
// commit.go), and only its caller gets the error.
func (d *Daemon) changeState(id string, state governance.State, action, reason, by string, opts storage.StateOptions) error {
	d.mu.Lock()
	w := d.trackLocked(&ackWrite{pending: d.db.QueueChangeState(id, state, reason, by, nil, opts), addins: []string{id}})
	if opts.PolicyOverride {
		d.overrides.overrides[id] = true
	} else if state != governance.StateEnabled {
		delete(d.overrides.overrides, id)
	}
	d.engine.SetState(id, state)
	sw := d.queueSwitchLocked(id, state, by)
	d.mu.Unlock()
	w.durable = func() {
		d.applySwitch(sw)
		d.log.Info().Str("event", "addin-"+action+"d").Str("addin", id).Str("by", by).Msg("add-in " + action + "d")
	}
	return d.finish(w)
}

// StartActivation implements localapi.Backend: a host is starting an add-in in pid.
func (d *Daemon) StartActivation(ctx context.Context, req localapi.ActivationRequest) (localapi.ActivationResponse, error) {
	caller := localapi.CallerFrom(ctx)
	if err := authorizeHostProcess(caller, req.PID); err != nil {
		return localapi.ActivationResponse{}, err
	}
	if err := checkNewAddinID(req.AddinID); err != nil {
		return localapi.ActivationResponse{}, err
	}
	a, err := d.db.Addin(req.AddinID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		if err := d.registerReported(caller, req); err != nil {
			return localapi.ActivationResponse{}, err
		}
	case err != nil:
		return localapi.ActivationResponse{}, err
	case !caller.MayRead(a.Scope, a.Owner):
		return localapi.ActivationResponse{}, localapi.Forbidden("add-in %s belongs to another user; a host may report activations only for its own user's add-ins", req.AddinID)
	}
	// What an administrator or policy decided for the add-in applies to everyone.
	d.mu.Lock()
	ok, why := d.engine.MayActivate(req.AddinID)
	d.mu.Unlock()
	if !ok {
		return localapi.ActivationResponse{MayActivate: false, Reason: why}, nil
	}
	governed := req.AddinID
	if err == nil { // a known record: an ordinary user's use of a machine-wide add-in is governed per user
		if governedID(caller, a) != req.AddinID {
			own, err := d.ensurePerUser(caller, a)
			if err != nil {
				return localapi.ActivationResponse{}, err
			}
			governed = own.ID
			d.mu.Lock()
			ok, why = d.engine.MayActivate(governed)
			d.mu.Unlock()
			if !ok {
				return localapi.ActivationResponse{MayActivate: false, Reason: why}, nil
			}
		}
	}
	d.smu.Lock()
	err = d.sampler.Bind(governed, req.PID)
	d.smu.Unlock()
	if err != nil {
		return localapi.ActivationResponse{}, localapi.BadRequest("cannot watch process %d for %s: %v", req.PID, req.AddinID, err)
	}
	id := d.tracker.StartFor(caller.UID, governed, req.PID)
	_ = d.finish(d.queueBindings(governed)) // a failure is logged: the activation is watched all the same
	return localapi.ActivationResponse{ActivationID: id, MayActivate: true}, nil
}

// maxReportedPerUser caps the add-ins a non-administrator's hosts may register by
// reporting activations, so that no user can fill the state directory.
const maxReportedPerUser = 256

// registerReported records an add-in a host reports before anyone installed it: it
// belongs to the reporting user.
func (d *Daemon) registerReported(caller localapi.Caller, req localapi.ActivationRequest) error {
	if !caller.Admin {
		all, err := d.db.Addins()
		if err != nil {
			return err
		}
		n := 0
		for _, a := range all {
			if a.Owner == caller.UID {
				n++
			}
		}
		if n >= maxReportedPerUser {
			return localapi.Forbidden("you already have %d add-ins registered, the most one user may have: remove some with `addingov remove ID`", n)
		}
	}
	if err := d.quota.take(caller); err != nil {
		return err
	}
	name := cleanName(req.Name)
	if name == "" {
		name = req.AddinID
	}
	a := storage.Addin{ID: req.AddinID, Name: name, State: governance.StateEnabled, Since: d.clock.Now(),
		By: caller.Name(), Scope: storage.ScopeUser, Owner: caller.UID}
	if err := d.db.PutAddin(a); err != nil {
		return err
	}
	d.Installed(a)
	return nil
}

// ReadyActivation implements localapi.Backend.
func (d *Daemon) ReadyActivation(ctx context.Context, id string) (localapi.ActivationResult, error) {
	if err := d.authorizeOutcome(localapi.CallerFrom(ctx), id, "ready"); err != nil {
		return localapi.ActivationResult{}, err
	}
	act, err := d.tracker.Ready(id)
	if err != nil {
		return localapi.ActivationResult{}, activationError(id, err)
	}
	return d.observeActivation(act)
}

// FailActivation implements localapi.Backend.
func (d *Daemon) FailActivation(ctx context.Context, id, reason string) (localapi.ActivationResult, error) {
	caller := localapi.CallerFrom(ctx)
	if err := d.authorizeOutcome(caller, id, "fail"); err != nil {
		return localapi.ActivationResult{}, err
	}
	// A refused failure report loses nothing: the activation then times out, which
	// governance counts as a failed activation too.
	if err := d.quota.take(caller); err != nil {
		return localapi.ActivationResult{}, err
	}
	act, err := d.tracker.Fail(id, display.Truncate(reason, maxStoredText))
	if err != nil {
		return localapi.ActivationResult{}, activationError(id, err)
	}
	return d.observeActivation(act)
}

// EndActivation implements localapi.Backend: the host closed the add-in normally.
func (d *Daemon) EndActivation(ctx context.Context, id string) (localapi.ActivationResult, error) {
	if err := d.authorizeOutcome(localapi.CallerFrom(ctx), id, "end"); err != nil {
		return localapi.ActivationResult{}, err
	}
	if err := d.tracker.End(id); err != nil {
		return localapi.ActivationResult{}, activationError(id, err)
	}
	_ = d.finish(d.queueBindings()) // a failure is logged
	return localapi.ActivationResult{ActivationID: id}, nil
}

// authorizeOutcome lets only the user whose host started an activation (or an
// administrator) report its outcome: anyone else could strike another user's add-in
// off. A refusal is logged with both identities.
func (d *Daemon) authorizeOutcome(caller localapi.Caller, id, outcome string) error {
	owner, err := d.tracker.Owner(id)
	if err != nil {
		return activationError(id, err)
	}
	if caller.Admin || (caller.Known && owner != "" && owner == caller.UID) {
		return nil
	}
	d.log.Warn().Str("activation", id).Str("outcome", outcome).Str("caller_uid", caller.UID).Str("caller", caller.Name()).
		Int32("caller_pid", caller.PID).Str("owner_uid", owner).
		Msg("refused an activation outcome from a user other than the one whose host started it")
	return localapi.Forbidden("activation %q was started by another user's host: only that user or an administrator may report its outcome", id)
}

func activationError(id string, err error) error {
	if errors.Is(err, monitor.ErrUnknownActivation) {
		return localapi.NotFound("no activation %q: start one with POST /v1/activations", id)
	}
	return localapi.Conflict("activation %s: %v", id, err)
}

// observeActivation feeds an activation's outcome to governance and answers once what
// it stored is durable; a failed store is the caller's error (the outcome was not
// recorded). The bindings, which no longer carry the activation, are queued before the
// wait, so both usually share one commit.
func (d *Daemon) observeActivation(act governance.Activation) (localapi.ActivationResult, error) {
	d.mu.Lock()
	d.history.addActivation(act)
	r := d.engine.ObserveActivation(act)
	w := d.queueResultLocked(r)
	st, _ := d.engine.EffectiveState(act.AddinID)
	d.mu.Unlock()
	_ = d.finish(w, d.queueBindings(act.AddinID))
	if w != nil && w.err != nil {
		return localapi.ActivationResult{}, w.err
	}
	return localapi.ActivationResult{
		ActivationID: act.ActivationID,
		AddinID:      act.AddinID,
		LatencyMs:    float64(act.Latency) / float64(time.Millisecond),
		Strike:       len(r.Strikes) > 0,
		State:        string(st),
	}, nil
}

// Log implements localapi.Backend. Non-administrators see entries of the add-ins they
// can read, and policy changes.
func (d *Daemon) Log(ctx context.Context, q storage.LogQuery) (localapi.LogPage, error) {
	caller := localapi.CallerFrom(ctx)
	if q.AddinID != "" {
		if err := checkAddinID(q.AddinID); err != nil {
			return localapi.LogPage{}, err
		}
	}
	entries, next, err := d.db.Log(q)
	if err != nil {
		return localapi.LogPage{}, err
	}
	if !caller.Admin {
		kept := entries[:0]
		readable := map[string]bool{}
		for _, e := range entries {
			ok, seen := readable[e.AddinID]
			if !seen {
				a, err := d.db.Addin(e.AddinID)
				ok = e.AddinID == "" || (err == nil && caller.MayRead(a.Scope, a.Owner))
				readable[e.AddinID] = ok
			}
			if ok {
				kept = append(kept, e)
			}
		}
		entries = kept
	}
	if entries == nil {
		entries = []storage.LogEntry{}
	}
	return localapi.LogPage{Entries: entries, Next: next}, nil
}

// Notices implements localapi.Backend: a caller sees the notices about add-ins it may
// read (administrators see all), up to limit of them after the sequence number after.
func (d *Daemon) Notices(ctx context.Context, after uint64, limit int) ([]storage.Notice, error) {
	caller := localapi.CallerFrom(ctx)
	out := []storage.Notice{}
	readable := map[string]bool{}
	for len(out) < limit {
		ns, err := d.db.Notices(after, limit)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			after = n.Seq
			ok, seen := readable[n.AddinID]
			if !seen {
				a, err := d.db.Addin(n.AddinID)
				ok = caller.Admin || n.AddinID == "" || (err == nil && caller.MayRead(a.Scope, a.Owner))
				readable[n.AddinID] = ok
			}
			if ok && len(out) < limit {
				out = append(out, n)
			}
		}
		if len(ns) < limit {
			break
		}
	}
	return out, nil
}

// NoticeSignal implements localapi.Backend.
func (d *Daemon) NoticeSignal() <-chan struct{} { return d.notices.Wait() }

// AckNotices implements localapi.Backend: acknowledgements are per user.
func (d *Daemon) AckNotices(ctx context.Context, seq uint64) error {
	caller := localapi.CallerFrom(ctx)
	if !caller.Known {
		return localapi.Forbidden("the daemon could not identify you, so it cannot record which notices you have seen")
	}
	return d.db.AckNotices(caller.UID, seq)
}

// NoticeAck implements localapi.Backend.
func (d *Daemon) NoticeAck(ctx context.Context) (uint64, error) {
	caller := localapi.CallerFrom(ctx)
	if !caller.Known {
		return 0, localapi.Forbidden("the daemon could not identify you, so it has no record of the notices you have seen")
	}
	return d.db.NoticeAck(caller.UID)
}
