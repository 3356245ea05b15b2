package daemon

import (
	"strings"

	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// Per-user governance of machine-wide add-ins.
//
// A machine-wide add-in runs in every user's host, and a host's reports (and the
// processes it binds) are its user's to choose. So that one user cannot strike a
// machine-wide add-in off for everyone, an ordinary user's activations of it are
// governed under a per-user record, "<id>@uid:<uid>": that user's strikes, disables and
// notices stay theirs. The machine-wide record still decides for everyone what an
// administrator or policy decides (a disable for everyone, a block), and policy's
// managed-list entry for the add-in applies to its per-user records too.

const perUserSep = "@uid:"

// perUserID is the id of user uid's record of machine-wide add-in id.
func perUserID(id, uid string) string { return id + perUserSep + uid }

// perUserBase returns the machine-wide add-in a per-user record belongs to.
func perUserBase(id string) (string, bool) {
	base, _, ok := splitPerUser(id)
	return base, ok
}

// splitPerUser splits a per-user record's id into the machine-wide add-in's id and
// the user's uid (or SID).
func splitPerUser(id string) (base, uid string, ok bool) {
	i := strings.LastIndex(id, perUserSep)
	if i <= 0 || i+len(perUserSep) == len(id) {
		return "", "", false
	}
	return id[:i], id[i+len(perUserSep):], true
}

// governedID is the record an activation of a is governed under for caller.
func governedID(caller localapi.Caller, a storage.Addin) string {
	if caller.Admin || !caller.Known || a.Scope != storage.ScopeMachine {
		return a.ID
	}
	return perUserID(a.ID, caller.UID)
}

// ensurePerUser creates caller's record of machine-wide add-in a when it is missing.
func (d *Daemon) ensurePerUser(caller localapi.Caller, a storage.Addin, id string) error {
	if _, err := d.db.Addin(id); err == nil {
		return nil
	}
	rec := storage.Addin{ID: id, Name: a.Name + " (" + caller.Name() + ")", Version: a.Version, Provider: a.Provider,
		Kind: a.Kind, Permission: a.Permission, State: governance.StateEnabled, Since: d.clock.Now(),
		StateReason: "your use of the machine-wide add-in " + a.ID, By: "governance", Scope: storage.ScopeUser, Owner: caller.UID}
	if err := d.db.PutAddin(rec); err != nil {
		return err
	}
	d.mu.Lock()
	d.overrides.perUser[id] = a.ID
	d.mu.Unlock()
	d.Installed(rec)
	return nil
}
