package catalog_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"addingov/catalog"
	"addingov/daemon/daemontest"
	"addingov/localapi"
	"addingov/permissions"
)

const corpusDir = "../../shared/corpus/manifests"

// startDaemon runs a real daemon with the catalog's endpoints, governing with the .reg
// policy text (empty for defaults), and returns a client and the policy file.
func startDaemon(t *testing.T, policyText string) (*localapi.Client, string) {
	t.Helper()
	d := daemontest.Start(t, daemontest.Options{PolicyText: policyText})
	return d.Client, d.PolicyFile
}

func readCorpus(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, rel))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("shared corpus not present at %s", corpusDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSocketInstallAuthorizeEvaluateRemove(t *testing.T) {
	c, policyFile := startDaemon(t, "")
	ctx := context.Background()
	data := readCorpus(t, "outlook/contextual-regex-order-number.xml")
	const id = "351bf5d8-c3e5-4c35-8f0b-3da9a28f22f2"

	var pv catalog.Preview
	if err := c.Do(ctx, http.MethodPost, "/v1/install/preview", catalog.PreviewRequest{Manifest: data}, &pv); err != nil {
		t.Fatal(err)
	}
	if !pv.NeedsConsent || !pv.AllowedByPolicy || pv.Tier != "ReadWriteItem" {
		t.Fatalf("preview = %+v", pv)
	}
	err := c.Do(ctx, http.MethodPost, "/v1/install", catalog.InstallRequest{Manifest: data}, nil)
	if localapi.StatusOf(err) != http.StatusConflict || !strings.Contains(err.Error(), "consent") {
		t.Fatalf("install without consent: %v, want 409 asking for consent", err)
	}
	if err := c.Do(ctx, http.MethodGet, "/v1/permissions/"+id, nil, nil); localapi.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("refused install stored the add-in: %v", err)
	}
	var res catalog.InstallResult
	if err := c.Do(ctx, http.MethodPost, "/v1/install", catalog.InstallRequest{Manifest: data, Consent: true}, &res); err != nil {
		t.Fatal(err)
	}
	var rep catalog.Report
	if err := c.Do(ctx, http.MethodGet, "/v1/permissions/"+id, nil, &rep); err != nil || rep.Kind != "mail" || rep.Tier != "ReadWriteItem" || rep.Installed == nil {
		t.Fatalf("installed add-in's report = %+v (%v)", rep, err)
	}

	authz := func() catalog.AuthorizeResponse {
		var r catalog.AuthorizeResponse
		if err := c.Do(ctx, http.MethodPost, "/v1/authorize", catalog.AuthorizeRequest{AddinID: id, API: "Office.context.mailbox.item.body.setAsync"}, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := authz(); !r.Allow || r.Rule != catalog.RuleTierAllows {
		t.Errorf("authorize = %+v", r)
	}
	var ev catalog.EvaluateResponse
	if err := c.Do(ctx, http.MethodPost, "/v1/evaluate", catalog.EvaluateRequest{AddinID: id,
		Item: catalog.Item{Type: "message", FormType: "Read", Subject: "order", BodyText: "Order CN1234567 shipped"}}, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Reason == "" {
		t.Errorf("evaluate = %+v", ev)
	}

	// The daemon is the Governor: once policy blocks the add-in (managed list 0, in a
	// policy file the daemon reloads), it is denied everything.
	block := "[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\AddinGov\\ManagedAddins]\r\n\"" + id + "\"=dword:00000000\r\n"
	if err := os.WriteFile(policyFile, []byte("Windows Registry Editor Version 5.00\r\n\r\n"+block), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	r := authz()
	for r.Allow && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		r = authz()
	}
	if r.Allow || r.Rule != catalog.RuleAddinNotActive || !strings.Contains(r.Reason, "blocked") {
		t.Errorf("authorize on a blocked add-in = %+v", r)
	}

	var rm catalog.RemoveResult
	if err := c.Do(ctx, http.MethodDelete, "/v1/addins/"+id, nil, &rm); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, http.MethodGet, "/v1/permissions/"+id, nil, nil); localapi.StatusOf(err) != http.StatusNotFound {
		t.Errorf("removed add-in still there: %v", err)
	}
	page, err := c.Log(ctx, map[string][]string{"addin": {id}})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Entries {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "install") || !strings.HasSuffix(got, "remove") {
		t.Errorf("log actions %q, want install … remove", got)
	}
}

func TestSocketMaxMailPermissionPolicyRefusesInstall(t *testing.T) {
	c, _ := startDaemon(t, "[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\AddinGov]\r\n\"MaxMailPermission\"=\"ReadItem\"\r\n")
	data := readCorpus(t, "outlook/command-demo.xml")
	err := c.Do(context.Background(), http.MethodPost, "/v1/install", catalog.InstallRequest{Manifest: data, Consent: true}, nil)
	if localapi.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("install: %v, want 403", err)
	}
	for _, s := range []string{"MaxMailPermission", "ReadItem", "ReadWriteMailbox"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("refusal %q does not name %q", err, s)
		}
	}
}

func TestSocketSharePointUserAndAppOnly(t *testing.T) {
	c, _ := startDaemon(t, "")
	ctx := context.Background()
	data := readCorpus(t, "sharepoint/site-creator-tenant-apponly.AppManifest.xml")
	const id = "{5873d9d0-45b5-4e6b-b8e7-726591d7f9dc}"
	if err := c.Do(ctx, http.MethodPost, "/v1/install", catalog.InstallRequest{Manifest: data, Consent: true,
		UserRights: []catalog.UserRight{{Scope: string(permissions.ScopeTenant), Right: "FullControl"}}}, nil); err != nil {
		t.Fatal(err)
	}
	var grants []permissions.Grant
	if err := c.Do(ctx, http.MethodGet, "/v1/grants?addin="+id, nil, &grants); err != nil || len(grants) != 1 || !grants[0].AppOnly {
		t.Fatalf("grants = %+v (%v)", grants, err)
	}
	call := func(policy string) catalog.AuthorizeResponse {
		var r catalog.AuthorizeResponse
		err := c.Do(ctx, http.MethodPost, "/v1/authorize", catalog.AuthorizeRequest{AddinID: id, SharePoint: &catalog.SharePointCall{
			Scope: string(permissions.ScopeWeb), Right: "Write", ObjectID: "web-1", Policy: policy,
			UserRights: []catalog.UserRight{{Scope: string(permissions.ScopeWeb), Right: "Read"}}}}, &r)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := call("user+addin"); r.Allow || r.Rule != permissions.RuleUserLacksRight || r.Reason == "" {
		t.Errorf("user+add-in = %+v, want denied because of the user's rights", r)
	}
	if r := call("app-only"); !r.Allow || r.Rule != permissions.RuleAppOnlyGrantAllows {
		t.Errorf("app-only = %+v, want allowed", r)
	}
}
