package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"addingov/catalog"
	"addingov/permissions"
)

// Corpus add-ins the CLI tests install.
const (
	scanForMeID   = "4c5b6a68-07b5-43d3-b6f1-796a0406e3b4" // outlook/scan-for-me.xml, ReadItem
	commandDemoID = "fc188889-7206-4d15-9968-7a4966f7f4ca" // outlook/command-demo.xml, ReadWriteMailbox
	siteCreatorID = "{5873d9d0-45b5-4e6b-b8e7-726591d7f9dc}"
)

// withTerminal makes the CLI believe stdin is a terminal for the test's duration.
func withTerminal(t *testing.T) {
	t.Helper()
	old := stdinIsTerminal
	stdinIsTerminal = func() bool { return true }
	t.Cleanup(func() { stdinIsTerminal = old })
}

func TestInstallWithoutTerminalOrYesRefusesAndStoresNothing(t *testing.T) {
	socket, c := catalogDaemon(t, "")
	f := corpusManifest(t, "outlook/scan-for-me.xml")
	r := runCLI(t, "", "--socket", socket, "install", f)
	if r.code != ExitError {
		t.Fatalf("exit %d, want %d", r.code, ExitError)
	}
	for _, want := range []string{"no terminal", "--yes", "nothing was installed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q: %s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "can read the item you are looking at") {
		t.Errorf("the permissions were not shown before refusing:\n%s", r.stdout)
	}
	if installed(t, c, scanForMeID) {
		t.Error("the add-in was stored")
	}
}

func TestInstallWithYesInstalls(t *testing.T) {
	socket, c := catalogDaemon(t, "")
	f := corpusManifest(t, "outlook/scan-for-me.xml")
	r := runCLI(t, "", "--socket", socket, "install", f, "--yes")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "Installed") || !installed(t, c, scanForMeID) {
		t.Errorf("not installed:\n%s", r.stdout)
	}
	// JSON mode keeps stdout for the result alone.
	r = runCLI(t, "", "--socket", socket, "--json", "install", f, "--yes")
	var res catalog.InstallResult
	if r.code != ExitOK || json.Unmarshal([]byte(r.stdout), &res) != nil || !res.Reinstall || res.ID != scanForMeID {
		t.Errorf("--json reinstall: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestInstallAsksOnTheTerminal(t *testing.T) {
	socket, c := catalogDaemon(t, "")
	withTerminal(t)
	f := corpusManifest(t, "outlook/scan-for-me.xml")
	r := runCLI(t, "n\n", "--socket", socket, "install", f)
	if r.code != ExitError || !strings.Contains(r.stdout, "[y/N]") || installed(t, c, scanForMeID) {
		t.Fatalf("answer no: exit %d, installed %v\n%s%s", r.code, installed(t, c, scanForMeID), r.stdout, r.stderr)
	}
	r = runCLI(t, "yes\n", "--socket", socket, "install", f)
	if r.code != ExitOK || !installed(t, c, scanForMeID) {
		t.Fatalf("answer yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestReinstallAsksAgainOnlyWhenAskingForMore(t *testing.T) {
	socket, _ := catalogDaemon(t, "")
	dir := t.TempDir()
	write := func(tier string) string {
		p := filepath.Join(dir, tier+".xml")
		m := `<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>cli-reinstall</Id><Version>1.0</Version>` +
			`<DisplayName DefaultValue="Reinstall"/><Permissions>` + tier + `</Permissions><Rule xsi:type="ItemIs" ItemType="Message"/></OfficeApp>`
		if err := os.WriteFile(p, []byte(m), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if r := runCLI(t, "", "--socket", socket, "install", write("ReadItem"), "--yes"); r.code != ExitOK {
		t.Fatalf("first install: %d %s", r.code, r.stderr)
	}
	// Same or less: no terminal and no --yes are needed.
	for _, tier := range []string{"ReadItem", "Restricted"} {
		r := runCLI(t, "", "--socket", socket, "install", write(tier))
		if r.code != ExitOK || !strings.Contains(r.stdout, "Not asking again") {
			t.Errorf("reinstall %s: exit %d\n%s%s", tier, r.code, r.stdout, r.stderr)
		}
	}
	// More: asked again, and without a terminal refused.
	r := runCLI(t, "", "--socket", socket, "install", write("ReadWriteMailbox"))
	if r.code != ExitError || !strings.Contains(r.stderr, "asks for more") {
		t.Errorf("reinstall asking for more: exit %d %s", r.code, r.stderr)
	}
}

func TestInstallRefusedByPolicyNamesIt(t *testing.T) {
	socket, c := catalogDaemon(t, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\AddinGov]\r\n\"MaxMailPermission\"=\"ReadItem\"\r\n")
	f := corpusManifest(t, "outlook/command-demo.xml")
	r := runCLI(t, "", "--socket", socket, "install", f, "--yes")
	if r.code != ExitError {
		t.Fatalf("exit %d, want %d", r.code, ExitError)
	}
	for _, want := range []string{"MaxMailPermission", "ReadItem", "ReadWriteMailbox"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("refusal does not name %q: %s", want, r.stderr)
		}
	}
	if installed(t, c, commandDemoID) {
		t.Error("the refused add-in was stored")
	}
}

func TestInstallUsageErrors(t *testing.T) {
	f := corpusManifest(t, "outlook/scan-for-me.xml")
	for _, args := range [][]string{
		{"install", f, "--scope", "galaxy"},
		{"install", f, "--list-template", "101"},
		{"install", f, "--user-rights", "http://sharepoint/content/farm:Read"},
	} {
		if r := runCLI(t, "", args...); r.code != ExitUsage {
			t.Errorf("%v: exit %d (%s), want %d", args, r.code, r.stderr, ExitUsage)
		}
	}
}

func TestInstallSharePointShowsGrantsThenRemove(t *testing.T) {
	socket, c := catalogDaemon(t, "")
	f := corpusManifest(t, "sharepoint/site-creator-tenant-apponly.AppManifest.xml")
	// Without the rights the consent rules refuse, and nothing is stored.
	if r := runCLI(t, "", "--socket", socket, "install", f, "--yes"); r.code != ExitError || !strings.Contains(r.stderr, permissions.RuleUserCannotGrantMoreThanHeld) {
		t.Fatalf("install without rights: exit %d %s", r.code, r.stderr)
	}
	r := runCLI(t, "", "--socket", socket, "install", f, "--yes", "--user-rights", "http://sharepoint/content/tenant:FullControl")
	if r.code != ExitOK || !strings.Contains(r.stdout, "granted Write at http://sharepoint/content/tenant") {
		t.Fatalf("install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = runCLI(t, "", "--socket", socket, "grants")
	if r.code != ExitOK || !strings.Contains(r.stdout, "GRANTED BY") || !strings.Contains(r.stdout, siteCreatorID) || !strings.Contains(r.stdout, "active") {
		t.Fatalf("grants table: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	xml := filepath.Join(t.TempDir(), "req.xml")
	if err := os.WriteFile(xml, []byte(`<AppPermissionRequests><AppPermissionRequest Scope="http://sharepoint/content/sitecollection/web" Right="Read"/></AppPermissionRequests>`), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "", "--socket", socket, "grants", "regrant", siteCreatorID); r.code != ExitUsage {
		t.Errorf("regrant without --request: exit %d", r.code)
	}
	r = runCLI(t, "", "--socket", socket, "grants", "regrant", siteCreatorID, "--request", xml, "--user-rights", "http://sharepoint/content/sitecollection/web:Read")
	if r.code != ExitOK || !strings.Contains(r.stdout, "Re-granted") {
		t.Fatalf("regrant: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = runCLI(t, "", "--socket", socket, "--json", "grants", siteCreatorID)
	var grants []permissions.Grant
	if r.code != ExitOK || json.Unmarshal([]byte(r.stdout), &grants) != nil || len(grants) != 2 ||
		grants[0].State != permissions.GrantRevoked || grants[1].State != permissions.GrantActive {
		t.Fatalf("grants --json after regrant: exit %d %s", r.code, r.stdout)
	}

	r = runCLI(t, "", "--socket", socket, "remove", siteCreatorID)
	if r.code != ExitOK || !strings.Contains(r.stdout, "1 grant(s) revoked") || installed(t, c, siteCreatorID) {
		t.Fatalf("remove: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", "--socket", socket, "remove", siteCreatorID); r.code != ExitError {
		t.Errorf("removing again: exit %d, want %d", r.code, ExitError)
	}
}
