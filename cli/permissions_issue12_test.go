package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"addingov/catalog"
)

// multiHostManifest is a unified manifest for Outlook, Excel and Word asking for a
// mailbox and a document permission.
const multiHostManifest = `{
  "$schema": "https://developer.microsoft.com/json-schemas/teams/v1.24/MicrosoftTeams.schema.json",
  "id": "11111111-2222-4333-8444-555555555555", "version": "1.0.0",
  "developer": {"name": "Contoso"}, "name": {"short": "Contoso Everywhere"},
  "authorization": {"permissions": {"resourceSpecific": [
    {"name": "MailboxItem.Read.User", "type": "Delegated"},
    {"name": "Document.ReadWrite.User", "type": "Delegated"}]}},
  "extensions": [{"requirements": {"scopes": ["mail", "workbook", "document"]},
    "runtimes": [{"id": "pane", "type": "general", "code": {"page": "https://contoso.example/pane.html"}}]}]
}`

func writeManifest(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issue 12 item 1: `permissions` shows both levels of a unified multi-host manifest
// and MaxDocumentPermission=Restricted refuses it (exit 4), in text and JSON.
func TestIssue12_PermissionCapBypassUnifiedMultiHost(t *testing.T) {
	f := writeManifest(t, "everywhere.manifest.json", multiHostManifest)
	policy := regFile(t, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\AddinGov]\r\n\"MaxDocumentPermission\"=\"Restricted\"\r\n")

	r := runCLI(t, "", "permissions", f, "--json", "--policy-file", policy)
	if r.code != ExitRefused {
		t.Fatalf("exit %d, want %d (refused): %s", r.code, ExitRefused, r.stderr)
	}
	var rep catalog.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.AllowedByPolicy || len(rep.Permissions) != 2 || rep.Permissions[1].Tier != "ReadWriteDocument" ||
		len(rep.RefusedBy) != 1 || rep.RefusedBy[0].Policy != "MaxDocumentPermission" {
		t.Errorf("report = %+v", rep)
	}

	text := runCLI(t, "", "permissions", f, "--policy-file", policy)
	for _, want := range []string{"It asks for 2 permissions", "ReadItem (Outlook mail, in Mailbox; asked as MailboxItem.Read.User)",
		"ReadWriteDocument (Office documents, in Workbook, Document; asked as Document.ReadWrite.User)", "NOT allowed", "MaxDocumentPermission"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("text output does not say %q:\n%s", want, text.stdout)
		}
	}
	if text.code != ExitRefused || !strings.Contains(text.stderr, "not allowed") {
		t.Errorf("text: exit %d stderr %q", text.code, text.stderr)
	}
	if ok := runCLI(t, "", "permissions", f); ok.code != ExitOK {
		t.Errorf("without caps: exit %d %s", ok.code, ok.stderr)
	}
}

// Issue 12 item 5: a permission value in the wrong case is refused, naming the value
// to use.
func TestIssue12_CasePermissionRefusedByCLI(t *testing.T) {
	f := writeManifest(t, "lower.xml", `<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp">
<Id>6a5e1b34-9b53-4a2b-a0a4-0d3e1c7f2b11</Id><Version>1.0.0.0</Version><ProviderName>Contoso</ProviderName><DefaultLocale>en-US</DefaultLocale>
<DisplayName DefaultValue="Lower"/><Hosts><Host Name="Mailbox"/></Hosts>
<FormSettings><Form xsi:type="ItemRead"><DesktopSettings><SourceLocation DefaultValue="https://contoso.example/a.html"/></DesktopSettings></Form></FormSettings>
<Permissions>readwritemailbox</Permissions><Rule xsi:type="ItemIs" ItemType="Message" FormType="Read"/></OfficeApp>`)
	r := runCLI(t, "", "permissions", f)
	if r.code != ExitError || !strings.Contains(r.stderr, "write ReadWriteMailbox") {
		t.Errorf("exit %d stderr %q, want exit %d naming ReadWriteMailbox", r.code, r.stderr, ExitError)
	}
}

// Issue 12 item 6: a plain-http manifest, which install refuses, is not reported
// allowed: allowed_by_policy is false and the exit status is 4.
func TestIssue12_PlainHTTPNotAllowedExitCode(t *testing.T) {
	f := corpusManifest(t, "taskpane/word-hello-world.xml") // its SupportUrl is plain http
	r := runCLI(t, "", "permissions", f, "--json")
	var rep catalog.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if r.code != ExitRefused || rep.AllowedByPolicy || len(rep.Problems) == 0 || rep.Problems[0].Rule != catalog.ProblemPlainHTTP {
		t.Errorf("exit %d, report %+v", r.code, rep)
	}
	text := runCLI(t, "", "permissions", f)
	if text.code != ExitRefused || !strings.Contains(text.stdout, "NOT allowed") || strings.Contains(text.stdout, "Policy: allowed") {
		t.Errorf("text: exit %d\n%s", text.code, text.stdout)
	}
}
