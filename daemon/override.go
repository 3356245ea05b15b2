package daemon

import (
	"addingov/governance"
	"addingov/storage"
)

// overridePolicy is the policy governance sees: the administrator's policy for the
// add-in's owner (each user's add-ins, and each user's records of machine-wide ones,
// under that user's effective policy; machine-wide add-ins under the machine's), with a
// machine-wide add-in's managed-list entry applied to its per-user records too, and
// with add-ins an administrator turned on locally despite a policy block treated as
// "user decides". The daemon holds d.mu whenever the engine reads it.
type overridePolicy struct {
	src governance.PolicySource // the machine view (or the one policy)
	// forUser returns a user's effective policy; nil means src's for everyone.
	forUser   func(user string) governance.Policy
	overrides map[string]bool   // guarded by Daemon.mu
	perUser   map[string]string // per-user record id → machine-wide add-in id; guarded by Daemon.mu
	owners    map[string]string // user-scope add-in id → its owner (uid or SID); guarded by Daemon.mu
	// decorate, when set, adds to a user's policy what the daemon derives from it
	// (Office's own lists applied to Office's add-ins).
	decorate func(p governance.Policy, user string) governance.Policy
}

var _ governance.AddinPolicySource = (*overridePolicy)(nil)

// Policy is the machine view with the overrides: what governs machine-wide add-ins.
func (o *overridePolicy) Policy() governance.Policy { return o.apply(o.src.Policy(), "") }

// PolicyFor implements governance.AddinPolicySource.
func (o *overridePolicy) PolicyFor(addinID string) governance.Policy {
	return o.apply(o.raw(addinID), addinID)
}

// raw is the administrator's policy for the add-in's owner, before overrides.
func (o *overridePolicy) raw(addinID string) governance.Policy {
	if o.forUser == nil {
		return o.src.Policy()
	}
	// The record's owner decides; a per-user record not yet stored (asked about
	// before the user's first use) is its user's, by its daemon-made name.
	user := o.owners[addinID]
	if _, uid, ok := perUserParts(addinID); ok && user == "" {
		user = uid
	}
	if user == "" {
		return o.src.Policy()
	}
	if o.decorate != nil {
		return o.decorate(o.forUser(user), user)
	}
	return o.forUser(user)
}

// managedID is the id the managed list names for an add-in record: a per-user
// record's machine-wide add-in.
func managedID(addinID string) string {
	if base, _, ok := perUserParts(addinID); ok {
		return base
	}
	return addinID
}

func (o *overridePolicy) apply(p governance.Policy, addinID string) governance.Policy {
	base, _, isPerUser := perUserParts(addinID)
	if len(o.overrides) == 0 && len(o.perUser) == 0 && !isPerUser {
		return p
	}
	listed := p.ListEnabled()
	m := make(map[string]governance.ManagedMode, len(p.Managed)+len(o.overrides)+len(o.perUser)+1)
	for id, mode := range p.Managed {
		m[id] = mode
	}
	for id, base := range o.perUser {
		if mode, ok := p.Managed[base]; ok {
			m[id] = mode
		}
	}
	if isPerUser {
		if mode, ok := p.Managed[base]; ok {
			m[addinID] = mode
		}
	}
	for id := range o.overrides {
		mode, ok := m[id]
		// An unlisted add-in is blocked only while the list is enabled
		// (BlockUnmanaged); adding one to a disabled list would change that rule.
		if (ok && mode == governance.ManagedBlocked) || (!ok && listed) {
			m[id] = governance.ManagedUserDecides
		}
	}
	p.Managed = m
	return p
}

// setOwner records whose policy governs a (d.mu held): a user-scope add-in's owner's.
func (o *overridePolicy) setOwner(a storage.Addin) {
	if a.Scope == storage.ScopeUser && a.Owner != "" {
		o.owners[a.ID] = a.Owner
	} else {
		delete(o.owners, a.ID)
	}
}
