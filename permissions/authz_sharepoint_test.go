package permissions

import "testing"

func TestAuthorizeSharePoint(t *testing.T) {
	webWrite := Grant{ID: "g1", Scope: ScopeWeb, Right: RightWrite, ObjectID: "w1", State: GrantActive}
	webWriteAppOnly := webWrite
	webWriteAppOnly.AppOnly = true
	revoked := webWriteAppOnly
	revoked.State = GrantRevoked
	at := Location{ScopeList: "L1", ScopeWeb: "w1", ScopeSiteCollection: "s1"}
	elsewhere := Location{ScopeList: "L9", ScopeWeb: "w9", ScopeSiteCollection: "s1"}
	reader := []Holding{{Scope: ScopeWeb, Right: RightRead}}
	contributor := []Holding{{Scope: ScopeWeb, Right: RightWrite}}

	tests := []struct {
		name     string
		call     SharePointCall
		allow    bool
		wantRule string
	}{
		{"user+add-in both allow", SharePointCall{Need: Permission{ScopeList, RightWrite}, Location: at, AddinGrants: []Grant{webWrite}, UserRights: contributor}, true, RuleBothAllow},
		{"user+add-in explicit policy", SharePointCall{Policy: PolicyUserAndAddin, Need: Permission{ScopeWeb, RightRead}, Location: at, AddinGrants: []Grant{webWrite}, UserRights: reader}, true, RuleBothAllow},
		{"user lacks the right", SharePointCall{Need: Permission{ScopeList, RightWrite}, Location: at, AddinGrants: []Grant{webWrite}, UserRights: reader}, false, RuleUserLacksRight},
		{"add-in lacks the right", SharePointCall{Need: Permission{ScopeWeb, RightManage}, Location: at, AddinGrants: []Grant{webWrite}, UserRights: []Holding{{Scope: ScopeTenant, Right: RightFullControl}}}, false, RuleAddinLacksGrant},
		{"grant on another web", SharePointCall{Need: Permission{ScopeList, RightRead}, Location: elsewhere, AddinGrants: []Grant{webWrite}, UserRights: contributor}, false, RuleAddinLacksGrant},
		{"app-only with app-only grant, user without rights", SharePointCall{Policy: PolicyAppOnly, Need: Permission{ScopeList, RightWrite}, Location: at, AddinGrants: []Grant{webWriteAppOnly}}, true, RuleAppOnlyGrantAllows},
		{"app-only without AllowAppOnlyPolicy", SharePointCall{Policy: PolicyAppOnly, Need: Permission{ScopeList, RightWrite}, Location: at, AddinGrants: []Grant{webWrite}, UserRights: contributor}, false, RuleAppOnlyNotAllowed},
		{"app-only beyond the grant", SharePointCall{Policy: PolicyAppOnly, Need: Permission{ScopeWeb, RightFullControl}, Location: at, AddinGrants: []Grant{webWriteAppOnly}}, false, RuleAddinLacksGrant},
		{"revoked grant counts for nothing", SharePointCall{Policy: PolicyAppOnly, Need: Permission{ScopeWeb, RightRead}, Location: at, AddinGrants: []Grant{revoked}}, false, RuleAddinLacksGrant},
		{"unknown policy", SharePointCall{Policy: "user-only", Need: Permission{ScopeWeb, RightRead}, Location: at, AddinGrants: []Grant{webWrite}, UserRights: contributor}, false, RuleUnknownPolicy},
		{"unknown permission", SharePointCall{Need: Permission{ScopeTaxonomy, RightManage}, AddinGrants: []Grant{webWrite}}, false, RuleUnknownPermission},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := AuthorizeSharePoint(tc.call)
			if d.Allow != tc.allow || d.Rule != tc.wantRule || d.Reason == "" {
				t.Fatalf("decision %+v, want allow=%v rule=%s", d, tc.allow, tc.wantRule)
			}
		})
	}
}

func TestLaunch(t *testing.T) {
	if d := Launch(true); !d.Allow || d.Rule != RuleBrowseLaunches {
		t.Fatalf("browse: %+v", d)
	}
	if d := Launch(false); d.Allow || d.Rule != RuleUserCannotBrowseSite {
		t.Fatalf("no browse: %+v", d)
	}
}
