package daemon

import (
	"errors"
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
//
// Only the daemon creates and names per-user records, from the caller's identity as
// the transport reports it: no caller-supplied id may hold the separator (see package
// addinid), and an existing record under a per-user name is used only when it belongs
// to the user that name is for.

const perUserSep = "@uid:"

// perUserID is the id of user uid's record of machine-wide add-in id.
func perUserID(id, uid string) string { return id + perUserSep + uid }

// maxUIDBytes bounds the user part of a per-user id: a Windows SID is at most 184
// characters.
const maxUIDBytes = 184

// validUID reports whether uid can name a per-user record: a numeric uid, or a SID
// (S-1-5-21-…), as the transport reports them.
func validUID(uid string) bool {
	if uid == "" || len(uid) > maxUIDBytes {
		return false
	}
	for i := 0; i < len(uid); i++ {
		c := uid[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}

// perUserParts splits a per-user record id into its machine-wide add-in and its user.
func perUserParts(id string) (base, uid string, ok bool) {
	i := strings.LastIndex(id, perUserSep)
	if i <= 0 || i+len(perUserSep) == len(id) {
		return "", "", false
	}
	return id[:i], id[i+len(perUserSep):], true
}

// perUserBase returns the machine-wide add-in a genuine per-user record belongs to:
// its name has the per-user form and it is owned, as a user add-in, by the user the
// name is for.
func perUserBase(a storage.Addin) (string, bool) {
	base, uid, ok := perUserParts(a.ID)
	if !ok || a.Scope != storage.ScopeUser || a.Owner != uid {
		return "", false
	}
	return base, true
}

// governedID is the record an activation of a is governed under for caller.
func governedID(caller localapi.Caller, a storage.Addin) string {
	if caller.Admin || !caller.Known || a.Scope != storage.ScopeMachine {
		return a.ID
	}
	return perUserID(a.ID, caller.UID)
}

// ensurePerUser returns caller's record of machine-wide add-in a, creating it when it
// is missing. A record under that name that is not caller's (stored before ids were
// checked, by a user who registered the name for themselves) is never reused: it is
// removed, with its strikes, and replaced by caller's own.
func (d *Daemon) ensurePerUser(caller localapi.Caller, a storage.Addin) (storage.Addin, error) {
	if !caller.Known || !validUID(caller.UID) {
		return storage.Addin{}, localapi.Forbidden("the daemon could not identify you (uid %q), so it cannot keep a record of your use of %s", caller.UID, a.ID)
	}
	id := perUserID(a.ID, caller.UID)
	existing, err := d.db.Addin(id)
	switch {
	case err == nil:
		if base, ok := perUserBase(existing); ok && base == a.ID && existing.Owner == caller.UID {
			return existing, nil
		}
		d.log.Warn().Str("addin", id).Str("owner_uid", existing.Owner).Str("scope", existing.Scope).
			Str("caller_uid", caller.UID).Str("caller", caller.Name()).
			Msg("a record under this user's per-user name belongs to someone else: replacing it with the user's own")
		if err := d.db.DeleteAddin(id); err != nil {
			return storage.Addin{}, err
		}
		d.Removed(id)
	case !errors.Is(err, storage.ErrNotFound):
		return storage.Addin{}, err
	}
	if err := d.quota.take(caller); err != nil {
		return storage.Addin{}, err
	}
	rec := storage.Addin{ID: id, Name: a.Name + " (" + caller.Name() + ")", Version: a.Version, Provider: a.Provider,
		Kind: a.Kind, Permission: a.Permission, State: governance.StateEnabled, Since: d.clock.Now(),
		StateReason: "your use of the machine-wide add-in " + a.ID, By: "governance", Scope: storage.ScopeUser, Owner: caller.UID}
	if err := d.db.PutAddin(rec); err != nil {
		return storage.Addin{}, err
	}
	d.mu.Lock()
	d.overrides.perUser[id] = a.ID
	d.mu.Unlock()
	d.Installed(rec)
	return rec, nil
}
