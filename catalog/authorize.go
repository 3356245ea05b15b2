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
	asked, err := c.requestOf(a)
	if err != nil {
		var le *localapi.Error
		if errors.As(err, &le) && le.Status == http.StatusConflict {
			return AuthorizeResponse{Rule: RuleNoManifest, Reason: le.Msg}, nil
		}
		return AuthorizeResponse{}, err
	}
	pol := PolicyFrom(c.policy())
	if asked.Kind == permissions.KindSharePoint {
		return c.authorizeSharePoint(a, req, pol)
	}
	if strings.TrimSpace(req.API) == "" {
		return AuthorizeResponse{}, localapi.BadRequest("api is required for a %s add-in: name the API member, e.g. Office.context.mailbox.item.body.getAsync", asked.Kind)
	}
	return authorizeAPI(asked, req.API, pol.Caps), nil
}

// requestOf returns what the add-in's stored manifest asks for, as install saw it
// (RequestOf): every level, so each is authorized under its own model's cap.
func (c *Catalog) requestOf(a storage.Addin) (permissions.PermissionRequest, error) {
	m, err := c.storedManifest(a)
	if err != nil {
		return permissions.PermissionRequest{}, err
	}
	return RequestOf(m)
}

// authorizeAPI decides a mail or document API call: the API's model is the one whose
// table knows it, among the levels the add-in asks for (a unified manifest may hold a
// mailbox and a document level); the add-in's level in that model decides, then the
// administrator's current ceiling for that model. An API no level's table knows is
// denied.
func authorizeAPI(asked permissions.PermissionRequest, api string, caps permissions.Caps) AuthorizeResponse {
	var unknown *AuthorizeResponse
	for _, l := range asked.Levels() {
		d := permissions.Authorize(l.Kind, l.Tier, api)
		if d.Allow || d.Required != "" {
			return authorizeLevel(l.Kind, d, api, caps)
		}
		if unknown == nil {
			unknown = &AuthorizeResponse{Tier: d.Tier, Reason: d.Reason, Rule: RuleUnknownAPI}
		}
	}
	if unknown == nil {
		return AuthorizeResponse{Rule: RuleUnknownAPI, Reason: fmt.Sprintf("the add-in asks for no mail or document permission, so it may call no %s API", asked.Kind)}
	}
	return *unknown
}

// authorizeLevel applies the ceiling of model to a decision by the add-in's level.
func authorizeLevel(model permissions.Kind, d permissions.Decision, api string, caps permissions.Caps) AuthorizeResponse {
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
	policy, limit := caps.CapOf(model)
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
