package daemon

import "addingov/governance"

// overridePolicy is the policy governance sees: the administrator's policy, with a
// machine-wide add-in's managed-list entry applied to its per-user records too, and
// with add-ins an administrator turned on locally despite a policy block treated as
// "user decides". The daemon holds d.mu whenever the engine reads it.
type overridePolicy struct {
	src       governance.PolicySource
	overrides map[string]bool   // guarded by Daemon.mu
	perUser   map[string]string // per-user record id → machine-wide add-in id; guarded by Daemon.mu
}

func (o *overridePolicy) Policy() governance.Policy {
	p := o.src.Policy()
	if len(o.overrides) == 0 && len(o.perUser) == 0 {
		return p
	}
	listed := p.ListEnabled()
	m := make(map[string]governance.ManagedMode, len(p.Managed)+len(o.overrides)+len(o.perUser))
	for id, mode := range p.Managed {
		m[id] = mode
	}
	for id, base := range o.perUser {
		if mode, ok := p.Managed[base]; ok {
			m[id] = mode
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
