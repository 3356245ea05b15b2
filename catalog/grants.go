package catalog

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"addingov/addinid"
	"addingov/localapi"
	"addingov/manifest"
	"addingov/permissions"
	"addingov/storage"
)

func (c *Catalog) serveGrants(r *http.Request) (any, error) {
	return c.ListGrants(localapi.CallerFrom(r.Context()), r.URL.Query().Get("addin"))
}

// ListGrants returns SharePoint grants, history included: of one add-in, or of every
// add-in when addinID is empty. Non-administrators see the grants of add-ins they can
// see and the grants they made themselves.
func (c *Catalog) ListGrants(caller localapi.Caller, addinID string) ([]permissions.Grant, error) {
	var grants []permissions.Grant
	var err error
	if addinID != "" {
		if err := checkID(addinID); err != nil {
			return nil, err
		}
		grants, err = c.grants.List(addinID)
	} else {
		grants, err = c.grants.All()
	}
	var corrupt *permissions.CorruptGrantsError
	if errors.As(err, &corrupt) {
		c.log.Warn().Err(err).Msg("unreadable grant records left out of a listing")
	} else if err != nil {
		return nil, err
	}
	out := make([]permissions.Grant, 0, len(grants))
	visible := map[string]bool{}
	for _, g := range grants {
		ok, seen := visible[g.AddinID]
		if !seen {
			ok = c.mayListGrantsOf(caller, g.AddinID)
			visible[g.AddinID] = ok
		}
		if ok || (caller.Known && g.GrantedBy == caller.Name()) {
			out = append(out, g)
		}
	}
	if addinID != "" && len(out) == 0 && len(grants) == 0 {
		if _, err := c.db.Addin(addinID); errors.Is(err, storage.ErrNotFound) {
			return nil, localapi.NotFound("no add-in %q and no grants for it: `addingov grants` lists every grant you can see", addinID)
		}
	}
	return out, nil
}

// mayListGrantsOf: administrators see all; others the grants of add-ins they can see.
// Grants of an add-in that is not installed (on-the-fly grants) are administrators'.
func (c *Catalog) mayListGrantsOf(caller localapi.Caller, addinID string) bool {
	if caller.Admin {
		return true
	}
	a, err := c.db.Addin(addinID)
	return err == nil && caller.MayRead(a.Scope, a.Owner)
}

func (c *Catalog) serveRegrant(r *http.Request) (any, error) {
	var req RegrantRequest
	if err := localapi.Decode(r, &req); err != nil {
		return nil, err
	}
	return c.Regrant(localapi.CallerFrom(r.Context()), req)
}

// Regrant re-issues an installed SharePoint add-in's grants from permission request XML
// under the same consent rules as an install; the grants it replaces are revoked and
// kept as history.
func (c *Catalog) Regrant(caller localapi.Caller, req RegrantRequest) (GrantResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.record(caller, req.AddinID)
	if err != nil {
		return GrantResult{}, err
	}
	if err := canChange(caller, a); err != nil {
		return GrantResult{}, err
	}
	if a.Kind != string(manifest.KindSharePoint) {
		return GrantResult{}, localapi.Conflict("%s is a %s add-in: only SharePoint add-ins have grants", a.ID, orUnknown(a.Kind))
	}
	if strings.TrimSpace(req.RequestXML) == "" {
		return GrantResult{}, localapi.BadRequest("request_xml is required: send <AppPermissionRequests> as in an AppManifest.xml")
	}
	sp, err := manifest.ParsePermissionRequests([]byte(req.RequestXML))
	if err != nil {
		return GrantResult{}, localapi.BadRequest("request_xml: %v", err)
	}
	asked := permissions.PermissionRequest{Kind: permissions.KindSharePoint, AllowAppOnly: sp.AllowAppOnlyPolicy}
	for _, r := range sp.Requests {
		asked.SharePoint = append(asked.SharePoint, permissions.Request{Scope: r.Scope, Right: r.Right, Properties: r.Properties})
	}
	if err := c.checkGrantCaps(a.ID, asked); err != nil {
		return GrantResult{}, err
	}
	if err := boundByManifest(caller, a, asked); err != nil {
		return GrantResult{}, err
	}
	rights, err := holdings(req.UserRights)
	if err != nil {
		return GrantResult{}, err
	}
	res, err := c.grants.Regrant(permissions.ConsentRequest{
		AddinID: a.ID, Requests: asked.SharePoint, AllowAppOnly: asked.AllowAppOnly,
		StoreDistributed: req.StoreDistributed, User: caller.Name(), UserRights: rights,
		InstalledAt: a.Scope, List: listChoice(req.List),
	})
	if err != nil {
		return GrantResult{}, err
	}
	if !res.OK() {
		return GrantResult{}, &refusedError{status: http.StatusForbidden, body: RefusedBody{
			Error: fmt.Sprintf("cannot re-grant %s: %s", a.ID, consentRefusalText(res.Refusals)), ConsentRefusals: res.Refusals,
		}}
	}
	c.appendLog(storage.LogEntry{Time: c.now(), AddinID: a.ID, AddinName: a.Name, Action: "regrant", Reason: "regrant", By: caller.Name(),
		Detail: fmt.Sprintf("%d grant(s): %s", len(res.Granted), summary(asked))})
	return GrantResult{Granted: nonNil(res.Granted), Ignored: res.Ignored}, nil
}

// boundByManifest refuses a regrant that asks for more than the installed manifest did
// (more rights, more scopes, or app-only calls it did not allow): a repair restores what
// was consented to at install, and only an administrator may go beyond it. To ask for
// more, install the new manifest, which asks for consent again.
func boundByManifest(caller localapi.Caller, a storage.Addin, asked permissions.PermissionRequest) error {
	if caller.Admin {
		return nil
	}
	m, err := manifest.Parse(a.Manifest)
	if err != nil {
		return localapi.Conflict("the stored manifest of %s cannot be read (%v): reinstall it with `addingov install`", a.ID, err)
	}
	installed, err := RequestOf(m)
	if err != nil {
		return localapi.Conflict("the stored manifest of %s: %v: reinstall it with `addingov install`", a.ID, err)
	}
	if permissions.MoreThan(installed, asked) {
		return localapi.Forbidden("the request asks for more than %s's installed manifest (%s): a regrant restores what was consented to; install the new manifest to ask for more, or ask an administrator", a.ID, summary(installed))
	}
	return nil
}

// checkGrantCaps refuses grants the administrator's BlockedSharePointRights forbid.
func (c *Catalog) checkGrantCaps(addinID string, asked permissions.PermissionRequest) error {
	refusals, err := permissions.CheckCaps(PolicyFrom(c.policy()).Caps, asked)
	if len(refusals) == 0 && err == nil {
		return nil
	}
	body := RefusedBody{}
	var parts []string
	for _, r := range refusals {
		ref := refusalFrom(r)
		body.RefusedBy = append(body.RefusedBy, ref)
		parts = append(parts, ref.Reason)
	}
	if err != nil {
		body.RefusedBy = append(body.RefusedBy, Refusal{Policy: permissions.PolicyBlockedSharePointRights, Value: "unreadable",
			Reason: "the policy cannot be read (" + err.Error() + "); ask your administrator to correct it"})
		parts = append(parts, err.Error())
	}
	body.Error = fmt.Sprintf("cannot grant %s: %s", addinID, strings.Join(parts, "; "))
	return &refusedError{status: http.StatusForbidden, body: body}
}

func (c *Catalog) serveOnTheFly(r *http.Request) (any, error) {
	var req OnTheFlyRequest
	if err := localapi.Decode(r, &req); err != nil {
		return nil, err
	}
	return c.OnTheFly(localapi.CallerFrom(r.Context()), req)
}

// OnTheFly records a run-time grant: an add-in asks while it runs, and only a user
// holding Manage on the resource may grant it. The grant records who granted it.
func (c *Catalog) OnTheFly(caller localapi.Caller, req OnTheFlyRequest) (GrantResult, error) {
	if err := addinid.Check(req.AddinID); err != nil {
		return GrantResult{}, localapi.BadRequest("%v", err)
	}
	if !caller.Known {
		return GrantResult{}, localapi.Forbidden("the daemon could not identify you, so it cannot record who granted the permission")
	}
	if _, err := c.db.Addin(req.AddinID); err == nil {
		return GrantResult{}, localapi.Conflict("%s is installed: its grants come from its install; repair them with `addingov grants regrant %s --request FILE.xml`", req.AddinID, req.AddinID)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return GrantResult{}, err
	}
	need, err := permissions.ParsePermission(req.Scope, req.Right)
	if err != nil {
		return GrantResult{}, localapi.BadRequest("%v", err)
	}
	asked := permissions.PermissionRequest{Kind: permissions.KindSharePoint, SharePoint: []permissions.Request{{Scope: string(need.Scope), Right: string(need.Right)}}}
	if err := c.checkGrantCaps(req.AddinID, asked); err != nil {
		return GrantResult{}, err
	}
	rights, err := holdings(req.UserRights)
	if err != nil {
		return GrantResult{}, err
	}
	creq := permissions.ConsentRequest{
		AddinID: req.AddinID, Requests: asked.SharePoint, User: caller.Name(), UserRights: rights,
		// One place per resource, so that a grant replaces only an earlier grant on
		// the same resource.
		InstalledAt: "on-the-fly " + need.String() + " " + req.ObjectID,
	}
	if req.ObjectID != "" {
		creq.Location = permissions.Location{need.Scope: req.ObjectID}
		if need.Scope == permissions.ScopeList {
			creq.List = &permissions.ListChoice{ListID: req.ObjectID}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	res, err := c.grants.OnTheFly(creq)
	if err != nil {
		return GrantResult{}, err
	}
	if !res.OK() {
		return GrantResult{}, &refusedError{status: http.StatusForbidden, body: RefusedBody{
			Error: fmt.Sprintf("cannot grant %s to %s: %s", need, req.AddinID, consentRefusalText(res.Refusals)), ConsentRefusals: res.Refusals,
		}}
	}
	c.appendLog(storage.LogEntry{Time: c.now(), AddinID: req.AddinID, Action: "grant", Reason: "on-the-fly", By: caller.Name(),
		Detail: fmt.Sprintf("%s on %s", need, orUnknown(req.ObjectID))})
	return GrantResult{Granted: nonNil(res.Granted), Ignored: res.Ignored}, nil
}

func (c *Catalog) serveObject(r *http.Request) (any, error) {
	return c.ObjectEvent(localapi.CallerFrom(r.Context()), r.PathValue("id"), r.PathValue("action"))
}

// ObjectEvent applies a SharePoint object's lifecycle to the grants on it: deleting the
// object deletes them, recycling keeps them inactive, restoring reactivates them. It
// changes every add-in's grants on the object, so it needs an administrator.
func (c *Catalog) ObjectEvent(caller localapi.Caller, objectID, action string) (ObjectResult, error) {
	if !caller.Admin {
		return ObjectResult{}, localapi.Forbidden("object events change every add-in's grants on the object: only an administrator (or the SharePoint host integration running as one) may report them")
	}
	var n int
	var err error
	switch action {
	case ObjectDelete:
		n, err = c.grants.Delete(objectID)
	case ObjectRecycle:
		n, err = c.grants.Recycle(objectID)
	case ObjectRestore:
		n, err = c.grants.Restore(objectID)
	default:
		return ObjectResult{}, localapi.BadRequest("object action %q: use delete, recycle or restore", action)
	}
	if err != nil {
		return ObjectResult{}, fmt.Errorf("%s object %s: %w", action, objectID, err)
	}
	c.log.Info().Str("event", "object-"+action).Str("object", objectID).Int("grants", n).Str("by", caller.Name()).Msg("object lifecycle applied to grants")
	return ObjectResult{ObjectID: objectID, Action: action, Grants: n}, nil
}

func nonNil(g []permissions.Grant) []permissions.Grant {
	if g == nil {
		return []permissions.Grant{}
	}
	return g
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
