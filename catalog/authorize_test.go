package catalog

import (
	"net/http"
	"strings"
	"testing"

	"addingov/governance"
	"addingov/permissions"
)

func (tc *testCatalog) authorize(t *testing.T, req AuthorizeRequest) AuthorizeResponse {
	t.Helper()
	status, body := tc.do(t, alice, http.MethodPost, "/v1/authorize", req)
	if status != http.StatusOK {
		t.Fatalf("authorize: %d %s", status, body)
	}
	return decode[AuthorizeResponse](t, body)
}

func TestAuthorizeMailAndDocument(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Consent: true})
	tc.mustInstall(t, alice, InstallRequest{Manifest: docManifest("d1", "WriteDocument"), Consent: true})
	tests := []struct {
		name      string
		addin     string
		api       string
		allow     bool
		rule      string
		mustSay   string
		wantRequd string
	}{
		{"read the item at ReadItem", "m1", "Office.context.mailbox.item.body.getAsync", true, RuleTierAllows, "", "ReadItem"},
		{"write the item needs ReadWriteItem", "m1", "Office.context.mailbox.item.body.setAsync", false, RuleTierTooLow, "ReadWriteItem", "ReadWriteItem"},
		{"EWS needs ReadWriteMailbox", "m1", "Office.context.mailbox.makeEwsRequestAsync", false, RuleTierTooLow, "ReadWriteMailbox", "ReadWriteMailbox"},
		{"unknown API is denied", "m1", "Office.context.mailbox.item.teleport", false, RuleUnknownAPI, "unknown API", ""},
		{"WriteDocument cannot read", "d1", "Office.context.document.getSelectedDataAsync", false, RuleTierTooLow, "ReadDocument", "ReadDocument"},
		{"WriteDocument can write the selection", "d1", "Office.context.document.setSelectedDataAsync", true, RuleTierAllows, "", "WriteDocument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tc.authorize(t, AuthorizeRequest{AddinID: tt.addin, API: tt.api})
			if got.Allow != tt.allow || got.Rule != tt.rule || got.Required != tt.wantRequd || !strings.Contains(got.Reason, tt.mustSay) {
				t.Errorf("got %+v, want allow %v rule %s required %q saying %q", got, tt.allow, tt.rule, tt.wantRequd, tt.mustSay)
			}
		})
	}
}

func TestAuthorizeDeniesDisabledAndBlockedAddins(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadWriteMailbox", "", httpsURL), Consent: true})
	api := "Office.context.mailbox.item.subject"
	if got := tc.authorize(t, AuthorizeRequest{AddinID: "m1", API: api}); !got.Allow {
		t.Fatalf("enabled add-in denied: %+v", got)
	}
	for _, st := range []governance.State{governance.StateDisabled, governance.StateBlocked} {
		t.Run(string(st), func(t *testing.T) {
			tc.gov.set("m1", st)
			got := tc.authorize(t, AuthorizeRequest{AddinID: "m1", API: api})
			if got.Allow || got.Rule != RuleAddinNotActive || !strings.Contains(got.Reason, string(st)) {
				t.Errorf("got %+v, want a denial naming %s", got, st)
			}
		})
	}
}

func TestAuthorizePolicyCapAppliesToInstalledAddins(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadWriteMailbox", "", httpsURL), Consent: true})
	tc.pol = regPolicy(t, `"MaxMailPermission"="ReadItem"`)
	got := tc.authorize(t, AuthorizeRequest{AddinID: "m1", API: "Office.context.mailbox.makeEwsRequestAsync"})
	if got.Allow || got.Rule != RulePolicyCap || !strings.Contains(got.Reason, "MaxMailPermission") {
		t.Errorf("got %+v, want a denial by the lowered cap", got)
	}
	if got := tc.authorize(t, AuthorizeRequest{AddinID: "m1", API: "Office.context.mailbox.item.subject"}); !got.Allow {
		t.Errorf("a call under the cap was denied: %+v", got)
	}
}

func TestAuthorizeSharePointPolicies(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, alice, InstallRequest{Manifest: spManifest("{app}", true, `<AppPermissionRequest Scope="`+spTenant+`" Right="Write"/>`),
		Consent: true, UserRights: []UserRight{{Scope: spTenant, Right: "FullControl"}}})
	tc.mustInstall(t, alice, InstallRequest{Manifest: spManifest("{user}", false, `<AppPermissionRequest Scope="`+spTenant+`" Right="Write"/>`),
		Consent: true, UserRights: []UserRight{{Scope: spTenant, Right: "FullControl"}}})
	readOnly := []UserRight{{Scope: spWeb, Right: "Read"}}
	call := func(addin, policy string) AuthorizeResponse {
		return tc.authorize(t, AuthorizeRequest{AddinID: addin, SharePoint: &SharePointCall{
			Scope: spList, Right: "Write", ObjectID: "docs", UserRights: readOnly, Policy: policy}})
	}
	tests := []struct {
		name, addin, policy string
		allow               bool
		rule                string
	}{
		{"user+add-in: the user's rights do not allow it", "{app}", "user+addin", false, permissions.RuleUserLacksRight},
		{"app-only with AllowAppOnlyPolicy: the grant alone decides", "{app}", "app-only", true, permissions.RuleAppOnlyGrantAllows},
		{"app-only without AllowAppOnlyPolicy", "{user}", "app-only", false, permissions.RuleAppOnlyNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call(tt.addin, tt.policy)
			if got.Allow != tt.allow || got.Rule != tt.rule || got.Reason == "" {
				t.Errorf("got %+v, want allow %v by %s", got, tt.allow, tt.rule)
			}
		})
	}
	tc.pol = regPolicy(t, "", `[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\BlockedSharePointRights]`, `"1"="`+spWeb+`:Write"`)
	if got := call("{app}", "app-only"); got.Allow || got.Rule != RulePolicyCap {
		t.Errorf("blocked right allowed: %+v", got)
	}
}

func TestAuthorizeBadRequests(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Consent: true})
	tests := []struct {
		name   string
		body   any
		status int
	}{
		{"malformed", []byte(`{"addin_id":`), http.StatusBadRequest},
		{"no add-in", AuthorizeRequest{API: "x"}, http.StatusBadRequest},
		{"unknown add-in", AuthorizeRequest{AddinID: "nope", API: "x"}, http.StatusNotFound},
		{"no api", AuthorizeRequest{AddinID: "m1"}, http.StatusBadRequest},
		{"another user's add-in", nil, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caller, body := alice, tt.body
			if body == nil {
				caller, body = bob, AuthorizeRequest{AddinID: "m1", API: "Office.context.mailbox.item.subject"}
			}
			if status, resp := tc.do(t, caller, http.MethodPost, "/v1/authorize", body); status != tt.status {
				t.Errorf("status %d (%s), want %d", status, resp, tt.status)
			}
		})
	}
}
