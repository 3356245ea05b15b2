package permissions

import (
	"fmt"
	"maps"
	"time"
)

// Consent rule names. They are stable: refusals carry them and tests are named after
// them.
const (
	RuleGrantIsAllOrNothing         = "grant-is-all-or-nothing"
	RuleUserCannotGrantMoreThanHeld = "user-cannot-grant-more-than-held"
	RuleUnknownPermissionsIgnored   = "unknown-permissions-ignored"
	RuleStoreAddinNoFullControl     = "store-add-in-no-fullcontrol"
	RuleListScopeOneChosenList      = "list-scope-one-chosen-list"
	RuleOnTheFlyNeedsManage         = "on-the-fly-needs-manage"
)

// ConsentRequest is everything the consent rules look at when a user is asked to
// grant an add-in's permission requests.
type ConsentRequest struct {
	AddinID  string    `json:"addin_id"`
	Requests []Request `json:"requests"`
	// AllowAppOnly is the manifest's AllowAppOnlyPolicy="true": the grants may then be
	// used under the app-only policy.
	AllowAppOnly bool `json:"allow_app_only,omitempty"`
	// StoreDistributed: the add-in comes from the Office Store, which does not admit
	// FullControl requests.
	StoreDistributed bool `json:"store_distributed,omitempty"`
	// User is who grants; UserRights are that user's own rights.
	User       string    `json:"user"`
	UserRights []Holding `json:"user_rights,omitempty"`
	// InstalledAt names where the add-in is installed (a web id, say); Location gives
	// the ids of that web and its site collection, by scope. Grants at the web and
	// site collection scopes are made on those objects.
	InstalledAt string   `json:"installed_at,omitempty"`
	Location    Location `json:"location,omitempty"`
	// List is the list the user chose for a list-scope request.
	List *ListChoice `json:"list,omitempty"`
}

// Refusal is one reason consent was refused, naming the rule that refused.
type Refusal struct {
	Rule       string     `json:"rule"`
	Permission Permission `json:"permission"`
	Reason     string     `json:"reason"`
}

func (r Refusal) String() string { return r.Rule + ": " + r.Reason }

// ConsentResult is the outcome of a consent: the grants made (none when refused), the
// requests SharePoint ignored and why, and the refusals.
type ConsentResult struct {
	Granted  []Grant   `json:"granted"`
	Ignored  []Ignored `json:"ignored,omitempty"`
	Refusals []Refusal `json:"refusals,omitempty"`
}

// OK reports whether consent succeeded (possibly with nothing to grant).
func (r ConsentResult) OK() bool { return len(r.Refusals) == 0 }

// EvaluateConsent applies the consent rules to req and returns the grants it would make
// (without ids) or the refusals. It performs no I/O; the Grants manager stores what it
// returns. Each rule is its own function below, applied in this order.
func EvaluateConsent(req ConsentRequest, source GrantSource, now time.Time) ConsentResult {
	known, ignored := ruleUnknownPermissionsIgnored(req.Requests)
	known = dedupe(known)
	loc := maps.Clone(req.Location)
	if loc == nil {
		loc = Location{}
	}

	var refusals []Refusal
	refusals = append(refusals, ruleStoreAddinNoFullControl(known, req.StoreDistributed)...)
	listRefusals := ruleListScopeOneChosenList(known, req.List)
	refusals = append(refusals, listRefusals...)
	if req.List != nil && len(listRefusals) == 0 {
		loc[ScopeList] = req.List.ListID
	}
	if source == SourceOnTheFly {
		refusals = append(refusals, ruleOnTheFlyNeedsManage(known, req.UserRights, loc)...)
	} else {
		refusals = append(refusals, ruleUserCannotGrantMoreThanHeld(known, req.UserRights, loc)...)
	}

	planned := make([]Grant, 0, len(known))
	for _, k := range known {
		g := Grant{
			AddinID:     req.AddinID,
			Scope:       k.Scope,
			Right:       k.Right,
			InstalledAt: req.InstalledAt,
			GrantedBy:   req.User,
			GrantedAt:   now,
			State:       GrantActive,
			AppOnly:     req.AllowAppOnly,
			Source:      source,
		}
		if k.Scope.targeted() {
			g.ObjectID = loc[k.Scope]
		}
		if k.hasBaseTemplate {
			g.BaseTemplateID = k.baseTemplate
		}
		planned = append(planned, g)
	}
	return ConsentResult{Granted: ruleGrantIsAllOrNothing(planned, refusals), Ignored: ignored, Refusals: refusals}
}

// ruleGrantIsAllOrNothing: "The user must grant all the permissions that an add-in
// requests or not grant any permission." Any refusal cancels every grant.
func ruleGrantIsAllOrNothing(planned []Grant, refusals []Refusal) []Grant {
	if len(refusals) > 0 {
		return nil
	}
	return planned
}

// ruleUserCannotGrantMoreThanHeld: "Users can grant only the permissions that they
// have."
func ruleUserCannotGrantMoreThanHeld(known []knownRequest, rights []Holding, loc Location) []Refusal {
	var out []Refusal
	for _, k := range known {
		if !holds(rights, k.Permission, loc) {
			out = append(out, Refusal{Rule: RuleUserCannotGrantMoreThanHeld, Permission: k.Permission,
				Reason: fmt.Sprintf("you do not have %s at %s yourself, so you cannot grant it; ask someone who has it to install the add-in", k.Right, k.Scope)})
		}
	}
	return out
}

// ruleUnknownPermissionsIgnored: "Permissions that are not known to SharePoint are
// ignored": not granted, not asked for, and reported with the reason.
func ruleUnknownPermissionsIgnored(reqs []Request) ([]knownRequest, []Ignored) {
	return classifyRequests(reqs)
}

// ruleStoreAddinNoFullControl: "Only Read, Write, and Manage rights are allowed for
// Office Store apps."
func ruleStoreAddinNoFullControl(known []knownRequest, storeDistributed bool) []Refusal {
	if !storeDistributed {
		return nil
	}
	var out []Refusal
	for _, k := range known {
		if k.Right == RightFullControl {
			out = append(out, Refusal{Rule: RuleStoreAddinNoFullControl, Permission: k.Permission,
				Reason: fmt.Sprintf("add-ins from the Office Store may not ask for FullControl (asked at %s); the publisher must lower the request", k.Scope)})
		}
	}
	return out
}

// ruleListScopeOneChosenList: the list scope grants one list, chosen by the installing
// user; a BaseTemplateId property narrows the choice to lists of that template.
func ruleListScopeOneChosenList(known []knownRequest, choice *ListChoice) []Refusal {
	var out []Refusal
	for _, k := range known {
		if k.Scope != ScopeList {
			continue
		}
		switch {
		case choice == nil || choice.ListID == "":
			out = append(out, Refusal{Rule: RuleListScopeOneChosenList, Permission: k.Permission,
				Reason: "the add-in asks for one list: choose the list it may use"})
		case k.hasBaseTemplate && choice.BaseTemplateID != k.baseTemplate:
			out = append(out, Refusal{Rule: RuleListScopeOneChosenList, Permission: k.Permission,
				Reason: fmt.Sprintf("the add-in asks for a list of template %d, but list %s has template %d: choose a list of template %d", k.baseTemplate, choice.ListID, choice.BaseTemplateID, k.baseTemplate)})
		}
	}
	return out
}

// ruleOnTheFlyNeedsManage: for add-ins asking at run time, "only a user with Manage
// permissions to the SharePoint resources that the add-in seeks to access can run the
// add-in, even if the add-in is asking only for lesser permissions, such as Read."
func ruleOnTheFlyNeedsManage(known []knownRequest, rights []Holding, loc Location) []Refusal {
	var out []Refusal
	for _, k := range known {
		need := Permission{Scope: k.Scope, Right: onTheFlyRequirement(k.Permission)}
		if !holds(rights, need, loc) {
			out = append(out, Refusal{Rule: RuleOnTheFlyNeedsManage, Permission: k.Permission,
				Reason: fmt.Sprintf("granting at run time needs %s at %s, which you do not have; ask someone who manages it", need.Right, k.Scope)})
		}
	}
	return out
}

// onTheFlyRequirement is the right a user must hold to grant p at run time: Manage, or
// p's right when that is higher. Scopes without Manage (search, taxonomy, BCS, some
// Project Server scopes) have no documented equivalent; there the user must hold the
// strongest right the scope allows, the closest reading of "manage the resource".
func onTheFlyRequirement(p Permission) Right {
	allowed := scopeIndex[p.Scope].rights
	for _, r := range allowed {
		if r == RightManage {
			if RightIncludes(p.Right, RightManage) {
				return p.Right
			}
			return RightManage
		}
	}
	return allowed[len(allowed)-1]
}

// dedupe drops repeated requests for the same permission and template.
func dedupe(known []knownRequest) []knownRequest {
	seen := make(map[knownRequest]bool, len(known))
	out := known[:0:0]
	for _, k := range known {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
