package catalog

import (
	"net/http"
	"testing"

	"addingov/permissions"
)

// The SharePoint consent rules, each as the install (or on-the-fly grant) endpoint
// applies it.

func TestConsentGrantIsAllOrNothing(t *testing.T) {
	tc := newTestCatalog(t, nil)
	m := spManifest("{s1}", false, `<AppPermissionRequest Scope="`+spWeb+`" Right="Read"/><AppPermissionRequest Scope="`+spTenant+`" Right="Write"/>`)
	// The user holds the web right but not the tenant one: nothing at all is granted.
	status, body := tc.install(t, alice, InstallRequest{Manifest: m, Consent: true, UserRights: []UserRight{{Scope: spWeb, Right: "FullControl"}}})
	rb := tc.assertRefusal(t, status, body, http.StatusForbidden, "{s1}", permissions.RuleUserCannotGrantMoreThanHeld)
	if len(rb.ConsentRefusals) != 1 || rb.ConsentRefusals[0].Permission.Scope != permissions.ScopeTenant {
		t.Errorf("consent refusals = %+v", rb.ConsentRefusals)
	}
}

func TestConsentUserCannotGrantMoreThanHeld(t *testing.T) {
	tc := newTestCatalog(t, nil)
	m := spManifest("{s1}", false, `<AppPermissionRequest Scope="`+spWeb+`" Right="Manage"/>`)
	status, body := tc.install(t, alice, InstallRequest{Manifest: m, Consent: true, UserRights: []UserRight{{Scope: spWeb, Right: "Write"}}})
	tc.assertRefusal(t, status, body, http.StatusForbidden, "{s1}", "you do not have Manage")

	res := tc.mustInstall(t, alice, InstallRequest{Manifest: m, Consent: true, UserRights: []UserRight{{Scope: spTenant, Right: "FullControl"}}})
	if len(res.Granted) != 1 || res.Granted[0].Right != permissions.RightManage || res.Granted[0].GrantedBy != "alice" {
		t.Errorf("granted = %+v", res.Granted)
	}
}

func TestConsentUnknownPermissionsIgnored(t *testing.T) {
	tc := newTestCatalog(t, nil)
	m := spManifest("{s1}", false, `<AppPermissionRequest Scope="`+spWeb+`" Right="Read"/><AppPermissionRequest Scope="http://sharepoint/content/farm" Right="Read"/>`)
	res := tc.mustInstall(t, alice, InstallRequest{Manifest: m, Consent: true, UserRights: []UserRight{{Scope: spWeb, Right: "Read"}}})
	if len(res.Granted) != 1 || len(res.Ignored) != 1 || res.Ignored[0].Request.Scope != "http://sharepoint/content/farm" {
		t.Errorf("granted %+v ignored %+v", res.Granted, res.Ignored)
	}
}

func TestConsentStoreAddinNoFullControl(t *testing.T) {
	tc := newTestCatalog(t, nil)
	m := spManifest("{s1}", false, `<AppPermissionRequest Scope="`+spWeb+`" Right="FullControl"/>`)
	rights := []UserRight{{Scope: spTenant, Right: "FullControl"}}
	status, body := tc.install(t, alice, InstallRequest{Manifest: m, Consent: true, StoreDistributed: true, UserRights: rights})
	tc.assertRefusal(t, status, body, http.StatusForbidden, "{s1}", permissions.RuleStoreAddinNoFullControl)
	tc.mustInstall(t, alice, InstallRequest{Manifest: m, Consent: true, UserRights: rights})
}

func TestConsentListScopeOneChosenList(t *testing.T) {
	m := spManifest("{s1}", false, `<AppPermissionRequest Scope="`+spList+`" Right="Manage"><Property Name="BaseTemplateId" Value="106"/></AppPermissionRequest>`)
	rights := []UserRight{{Scope: spWeb, Right: "FullControl"}}
	tests := []struct {
		name string
		list *ListChoice
		ok   bool
	}{
		{"no list chosen", nil, false},
		{"list of another template", &ListChoice{ID: "tasks", BaseTemplateID: 107}, false},
		{"list of the asked template", &ListChoice{ID: "events", BaseTemplateID: 106}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := newTestCatalog(t, nil)
			status, body := tc.install(t, alice, InstallRequest{Manifest: m, Consent: true, UserRights: rights, List: tt.list})
			if !tt.ok {
				tc.assertRefusal(t, status, body, http.StatusForbidden, "{s1}", permissions.RuleListScopeOneChosenList)
				return
			}
			res := decode[InstallResult](t, body)
			if status != http.StatusOK || len(res.Granted) != 1 || res.Granted[0].ObjectID != "events" || res.Granted[0].BaseTemplateID != 106 {
				t.Errorf("status %d granted %+v", status, res.Granted)
			}
		})
	}
}

func TestOnTheFlyNeedsManage(t *testing.T) {
	tc := newTestCatalog(t, nil)
	req := OnTheFlyRequest{AddinID: "runtime-addin", Scope: spList, Right: "Read", ObjectID: "docs",
		UserRights: []UserRight{{Scope: spList, Right: "Write", ObjectID: "docs"}}}
	status, body := tc.do(t, alice, http.MethodPost, "/v1/grants/onthefly", req)
	if status != http.StatusForbidden {
		t.Fatalf("status %d %s, want 403: Write is not Manage", status, body)
	}
	if rb := decode[RefusedBody](t, body); len(rb.ConsentRefusals) != 1 || rb.ConsentRefusals[0].Rule != permissions.RuleOnTheFlyNeedsManage {
		t.Errorf("refusals = %+v", rb.ConsentRefusals)
	}
	req.UserRights = []UserRight{{Scope: spList, Right: "Manage", ObjectID: "docs"}}
	status, body = tc.do(t, alice, http.MethodPost, "/v1/grants/onthefly", req)
	if status != http.StatusOK {
		t.Fatalf("status %d %s", status, body)
	}
	res := decode[GrantResult](t, body)
	if len(res.Granted) != 1 || res.Granted[0].GrantedBy != "alice" || res.Granted[0].Source != permissions.SourceOnTheFly || res.Granted[0].ObjectID != "docs" {
		t.Errorf("granted = %+v", res.Granted)
	}
	// A second on-the-fly grant on another list does not replace the first.
	req.ObjectID = "other"
	req.UserRights = []UserRight{{Scope: spWeb, Right: "Manage"}}
	if status, body = tc.do(t, alice, http.MethodPost, "/v1/grants/onthefly", req); status != http.StatusOK {
		t.Fatalf("second grant: %d %s", status, body)
	}
	active, _ := tc.grants.Active("runtime-addin")
	if len(active) != 2 {
		t.Errorf("active on-the-fly grants = %+v, want both", active)
	}
}
