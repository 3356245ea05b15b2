package catalog

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"addingov/permissions"
	"addingov/storage"
)

// installSharePoint installs a SharePoint add-in for alice granting Write on a web.
func installSharePoint(t *testing.T, tc *testCatalog, id string) {
	t.Helper()
	tc.mustInstall(t, alice, InstallRequest{Manifest: spManifest(id, false, `<AppPermissionRequest Scope="`+spList+`" Right="Write"/>`),
		Consent: true, List: &ListChoice{ID: "docs"}, UserRights: []UserRight{{Scope: spWeb, Right: "FullControl"}}})
}

func (tc *testCatalog) listGrants(t *testing.T, addin string) []permissions.Grant {
	t.Helper()
	path := "/v1/grants"
	if addin != "" {
		path += "?addin=" + url.QueryEscape(addin)
	}
	status, body := tc.do(t, alice, http.MethodGet, path, nil)
	if status != http.StatusOK {
		t.Fatalf("grants: %d %s", status, body)
	}
	return decode[[]permissions.Grant](t, body)
}

func states(gs []permissions.Grant) []permissions.GrantState {
	var out []permissions.GrantState
	for _, g := range gs {
		out = append(out, g.State)
	}
	return out
}

func TestRemoveRevokesGrantsAndKeepsThemAsHistory(t *testing.T) {
	tc := newTestCatalog(t, nil)
	installSharePoint(t, tc, "{s1}")
	status, body := tc.do(t, bob, http.MethodDelete, "/v1/addins/{s1}", nil)
	if status != http.StatusForbidden {
		t.Fatalf("another user removed it: %d %s", status, body)
	}
	status, body = tc.do(t, alice, http.MethodDelete, "/v1/addins/{s1}", nil)
	if status != http.StatusOK {
		t.Fatalf("remove: %d %s", status, body)
	}
	if res := decode[RemoveResult](t, body); res.Revoked != 1 {
		t.Errorf("result %+v, want 1 revoked", res)
	}
	if _, err := tc.db.Addin("{s1}"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("record still there: %v", err)
	}
	gs, err := tc.grants.List("{s1}")
	if err != nil || !slices.Equal(states(gs), []permissions.GrantState{permissions.GrantRevoked}) {
		t.Errorf("grants after removal = %+v (%v), want one revoked grant kept as history", gs, err)
	}
	entries, _, _ := tc.db.Log(storage.LogQuery{AddinID: "{s1}", Action: "remove"})
	if len(entries) != 1 || entries[0].By != "alice" {
		t.Errorf("remove log = %+v", entries)
	}
	if !slices.Equal(tc.gov.removed, []string{"{s1}"}) {
		t.Errorf("governor told %v", tc.gov.removed)
	}
	if status, _ := tc.do(t, alice, http.MethodDelete, "/v1/addins/{s1}", nil); status != http.StatusNotFound {
		t.Errorf("removing again: %d, want 404", status)
	}
}

func TestRemoveMachineAddinNeedsAdmin(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, root, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Scope: ScopeMachine, Consent: true})
	if status, body := tc.do(t, alice, http.MethodDelete, "/v1/addins/m1", nil); status != http.StatusForbidden {
		t.Fatalf("a user removed a machine add-in: %d %s", status, body)
	}
	if status, body := tc.do(t, root, http.MethodDelete, "/v1/addins/m1", nil); status != http.StatusOK {
		t.Fatalf("admin remove: %d %s", status, body)
	}
}

func TestObjectLifecycle(t *testing.T) {
	tc := newTestCatalog(t, nil)
	installSharePoint(t, tc, "{s1}")
	steps := []struct {
		action string
		caller bool // as administrator
		status int
		want   []permissions.GrantState
	}{
		{ObjectRecycle, false, http.StatusForbidden, []permissions.GrantState{permissions.GrantActive}},
		{ObjectRecycle, true, http.StatusOK, []permissions.GrantState{permissions.GrantRecycled}},
		{ObjectRestore, true, http.StatusOK, []permissions.GrantState{permissions.GrantActive}},
		{"shred", true, http.StatusBadRequest, []permissions.GrantState{permissions.GrantActive}},
		{ObjectDelete, true, http.StatusOK, nil},
	}
	for _, s := range steps {
		t.Run(s.action, func(t *testing.T) {
			caller := alice
			if s.caller {
				caller = root
			}
			status, body := tc.do(t, caller, http.MethodPost, "/v1/objects/docs/"+s.action, nil)
			if status != s.status {
				t.Fatalf("status %d %s, want %d", status, body, s.status)
			}
			if got := states(tc.listGrants(t, "{s1}")); !slices.Equal(got, s.want) {
				t.Errorf("grant states %v, want %v", got, s.want)
			}
		})
	}
}

func TestRegrant(t *testing.T) {
	tc := newTestCatalog(t, nil)
	installSharePoint(t, tc, "{s1}")
	// A repair may ask for what the installed manifest asked (list:Write) or less.
	xml := `<AppPermissionRequests><AppPermissionRequest Scope="` + spList + `" Right="Read"/></AppPermissionRequests>`
	broader := `<AppPermissionRequests><AppPermissionRequest Scope="` + spWeb + `" Right="Read"/></AppPermissionRequests>`
	t.Run("no more than the installed manifest", func(t *testing.T) {
		status, body := tc.do(t, alice, http.MethodPost, "/v1/grants/regrant", RegrantRequest{AddinID: "{s1}", RequestXML: broader,
			UserRights: []UserRight{{Scope: spWeb, Right: "FullControl"}}})
		if status != http.StatusForbidden || !strings.Contains(string(body), "more than") {
			t.Fatalf("status %d %s, want 403 saying it asks for more than the manifest", status, body)
		}
		if got := states(tc.listGrants(t, "{s1}")); !slices.Equal(got, []permissions.GrantState{permissions.GrantActive}) {
			t.Fatalf("a refused regrant changed the grants: %v", got)
		}
	})
	t.Run("needs the rights", func(t *testing.T) {
		status, body := tc.do(t, alice, http.MethodPost, "/v1/grants/regrant", RegrantRequest{AddinID: "{s1}", RequestXML: xml})
		if status != http.StatusForbidden {
			t.Fatalf("status %d %s, want 403", status, body)
		}
	})
	t.Run("replaces the grants", func(t *testing.T) {
		status, body := tc.do(t, alice, http.MethodPost, "/v1/grants/regrant", RegrantRequest{AddinID: "{s1}", RequestXML: xml,
			List: &ListChoice{ID: "docs"}, UserRights: []UserRight{{Scope: spWeb, Right: "Read"}}})
		if status != http.StatusOK {
			t.Fatalf("status %d %s", status, body)
		}
		gs := tc.listGrants(t, "{s1}")
		if got := states(gs); !slices.Equal(got, []permissions.GrantState{permissions.GrantRevoked, permissions.GrantActive}) {
			t.Errorf("states %v, want the old grant revoked and the new active", got)
		}
		if gs[1].Source != permissions.SourceRegrant || gs[1].Scope != permissions.ScopeList {
			t.Errorf("new grant = %+v", gs[1])
		}
	})
	t.Run("bad XML", func(t *testing.T) {
		if status, _ := tc.do(t, alice, http.MethodPost, "/v1/grants/regrant", RegrantRequest{AddinID: "{s1}", RequestXML: "<nope"}); status != http.StatusBadRequest {
			t.Errorf("status %d, want 400", status)
		}
	})
	t.Run("not a SharePoint add-in", func(t *testing.T) {
		tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Consent: true})
		if status, _ := tc.do(t, alice, http.MethodPost, "/v1/grants/regrant", RegrantRequest{AddinID: "m1", RequestXML: xml}); status != http.StatusConflict {
			t.Errorf("status %d, want 409", status)
		}
	})
}

func TestGrantsVisibility(t *testing.T) {
	tc := newTestCatalog(t, nil)
	installSharePoint(t, tc, "{s1}")
	for _, tt := range []struct {
		name   string
		do     func() (int, []byte)
		status int
		count  int
	}{
		{"owner sees them", func() (int, []byte) { return tc.do(t, alice, http.MethodGet, "/v1/grants", nil) }, http.StatusOK, 1},
		{"another user does not", func() (int, []byte) { return tc.do(t, bob, http.MethodGet, "/v1/grants", nil) }, http.StatusOK, 0},
		{"administrators do", func() (int, []byte) { return tc.do(t, root, http.MethodGet, "/v1/grants?addin=%7Bs1%7D", nil) }, http.StatusOK, 1},
		{"unknown add-in", func() (int, []byte) { return tc.do(t, root, http.MethodGet, "/v1/grants?addin=none", nil) }, http.StatusNotFound, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := tt.do()
			if status != tt.status {
				t.Fatalf("status %d %s", status, body)
			}
			if status == http.StatusOK {
				if gs := decode[[]permissions.Grant](t, body); len(gs) != tt.count {
					t.Errorf("%d grants, want %d", len(gs), tt.count)
				}
			}
		})
	}
}

func TestPermissionsEndpoint(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadWriteMailbox", "", httpsURL), Consent: true})
	tc.pol = regPolicy(t, `"MaxMailPermission"="ReadItem"`)
	status, body := tc.do(t, alice, http.MethodGet, "/v1/permissions/m1", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d %s", status, body)
	}
	r := decode[Report](t, body)
	if r.Tier != "ReadWriteMailbox" || r.AllowedByPolicy || len(r.RefusedBy) != 1 || r.RefusedBy[0].Policy != permissions.PolicyMaxMailPermission ||
		r.Installed == nil || r.Installed.Owner != alice.UID || r.Installed.State != "enabled" {
		t.Errorf("report = %+v", r)
	}
	if status, _ := tc.do(t, alice, http.MethodGet, "/v1/permissions/none", nil); status != http.StatusNotFound {
		t.Errorf("unknown add-in: %d, want 404", status)
	}
	if status, _ := tc.do(t, bob, http.MethodGet, "/v1/permissions/m1", nil); status != http.StatusForbidden {
		t.Errorf("another user's add-in: %d, want 403", status)
	}
}

func TestGrantStoreAdapterRoundTrip(t *testing.T) {
	tc := newTestCatalog(t, nil)
	s := NewGrantStore(tc.db)
	for _, r := range []permissions.GrantRecord{{AddinID: "b", GrantID: "2", Data: []byte(`{"x":2}`)}, {AddinID: "a", GrantID: "1", Data: []byte(`{"x":1}`)}} {
		if err := s.PutGrant(r.AddinID, r.GrantID, r.Data); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.AllGrants()
	if err != nil || len(all) != 2 || all[0].AddinID != "a" || string(all[1].Data) != `{"x":2}` {
		t.Fatalf("all = %+v (%v)", all, err)
	}
	if err := s.DeleteGrant("a", "1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Grants("a"); err != nil || len(got) != 0 {
		t.Errorf("after delete: %+v (%v)", got, err)
	}
}

// On-the-fly grants are for add-ins that are not installed: an installed add-in's grants
// come from its install, so no user can widen them at run time.
func TestOnTheFlyRefusedForInstalledAddins(t *testing.T) {
	tc := newTestCatalog(t, nil)
	installSharePoint(t, tc, "{s1}")
	status, body := tc.do(t, bob, http.MethodPost, "/v1/grants/onthefly", OnTheFlyRequest{AddinID: "{s1}", Scope: "http://sharepoint/content/tenant",
		Right: "FullControl", UserRights: []UserRight{{Scope: "http://sharepoint/content/tenant", Right: "FullControl"}}})
	if status != http.StatusConflict || !strings.Contains(string(body), "regrant") {
		t.Fatalf("status %d %s, want 409 pointing at regrant", status, body)
	}
	if got := states(tc.listGrants(t, "{s1}")); !slices.Equal(got, []permissions.GrantState{permissions.GrantActive}) {
		t.Fatalf("grants changed: %v", got)
	}
}
