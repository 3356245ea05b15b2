package catalog

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"addingov/governance"
	"addingov/localapi"
	"addingov/permissions"
	"addingov/storage"
)

const httpsURL = "https://contoso.example/app.html"

// install posts an install request and returns the status and body.
func (tc *testCatalog) install(t *testing.T, caller localapi.Caller, req InstallRequest) (int, []byte) {
	t.Helper()
	return tc.do(t, caller, http.MethodPost, "/v1/install", req)
}

// mustInstall installs and fails the test unless it succeeds.
func (tc *testCatalog) mustInstall(t *testing.T, caller localapi.Caller, req InstallRequest) InstallResult {
	t.Helper()
	status, body := tc.install(t, caller, req)
	if status != http.StatusOK {
		t.Fatalf("install: %d %s", status, body)
	}
	return decode[InstallResult](t, body)
}

// assertNotStored checks that a refused install left no record, grant or log entry.
func (tc *testCatalog) assertNotStored(t *testing.T, id string) {
	t.Helper()
	if _, err := tc.db.Addin(id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("add-in %s was stored by a refused install (err %v)", id, err)
	}
	if grants, _ := tc.db.Grants(id); len(grants) != 0 {
		t.Errorf("a refused install stored %d grant(s)", len(grants))
	}
	entries, _, _ := tc.db.Log(storage.LogQuery{AddinID: id})
	if len(entries) != 0 {
		t.Errorf("a refused install logged %+v", entries)
	}
	if len(tc.gov.installed) != 0 {
		t.Errorf("governance was told about installs %v", tc.gov.installed)
	}
}

// assertRefusal checks a refused install's status, that its error names the policy,
// its value and what was asked, and that nothing was stored.
func (tc *testCatalog) assertRefusal(t *testing.T, status int, body []byte, wantStatus int, id string, mustSay ...string) RefusedBody {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d (%s), want %d", status, body, wantStatus)
	}
	rb := decode[RefusedBody](t, body)
	for _, s := range mustSay {
		if !strings.Contains(rb.Error, s) {
			t.Errorf("error %q does not say %q", rb.Error, s)
		}
	}
	tc.assertNotStored(t, id)
	return rb
}

func TestInstallRefusedByBlockUserInstalls(t *testing.T) {
	tc := newTestCatalog(t, regPolicy(t, `"BlockUserInstalls"=dword:00000001`))
	status, body := tc.install(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Consent: true})
	rb := tc.assertRefusal(t, status, body, http.StatusForbidden, "m1", "BlockUserInstalls")
	if len(rb.RefusedBy) != 1 || rb.RefusedBy[0].Policy != PolicyBlockUserInstalls {
		t.Errorf("refused_by = %+v", rb.RefusedBy)
	}
	// A machine-wide install by an administrator is not a user install.
	tc.mustInstall(t, root, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Scope: ScopeMachine, Consent: true})
}

func TestInstallRefusedByManagedListBlocked(t *testing.T) {
	tc := newTestCatalog(t, regPolicy(t, "", `[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\ManagedAddins]`, `"m1"=dword:00000000`))
	status, body := tc.install(t, root, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Consent: true})
	tc.assertRefusal(t, status, body, http.StatusForbidden, "m1", "ManagedAddins", "m1")
}

func TestInstallRefusedByBlockUnmanagedAddins(t *testing.T) {
	tc := newTestCatalog(t, regPolicy(t, `"BlockUnmanagedAddins"=dword:00000001`, "",
		`[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\ManagedAddins]`, `"listed"=dword:00000002`))
	status, body := tc.install(t, alice, InstallRequest{Manifest: mailManifest("unlisted", "ReadItem", "", httpsURL), Consent: true})
	tc.assertRefusal(t, status, body, http.StatusForbidden, "unlisted", "BlockUnmanagedAddins", "unlisted")
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("listed", "ReadItem", "", httpsURL), Consent: true})
}

func TestInstallRefusedByMaxMailPermission(t *testing.T) {
	tc := newTestCatalog(t, regPolicy(t, `"MaxMailPermission"="ReadItem"`))
	status, body := tc.install(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadWriteMailbox", "", httpsURL), Consent: true})
	rb := tc.assertRefusal(t, status, body, http.StatusForbidden, "m1", "MaxMailPermission", "ReadItem", "ReadWriteMailbox")
	if len(rb.RefusedBy) != 1 || rb.RefusedBy[0].Value != "ReadItem" || rb.RefusedBy[0].Asked != "ReadWriteMailbox" {
		t.Errorf("refused_by = %+v", rb.RefusedBy)
	}
}

func TestInstallRefusedByMaxDocumentPermission(t *testing.T) {
	tc := newTestCatalog(t, regPolicy(t, `"MaxDocumentPermission"="ReadAllDocument"`))
	status, body := tc.install(t, alice, InstallRequest{Manifest: docManifest("d1", "WriteDocument"), Consent: true})
	tc.assertRefusal(t, status, body, http.StatusForbidden, "d1", "MaxDocumentPermission", "ReadAllDocument", "WriteDocument")
}

func TestInstallRefusedByBlockedSharePointRights(t *testing.T) {
	tc := newTestCatalog(t, regPolicy(t, "", `[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\BlockedSharePointRights]`,
		`"1"="`+spTenant+`:FullControl"`))
	m := spManifest("{s1}", false, `<AppPermissionRequest Scope="`+spWeb+`" Right="FullControl"/>`)
	status, body := tc.install(t, root, InstallRequest{Manifest: m, Consent: true,
		UserRights: []UserRight{{Scope: spTenant, Right: "FullControl"}}})
	tc.assertRefusal(t, status, body, http.StatusForbidden, "{s1}", "BlockedSharePointRights", spWeb)
}

func TestInstallRefusesRestrictedWithRegexOrAttachmentRules(t *testing.T) {
	for name, rule := range map[string]string{"regex": regexRule, "attachment": attachRule} {
		t.Run(name, func(t *testing.T) {
			tc := newTestCatalog(t, nil)
			status, body := tc.install(t, alice, InstallRequest{Manifest: mailManifest("r1", "Restricted", rule, httpsURL), Consent: true})
			rb := tc.assertRefusal(t, status, body, http.StatusForbidden, "r1", "Restricted")
			if len(rb.Problems) != 1 || rb.Problems[0].Rule != ProblemRestrictedRules {
				t.Errorf("problems = %+v", rb.Problems)
			}
		})
	}
}

func TestInstallRefusesPlainHTTP(t *testing.T) {
	tc := newTestCatalog(t, regPolicy(t, `"AllowLoopbackSideload"=dword:00000001`))
	url := "http://contoso.example/app.html"
	status, body := tc.install(t, alice, InstallRequest{Manifest: mailManifest("h1", "ReadItem", "", url), Consent: true})
	rb := tc.assertRefusal(t, status, body, http.StatusForbidden, "h1", url)
	if len(rb.Problems) != 1 || !slices.Equal(rb.Problems[0].URLs, []string{url}) {
		t.Errorf("problems = %+v, want the URL listed", rb.Problems)
	}
}

func TestInstallLoopbackNeedsAllowLoopbackSideload(t *testing.T) {
	m := mailManifest("l1", "ReadItem", "", "http://localhost:3000/app.html")
	tc := newTestCatalog(t, nil)
	status, body := tc.install(t, alice, InstallRequest{Manifest: m, Consent: true})
	tc.assertRefusal(t, status, body, http.StatusForbidden, "l1", "AllowLoopbackSideload", "http://localhost:3000/app.html")

	tc.pol = regPolicy(t, `"AllowLoopbackSideload"=dword:00000001`)
	tc.mustInstall(t, alice, InstallRequest{Manifest: m, Consent: true})
}

func TestInstallMachineScopeNeedsAdmin(t *testing.T) {
	tc := newTestCatalog(t, nil)
	status, body := tc.install(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Scope: ScopeMachine, Consent: true})
	if status != http.StatusForbidden || !strings.Contains(string(body), "administrator") {
		t.Fatalf("status %d %s, want 403 naming administrators", status, body)
	}
	tc.assertNotStored(t, "m1")
	res := tc.mustInstall(t, root, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Scope: ScopeMachine, Consent: true})
	if res.Scope != ScopeMachine {
		t.Errorf("scope %q", res.Scope)
	}
}

func TestInstallNeedsConsentStoresNothing(t *testing.T) {
	tc := newTestCatalog(t, nil)
	status, body := tc.install(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadWriteMailbox", "", httpsURL)})
	rb := tc.assertRefusal(t, status, body, http.StatusConflict, "m1", "needs your consent")
	if !rb.NeedsConsent || !strings.Contains(strings.Join(rb.Can, " "), "sending mail as you") {
		t.Errorf("refusal does not say what the add-in may do: %+v", rb)
	}
}

func TestInstallStoresRecordLogAndTellsGovernor(t *testing.T) {
	tc := newTestCatalog(t, nil)
	data := mailManifest("m1", "ReadWriteItem", "", httpsURL)
	res := tc.mustInstall(t, alice, InstallRequest{Manifest: data, Consent: true})
	if res.ID != "m1" || res.Tier != "ReadWriteItem" || res.Reinstall || !res.Consented || res.Owner != alice.UID || res.State != "enabled" {
		t.Errorf("result = %+v", res)
	}
	a, err := tc.db.Addin("m1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != "mail" || a.Permission != "ReadWriteItem" || a.Scope != ScopeUser || a.Owner != alice.UID ||
		string(a.Manifest) != string(data) || a.ManifestDigest == "" || a.State != governance.StateEnabled || a.Name != "Contoso ReadWriteItem" {
		t.Errorf("stored record = %+v", a)
	}
	entries, _, err := tc.db.Log(storage.LogQuery{AddinID: "m1", Action: "install"})
	if err != nil || len(entries) != 1 || entries[0].By != "alice" {
		t.Fatalf("install log entries = %+v (%v)", entries, err)
	}
	if !slices.Equal(tc.gov.installed, []string{"m1"}) {
		t.Errorf("governor told %v", tc.gov.installed)
	}
}

func TestReinstallAskingSameOrLessNeedsNoConsent(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadWriteItem", "", httpsURL), Consent: true})
	for _, tier := range []string{"ReadWriteItem", "ReadItem"} {
		res := tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", tier, "", httpsURL)})
		if !res.Reinstall || res.Consented {
			t.Errorf("%s: result %+v, want a reinstall without consent", tier, res)
		}
	}
}

func TestReinstallAskingMoreNeedsConsent(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Consent: true})
	status, body := tc.install(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadWriteMailbox", "", httpsURL)})
	if status != http.StatusConflict || !strings.Contains(string(body), "asks for more") {
		t.Fatalf("status %d %s, want 409 saying it asks for more", status, body)
	}
	if a, _ := tc.db.Addin("m1"); a.Permission != "ReadItem" {
		t.Errorf("the refused reinstall changed the record: %q", a.Permission)
	}
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadWriteMailbox", "", httpsURL), Consent: true})
}

func TestReinstallKeepsGovernanceState(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Consent: true})
	if _, err := tc.db.SetState("m1", governance.StateDisabled, "cpu", "governance", nil); err != nil {
		t.Fatal(err)
	}
	res := tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL)})
	if res.State != string(governance.StateDisabled) {
		t.Errorf("reinstall turned a disabled add-in %q", res.State)
	}
}

func TestReinstallOfAnotherUsersAddinIsForbidden(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Consent: true})
	status, body := tc.install(t, bob, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Consent: true})
	if status != http.StatusForbidden {
		t.Fatalf("status %d %s, want 403", status, body)
	}
	if a, _ := tc.db.Addin("m1"); a.Owner != alice.UID {
		t.Errorf("owner changed to %q", a.Owner)
	}
}

func TestPreviewStoresNothing(t *testing.T) {
	tc := newTestCatalog(t, regPolicy(t, `"MaxMailPermission"="ReadItem"`))
	status, body := tc.do(t, alice, http.MethodPost, "/v1/install/preview", PreviewRequest{Manifest: mailManifest("m1", "ReadWriteMailbox", "", httpsURL), Scope: ScopeMachine})
	if status != http.StatusOK {
		t.Fatalf("preview: %d %s", status, body)
	}
	pv := decode[Preview](t, body)
	if pv.AllowedByPolicy || !slices.Equal(refusedPolicies(pv.Report), []string{permissions.PolicyMaxMailPermission}) ||
		!pv.NeedsConsent || !pv.NeedsAdmin || pv.Reinstall {
		t.Errorf("preview = %+v", pv)
	}
	tc.assertNotStored(t, "m1")
}

func TestInstallBadRequests(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tests := []struct {
		name string
		body any
		want int
	}{
		{"malformed JSON", []byte(`{"manifest":`), http.StatusBadRequest},
		{"unknown field", []byte(`{"manifesto":"eA=="}`), http.StatusBadRequest},
		{"no manifest", InstallRequest{}, http.StatusBadRequest},
		{"not a manifest", InstallRequest{Manifest: []byte("hello")}, http.StatusBadRequest},
		{"bad scope", InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Scope: "galaxy"}, http.StatusBadRequest},
		{"manifest over 256 KB", InstallRequest{Manifest: []byte("<" + strings.Repeat("x", 300<<10))}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := tc.do(t, alice, http.MethodPost, "/v1/install", tt.body)
			if status != tt.want {
				t.Errorf("status %d (%s), want %d", status, body, tt.want)
			}
		})
	}
}

func TestOversizedIDsAreBadRequests(t *testing.T) {
	tc := newTestCatalog(t, nil)
	long := strings.Repeat("x", MaxIDLength+1)
	for _, tt := range []struct {
		name, method, path string
		body               any
	}{
		{"install", http.MethodPost, "/v1/install", InstallRequest{Manifest: mailManifest(long, "ReadItem", "", httpsURL), Consent: true}},
		{"authorize", http.MethodPost, "/v1/authorize", AuthorizeRequest{AddinID: long, API: "x"}},
		{"evaluate", http.MethodPost, "/v1/evaluate", EvaluateRequest{AddinID: long, Item: Item{Type: "message"}}},
		{"on the fly", http.MethodPost, "/v1/grants/onthefly", OnTheFlyRequest{AddinID: long, Scope: spWeb, Right: "Read"}},
		{"remove", http.MethodDelete, "/v1/addins/" + long, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := tc.do(t, alice, tt.method, tt.path, tt.body); status != http.StatusBadRequest {
				t.Errorf("status %d (%s), want 400", status, body)
			}
		})
	}
}

// A caller the daemon cannot identify cannot install: its add-in would have no owner
// and so be everyone's.
func TestInstallRefusedForAnUnidentifiedCaller(t *testing.T) {
	tc := newTestCatalog(t, nil)
	status, body := tc.install(t, localapi.Caller{}, InstallRequest{Manifest: mailManifest("m1", "ReadItem", "", httpsURL), Consent: true})
	if status != http.StatusForbidden || !strings.Contains(string(body), "could not identify you") {
		t.Fatalf("status %d %s, want 403", status, body)
	}
	tc.assertNotStored(t, "m1")
}
