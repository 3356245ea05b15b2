package permissions

import "fmt"

// PolicyType is the authorization policy a SharePoint add-in's call is made under
// ("Add-in authorization policy types in SharePoint").
type PolicyType string

// The policy types addingov evaluates. User+add-in is the default.
const (
	PolicyUserAndAddin PolicyType = "user+add-in"
	PolicyAppOnly      PolicyType = "app-only"
)

// Rules a SharePoint authorization decision can name.
const (
	RuleBrowseLaunches       = "browse-rights-launch-any-installed-add-in"
	RuleBothAllow            = "user+add-in-both-allow"
	RuleAddinLacksGrant      = "add-in-lacks-grant"
	RuleUserLacksRight       = "user-lacks-right"
	RuleAppOnlyGrantAllows   = "app-only-grant-allows"
	RuleAppOnlyNotAllowed    = "app-only-not-allowed"
	RuleUnknownPolicy        = "unknown-policy"
	RuleUnknownPermission    = "unknown-permission"
	RuleUserCannotBrowseSite = "user-cannot-browse"
)

// SharePointCall is one call an add-in makes to SharePoint, with what it needs and
// who holds what.
type SharePointCall struct {
	Policy PolicyType `json:"policy"` // empty means user+add-in
	Need   Permission `json:"need"`
	// Location is where the call lands: the list, web and site collection ids.
	Location    Location  `json:"location,omitempty"`
	AddinGrants []Grant   `json:"addin_grants"`
	UserRights  []Holding `json:"user_rights,omitempty"` // the calling user's own rights
}

// SharePointDecision is the verdict on a call, naming the rule that decided it.
type SharePointDecision struct {
	Allow  bool       `json:"allow"`
	Policy PolicyType `json:"policy,omitempty"`
	Rule   string     `json:"rule"`
	Reason string     `json:"reason"`
}

// Launch decides whether a user may open an installed add-in: anyone with browse
// rights to the site may, whatever the add-in's or the user's other rights; what the
// add-in can then do is decided per call.
func Launch(userCanBrowse bool) SharePointDecision {
	if !userCanBrowse {
		return SharePointDecision{Rule: RuleUserCannotBrowseSite, Reason: "you cannot browse this site, so you cannot open its add-ins"}
	}
	return SharePointDecision{Allow: true, Rule: RuleBrowseLaunches, Reason: "anyone who can browse the site can open an add-in installed on it"}
}

// AuthorizeSharePoint decides a call. Under user+add-in both the add-in's grant and the
// user's own rights must allow it (their intersection); under app-only the add-in's
// grant alone decides, and only grants made with AllowAppOnlyPolicy="true" count.
// Grants that are not active (revoked, recycled) never count.
func AuthorizeSharePoint(call SharePointCall) SharePointDecision {
	policy := call.Policy
	if policy == "" {
		policy = PolicyUserAndAddin
	}
	if _, err := ParsePermission(string(call.Need.Scope), string(call.Need.Right)); err != nil {
		return SharePointDecision{Policy: policy, Rule: RuleUnknownPermission, Reason: "the call needs a permission SharePoint does not know: " + err.Error()}
	}
	need := call.Need
	switch policy {
	case PolicyUserAndAddin:
		if !grantCovers(call.AddinGrants, need, call.Location, false) {
			return SharePointDecision{Policy: policy, Rule: RuleAddinLacksGrant,
				Reason: fmt.Sprintf("the add-in was not granted %s at %s", need.Right, need.Scope)}
		}
		if !holds(call.UserRights, need, call.Location) {
			return SharePointDecision{Policy: policy, Rule: RuleUserLacksRight,
				Reason: fmt.Sprintf("under the user+add-in policy the user must have %s at %s too, and does not", need.Right, need.Scope)}
		}
		return SharePointDecision{Allow: true, Policy: policy, Rule: RuleBothAllow,
			Reason: fmt.Sprintf("both the add-in's grant and the user's rights allow %s at %s", need.Right, need.Scope)}
	case PolicyAppOnly:
		if grantCovers(call.AddinGrants, need, call.Location, true) {
			return SharePointDecision{Allow: true, Policy: policy, Rule: RuleAppOnlyGrantAllows,
				Reason: fmt.Sprintf("the add-in's app-only grant allows %s at %s", need.Right, need.Scope)}
		}
		if grantCovers(call.AddinGrants, need, call.Location, false) {
			return SharePointDecision{Policy: policy, Rule: RuleAppOnlyNotAllowed,
				Reason: `the add-in's grant does not include the app-only policy (its manifest must set AllowAppOnlyPolicy="true" and be consented again)`}
		}
		return SharePointDecision{Policy: policy, Rule: RuleAddinLacksGrant,
			Reason: fmt.Sprintf("the add-in was not granted %s at %s", need.Right, need.Scope)}
	}
	return SharePointDecision{Policy: policy, Rule: RuleUnknownPolicy,
		Reason: fmt.Sprintf("unknown authorization policy %q: use %s or %s", policy, PolicyUserAndAddin, PolicyAppOnly)}
}

// grantCovers reports whether an active grant gives need at loc; with appOnly, only
// grants usable under the app-only policy count.
func grantCovers(grants []Grant, need Permission, loc Location, appOnly bool) bool {
	for _, g := range grants {
		if g.State != GrantActive || (appOnly && !g.AppOnly) {
			continue
		}
		if g.holding().covers(need, loc) {
			return true
		}
	}
	return false
}
