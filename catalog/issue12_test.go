package catalog

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"addingov/governance"
	"addingov/permissions"
)

// unifiedMultiHost is a unified manifest for Outlook, Excel and Word that asks for a
// mailbox permission and a document permission.
func unifiedMultiHost(id string, perms ...string) []byte {
	var rs []string
	for _, p := range perms {
		rs = append(rs, fmt.Sprintf(`{"name": %q, "type": "Delegated"}`, p))
	}
	return []byte(`{"$schema": "https://developer.microsoft.com/json-schemas/teams/v1.24/MicrosoftTeams.schema.json",
"id": "` + id + `", "version": "1.0.0", "developer": {"name": "Contoso"}, "name": {"short": "Contoso Everywhere"},
"authorization": {"permissions": {"resourceSpecific": [` + strings.Join(rs, ",") + `]}},
"extensions": [{"requirements": {"scopes": ["mail", "workbook", "document"]},
  "runtimes": [{"id": "pane", "type": "general", "code": {"page": "https://contoso.example/pane.html"}}]}]}`)
}

// Issue 12 item 1: a unified manifest asking for MailboxItem.Read.User and
// Document.ReadWrite.User is reported with both levels, refused by
// MaxDocumentPermission=Restricted in the report and at install, and authorized under
// the document cap for document APIs.
func TestIssue12_PermissionCapBypassUnifiedMultiHost(t *testing.T) {
	m := unifiedMultiHost("11111111-2222-4333-8444-555555555555", "MailboxItem.Read.User", "Document.ReadWrite.User")
	capped := PolicyFrom(regPolicy(t, `"MaxDocumentPermission"="Restricted"`))

	r := Assess(mustParse(t, m), capped, AssessOptions{ForInstall: true})
	var levels []string
	for _, l := range r.Permissions {
		levels = append(levels, string(l.Model)+":"+l.Tier+":"+strings.Join(l.Hosts, ","))
	}
	if want := []string{"mail:ReadItem:Mailbox", "document:ReadWriteDocument:Workbook,Document"}; !slices.Equal(levels, want) {
		t.Errorf("levels %v, want %v", levels, want)
	}
	if r.AllowedByPolicy || !slices.Equal(refusedPolicies(r), []string{permissions.PolicyMaxDocumentPermission}) || r.RefusedBy[0].Asked != "ReadWriteDocument" {
		t.Fatalf("MaxDocumentPermission=Restricted did not refuse the document level: %+v", r)
	}
	if !slices.ContainsFunc(r.Can, func(s string) bool { return strings.Contains(s, "document") }) {
		t.Errorf("what it may do leaves out the document level: %v", r.Can)
	}

	tc := newTestCatalog(t, regPolicy(t, `"MaxDocumentPermission"="Restricted"`))
	status, body := tc.install(t, alice, InstallRequest{Manifest: m, Consent: true})
	if status != http.StatusForbidden || !strings.Contains(string(body), permissions.PolicyMaxDocumentPermission) {
		t.Fatalf("install under the cap: %d %s", status, body)
	}
	status, body = tc.do(t, alice, http.MethodPost, "/v1/install/preview", PreviewRequest{Manifest: m})
	if pv := decode[Preview](t, body); status != http.StatusOK || pv.AllowedByPolicy || pv.Installable() {
		t.Errorf("preview under the cap: %d %+v", status, pv)
	}

	// Installed without a cap, then capped: authorization applies each model's cap.
	tc.pol = nil
	tc.mustInstall(t, alice, InstallRequest{Manifest: m, Consent: true})
	id := "11111111-2222-4333-8444-555555555555"
	write := "Office.context.document.setSelectedDataAsync"
	if got := tc.authorize(t, AuthorizeRequest{AddinID: id, API: write}); !got.Allow || got.Tier != "ReadWriteDocument" {
		t.Errorf("document API under the add-in's document level: %+v", got)
	}
	tc.pol = regPolicy(t, `"MaxDocumentPermission"="Restricted"`)
	if got := tc.authorize(t, AuthorizeRequest{AddinID: id, API: write}); got.Allow || got.Rule != RulePolicyCap || !strings.Contains(got.Reason, permissions.PolicyMaxDocumentPermission) {
		t.Errorf("document API past MaxDocumentPermission=Restricted: %+v", got)
	}
	if got := tc.authorize(t, AuthorizeRequest{AddinID: id, API: "Office.context.mailbox.item.body.getAsync"}); !got.Allow || got.Tier != "ReadItem" {
		t.Errorf("mail API within the mail level: %+v", got)
	}
	rep, err := tc.Permissions(alice, id)
	if err != nil || rep.AllowedByPolicy || len(rep.Permissions) != 2 {
		t.Errorf("report of the installed add-in under the cap: %+v %v", rep, err)
	}
}

// Issue 12 item 6: a manifest install refuses is never reported allowed: the report and
// install share one decision.
func TestIssue12_PlainHTTPNotAllowed(t *testing.T) {
	m := mailManifest("h1", "ReadItem", "", "http://contoso.example/a.html")
	r := Assess(mustParse(t, m), Policy{}, AssessOptions{ForInstall: true})
	if r.AllowedByPolicy || r.Installable() || len(r.Problems) != 1 || r.Problems[0].Rule != ProblemPlainHTTP {
		t.Fatalf("plain-http manifest reported %+v", r)
	}
	tc := newTestCatalog(t, nil)
	status, body := tc.install(t, alice, InstallRequest{Manifest: m, Consent: true})
	if status != http.StatusForbidden || !strings.Contains(string(body), "plain-http") {
		t.Fatalf("install of a plain-http manifest: %d %s", status, body)
	}
}

// Issue 12 item 16: an add-in's catastrophic expression (on the backtracking engine)
// is cut off at the policy's rule-evaluation limit, the activation threshold; the
// measured time, over the threshold, goes to governance, which strikes it.
func TestIssue12_CatastrophicRegexTimeout(t *testing.T) {
	pol := regPolicy(t, `"ActivationThresholdMs"=dword:00000064`) // 100 ms
	tc := newTestCatalog(t, pol)
	boom := `<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="Boom" RegExValue="(?=a)(a+)+$" PropertyName="Subject"/>`
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("boom", "ReadItem", boom, httpsURL), Consent: true})

	status, body := tc.do(t, alice, http.MethodPost, "/v1/evaluate", EvaluateRequest{AddinID: "boom",
		Item: Item{Type: "message", FormType: "Edit", Subject: strings.Repeat("a", 40) + "b"}})
	if status != http.StatusOK {
		t.Fatalf("status %d %s", status, body)
	}
	got := decode[EvaluateResponse](t, body)
	if got.Activates || !got.TimedOut || got.DurationMs <= 100 || !strings.Contains(got.Reason, `"Boom"`) {
		t.Fatalf("catastrophic rule: %+v", got)
	}
	observed := tc.gov.observed["boom"]
	if len(observed) != 1 {
		t.Fatalf("governance observed %v", observed)
	}
	engine := governance.NewEngine(nil, governance.StaticPolicy(pol.Policy))
	res := engine.ObserveActivation(governance.Activation{AddinID: "boom", ActivationID: "rules", Latency: observed[0]})
	if len(res.Strikes) != 1 || res.Strikes[0].Metric != governance.MetricActivation {
		t.Errorf("the cut-off evaluation (%v) was not struck: %+v", observed[0], res)
	}
}
