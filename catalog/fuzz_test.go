package catalog

import (
	"encoding/json"
	"net/http"
	"testing"
)

// The fuzz targets send arbitrary bodies to the handlers of untrusted input. Whatever
// the body, the answer is JSON with a client-error or success status: never a panic,
// never a 500.

func fuzzHandler(f *testing.F, path string, seeds ...any) {
	for _, s := range seeds {
		b, ok := s.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(s); err != nil {
				f.Fatal(err)
			}
		}
		f.Add(b)
	}
	tc := newTestCatalog(f, nil)
	tc.mustInstallF(f, mailManifest("m1", "ReadItem", regexRule, httpsURL))
	tc.mustInstallF(f, spManifest("{s1}", true, `<AppPermissionRequest Scope="`+spWeb+`" Right="Read"/>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		status, resp := tc.do(t, alice, http.MethodPost, path, body)
		if status >= 500 {
			t.Fatalf("status %d for %q: %s", status, body, resp)
		}
		if !json.Valid(resp) {
			t.Fatalf("answer is not JSON: %q", resp)
		}
	})
}

// mustInstallF installs for fuzz setup, with the rights a SharePoint add-in needs.
func (tc *testCatalog) mustInstallF(f *testing.F, m []byte) {
	f.Helper()
	status, body := tc.do(f, alice, http.MethodPost, "/v1/install", InstallRequest{Manifest: m, Consent: true,
		UserRights: []UserRight{{Scope: spTenant, Right: "FullControl"}}})
	if status != http.StatusOK {
		f.Fatalf("install: %d %s", status, body)
	}
}

func FuzzInstallRequest(f *testing.F) {
	fuzzHandler(f, "/v1/install",
		InstallRequest{Manifest: mailManifest("m2", "ReadWriteMailbox", "", httpsURL), Consent: true},
		InstallRequest{Manifest: docManifest("d1", "WriteDocument"), Scope: ScopeMachine},
		InstallRequest{Manifest: spManifest("{s2}", false, `<AppPermissionRequest Scope="`+spList+`" Right="Manage"/>`), Consent: true,
			List: &ListChoice{ID: "x", BaseTemplateID: 101}, UserRights: []UserRight{{Scope: spWeb, Right: "Manage", ObjectID: "w"}}},
		InstallRequest{Manifest: []byte(`{"id":"u1","extensions":[]}`), Consent: true},
		[]byte(`{"manifest":"!!!"}`), []byte(`{"scope":7}`), []byte(`null`), []byte(``),
	)
}

func FuzzAuthorizeRequest(f *testing.F) {
	fuzzHandler(f, "/v1/authorize",
		AuthorizeRequest{AddinID: "m1", API: "Office.context.mailbox.item.body.getAsync"},
		AuthorizeRequest{AddinID: "m1", API: "Office.context.mailbox.makeEwsRequestAsync(SendItem)"},
		AuthorizeRequest{AddinID: "{s1}", SharePoint: &SharePointCall{Scope: spList, Right: "Read", ObjectID: "l",
			Location: map[string]string{spWeb: "w"}, UserRights: []UserRight{{Scope: spWeb, Right: "Read"}}, Policy: "app-only"}},
		AuthorizeRequest{AddinID: "{s1}", SharePoint: &SharePointCall{Scope: "http://x", Right: "Read", Policy: "sudo"}},
		[]byte(`{"addin_id":"m1","api":"((("}`), []byte(`{"addin_id":1}`),
	)
}

func FuzzEvaluateRequest(f *testing.F) {
	fuzzHandler(f, "/v1/evaluate",
		EvaluateRequest{AddinID: "m1", Item: Item{Type: "message", FormType: "Read", BodyText: "ORD-12345", BodyHTML: "<b>ORD-54321</b>",
			Subject: "call 425-555-0100", Sender: "a@contoso.example", Attachments: []string{"a.pdf"}, IRMProtected: true}},
		EvaluateRequest{AddinID: "{s1}", Item: Item{Type: "appointment"}},
		[]byte(`{"addin_id":"m1","item":{"type":"message","body_text":"\u0000\uffff"}}`),
	)
}
