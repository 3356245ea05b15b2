package catalog

import (
	"net/http"

	"addingov/governance"

	"addingov/localapi"
)

func (c *Catalog) servePermissions(r *http.Request) (any, error) {
	return c.Permissions(localapi.CallerFrom(r.Context()), r.PathValue("id"))
}

// Permissions reports what an installed add-in may do and whether the current policy
// allows it, checked for the scope it is installed in.
func (c *Catalog) Permissions(caller localapi.Caller, id string) (Report, error) {
	a, err := c.record(caller, id)
	if err != nil {
		return Report{}, err
	}
	m, err := c.storedManifest(a)
	if err != nil {
		return Report{}, err
	}
	rep := Assess(m, PolicyFrom(c.policy(caller)), AssessOptions{Scope: a.Scope})
	state := string(a.State)
	if c.gov != nil {
		st, why := c.gov.StateFor(caller, a)
		state = string(st)
		if why != "" && st != governance.StateEnabled {
			a.StateReason = why
		}
	}
	rep.Installed = &Installed{Scope: a.Scope, Owner: a.Owner, State: state, StateReason: a.StateReason, ManifestDigest: a.ManifestDigest}
	return rep, nil
}
