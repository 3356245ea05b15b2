package daemon

import "addingov/governance"

// overridePolicy is the policy governance sees: the administrator's policy, except that
// add-ins an administrator turned on locally despite a policy block are treated as
// "user decides". The daemon holds d.mu whenever the engine reads it.
type overridePolicy struct {
	src       governance.PolicySource
	overrides map[string]bool // guarded by Daemon.mu
}

func (o *overridePolicy) Policy() governance.Policy {
	p := o.src.Policy()
	if len(o.overrides) == 0 {
		return p
	}
	listed := len(p.Managed) > 0
	m := make(map[string]governance.ManagedMode, len(p.Managed)+len(o.overrides))
	for id, mode := range p.Managed {
		m[id] = mode
	}
	for id := range o.overrides {
		mode, ok := m[id]
		// An unlisted add-in is blocked only while the list has entries
		// (BlockUnmanaged); adding one to an empty list would change that rule.
		if (ok && mode == governance.ManagedBlocked) || (!ok && listed) {
			m[id] = governance.ManagedUserDecides
		}
	}
	p.Managed = m
	return p
}
