package catalog

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"addingov/governance"
	"addingov/localapi"
	"addingov/permissions"
	"addingov/storage"
)

// RulePolicyCap names a denial because the administrator's current ceiling is lower
// than the add-in's level: lowering a cap applies to installed add-ins at once.
const RulePolicyCap = "policy-cap"

func (c *Catalog) serveAuthorize(r *http.Request) (any, error) {
	var req AuthorizeRequest
	if err := localapi.Decode(r, &req); err != nil {
		return nil, err
	}
	return c.Authorize(localapi.CallerFrom(r.Context()), req)
}

// Authorize decides whether an installed add-in may make a call: by its permission
// level and the API table for mail and document add-ins, by its grants and the user's
// rights for SharePoint add-ins. A disabled or blocked add-in is denied everything.
func (c *Catalog) Authorize(caller localapi.Caller, req AuthorizeRequest) (AuthorizeResponse, error) {
	a, err := c.record(caller, req.AddinID)
	if err != nil {
		return AuthorizeResponse{}, err
	}
	if c.gov != nil {
		if st, why := c.gov.StateFor(caller, a); st != governance.StateEnabled {
			reason := fmt.Sprintf("%s is %s", a.ID, st)
			if why != "" {
				reason += " (" + why + ")"
			}
			return AuthorizeResponse{Rule: RuleAddinNotActive, Reason: reason + ": a disabled or blocked add-in may call nothing"}, nil
		}
	}
	model, tier, err := c.modelOf(a)
	if err != nil {
		var le *localapi.Error
		if errors.As(err, &le) && le.Status == http.StatusConflict {
			return AuthorizeResponse{Rule: RuleNoManifest, Reason: le.Msg}, nil
		}
		return AuthorizeResponse{}, err
	}
	pol := PolicyFrom(c.policy(caller))
	if model == permissions.KindSharePoint {
		return c.authorizeSharePoint(a, req, pol)
	}
	if strings.TrimSpace(req.API) == "" {
		return AuthorizeResponse{}, localapi.BadRequest("api is required for a %s add-in: name the API member, e.g. Office.context.mailbox.item.body.getAsync", model)
	}
	return authorizeAPI(model, tier, req.API, pol.Caps), nil
}

// modelOf returns the add-in's permission model and level from its stored manifest.
func (c *Catalog) modelOf(a storage.Addin) (permissions.Kind, string, error) {
	m, err := c.storedManifest(a)
	if err != nil {
		return "", "", err
	}
	req, err := RequestOf(m)
	if err != nil {
		return "", "", err
	}
	return req.Kind, req.Tier, nil
}

// authorizeAPI decides a mail or document API call by the add-in's level, then by the
// administrator's current ceiling.
func authorizeAPI(model permissions.Kind, tier, api string, caps permissions.Caps) AuthorizeResponse {
	d := permissions.Authorize(model, tier, api)
	resp := AuthorizeResponse{Allow: d.Allow, Tier: d.Tier, Required: d.Required, Reason: d.Reason}
	switch {
	case d.Allow:
		resp.Rule = RuleTierAllows
	case d.Required == "":
		resp.Rule = RuleUnknownAPI
		return resp
	default:
		resp.Rule = RuleTierTooLow
		return resp
	}
	policy, limit := permissions.PolicyMaxMailPermission, caps.MaxMailPermission
	if model == permissions.KindDocument {
		policy, limit = permissions.PolicyMaxDocumentPermission, caps.MaxDocumentPermission
	}
	if limit == "" {
		return resp
	}
	if capped := permissions.Authorize(model, limit, api); !capped.Allow {
		resp.Allow, resp.Rule = false, RulePolicyCap
		resp.Reason = fmt.Sprintf("%s needs %s; the add-in has %s, but your administrator's %s of %s does not allow it", d.API, d.Required, d.Tier, policy, limit)
	}
	return resp
}

// authorizeSharePoint decides a SharePoint call with the add-in's active grants, the
// user's rights and the administrator's blocked rights.
func (c *Catalog) authorizeSharePoint(a storage.Addin, req AuthorizeRequest, pol Policy) (AuthorizeResponse, error) {
	sp := req.SharePoint
	if sp == nil {
		return AuthorizeResponse{}, localapi.BadRequest("%s is a SharePoint add-in, authorized per call: send sharepoint {scope, right, object_id, user_rights, policy}", a.ID)
	}
	need, err := permissions.ParsePermission(sp.Scope, sp.Right)
	if err != nil {
		return AuthorizeResponse{Rule: permissions.RuleUnknownPermission, Reason: "the call needs a permission SharePoint does not know: " + err.Error()}, nil
	}
	policy, err := parsePolicyType(sp.Policy)
	if err != nil {
		return AuthorizeResponse{}, err
	}
	rights, err := holdings(sp.UserRights)
	if err != nil {
		return AuthorizeResponse{}, err
	}
	loc, err := location(need.Scope, sp.ObjectID, sp.Location)
	if err != nil {
		return AuthorizeResponse{}, err
	}
	for _, entry := range pol.Caps.BlockedSharePointRights {
		blocked, err := permissions.ParseSharePointEntry(entry)
		if err == nil && blocked.Scope.Covers(need.Scope) && permissions.RightIncludes(need.Right, blocked.Right) {
			return AuthorizeResponse{Rule: RulePolicyCap,
				Reason: fmt.Sprintf("your administrator blocks %s (%s), which covers %s", blocked, permissions.PolicyBlockedSharePointRights, need)}, nil
		}
	}
	grants, err := c.grants.Active(a.ID)
	if err != nil {
		var corrupt *permissions.CorruptGrantsError
		if !errors.As(err, &corrupt) {
			return AuthorizeResponse{}, err
		}
		c.log.Warn().Err(err).Str("addin", a.ID).Msg("unreadable grants ignored for authorization")
	}
	d := permissions.AuthorizeSharePoint(permissions.SharePointCall{
		Policy: policy, Need: need, Location: loc, AddinGrants: grants, UserRights: rights,
	})
	return AuthorizeResponse{Allow: d.Allow, Required: need.String(), Reason: d.Reason, Rule: d.Rule}, nil
}

// parsePolicyType accepts the API's "user+addin" and the permissions package's
// "user+add-in" for the default policy.
func parsePolicyType(s string) (permissions.PolicyType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "user+addin", "user+add-in":
		return permissions.PolicyUserAndAddin, nil
	case "app-only", "apponly":
		return permissions.PolicyAppOnly, nil
	}
	return "", localapi.BadRequest("sharepoint.policy %q: use user+addin or app-only", s)
}
