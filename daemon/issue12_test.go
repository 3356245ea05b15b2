//go:build !windows

package daemon

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"addingov/catalog"
	"addingov/localapi"
	"addingov/monitor"
)

// Item 11: once an add-in's process exits, the add-in no longer lists its pid (which
// could by then name an unrelated process), nor its last CPU and memory figures.
func TestIssue12_StalePIDs(t *testing.T) {
	r := start(t, tempDir(t), fastPolicy())
	ctx := context.Background()
	proc := child(t, "idle")
	pid := int32(proc.Process.Pid)
	if _, err := r.client.StartActivation(ctx, localapi.ActivationRequest{AddinID: "stale-pids", PID: pid}); err != nil {
		t.Fatal(err)
	}
	// Wait for a sample, so the daemon has figures for the process to keep or drop.
	waitFor(t, 30*time.Second, "a sample of the add-in's process", func() bool {
		r.d.mu.Lock()
		defer r.d.mu.Unlock()
		return slices.Contains(r.d.last["stale-pids"].PIDs, pid)
	})
	if a, err := r.client.Addin(ctx, "stale-pids"); err != nil || !slices.Contains(a.PIDs, pid) {
		t.Fatalf("while it runs: %+v, %v; want pid %d listed", a, err, pid)
	}
	if err := proc.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait() // reaped: the pid names no process now
	a, err := r.client.Addin(ctx, "stale-pids")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.PIDs) != 0 || a.MemoryBytes != 0 || a.CPUPercent != 0 {
		t.Fatalf("after its process exited the add-in shows pids %v, %d bytes, %.0f%% CPU; want none", a.PIDs, a.MemoryBytes, a.CPUPercent)
	}
}

// Item 4: ids outside the one alphabet (package addinid) are refused with a 400 naming
// the character, at every entry point: a host's activation report, a manifest's
// install, and process discovery.
func TestIssue12_IDAlphabet(t *testing.T) {
	r := start(t, tempDir(t), fastPolicy())
	ctx := context.Background()
	pid := int32(child(t, "idle").Process.Pid)
	hostile := []struct{ id, char string }{
		{"\x1b[31mred", "U+001B"},
		{"../../etc/passwd", "U+002E"},
		{"evil\u202Etxt.exe", "U+202E"},
		{"machine@uid:0", "U+0040"},
		{"a/b", "U+002F"},
	}
	for _, h := range hostile {
		var resp localapi.ActivationResponse
		err := r.client.Do(ctx, http.MethodPost, "/v1/activations", localapi.ActivationRequest{AddinID: h.id, PID: pid}, &resp)
		if localapi.StatusOf(err) != http.StatusBadRequest || !strings.Contains(err.Error(), h.char) {
			t.Errorf("activation of %q: %v, want 400 naming %s", h.id, err, h.char)
		}
		if strings.ContainsAny(errString(err), "\x1b\u202E") {
			t.Errorf("the refusal echoes the raw character: %q", err)
		}
	}
	if as, err := r.client.Addins(ctx); err != nil || len(as) != 0 {
		t.Fatalf("after the refused reports: %d add-ins (%v), want none", len(as), err)
	}

	// A manifest's id goes through the same check.
	cat := catalog.New(r.d.DB(), r.d.cfg.Policy.Effective, r.d, r.d.log)
	manifestXML := `<?xml version="1.0" encoding="UTF-8"?>
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp">
  <Id>6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7` + "\u202E" + `</Id><Version>1.0.0.0</Version><ProviderName>Contoso</ProviderName><DefaultLocale>en-US</DefaultLocale>
  <DisplayName DefaultValue="Contoso"/>
  <Hosts><Host Name="Mailbox"/></Hosts>
  <FormSettings><Form xsi:type="ItemRead"><DesktopSettings><SourceLocation DefaultValue="https://contoso.example/read.html"/><RequestedHeight>250</RequestedHeight></DesktopSettings></Form></FormSettings>
  <Permissions>ReadItem</Permissions>
  <Rule xsi:type="RuleCollection" Mode="Or"><Rule xsi:type="ItemIs" ItemType="Message" FormType="Read"/></Rule>
</OfficeApp>`
	admin := localapi.Caller{UID: "0", Known: true, Admin: true}
	_, err := cat.Install(admin, catalog.InstallRequest{Manifest: []byte(manifestXML), Scope: catalog.ScopeUser, Consent: true})
	if localapi.StatusOf(err) != http.StatusBadRequest || !strings.Contains(errString(err), "U+202E") {
		t.Errorf("install of a manifest whose id holds U+202E: %v, want 400 naming U+202E", err)
	}

	// Discovery ignores ids from command lines that fall outside the alphabet.
	rule, err := monitor.NewDiscoveryRule("host", "", `--addin=(?P<id>\S+)`)
	if err != nil {
		t.Fatal(err)
	}
	cfg := monitor.Config{Discovery: []monitor.DiscoveryRule{rule}}
	got := cfg.Discover([]monitor.ProcessInfo{
		{PID: 10, Executable: "/usr/bin/host", Args: []string{"host", "--addin=../../etc/passwd"}},
		{PID: 11, Executable: "/usr/bin/host", Args: []string{"host", "--addin=evil\u202Eexe"}},
		{PID: 12, Executable: "/usr/bin/host", Args: []string{"host", "--addin=contoso.crm"}},
	})
	if len(got) != 1 || got[0].AddinID != "contoso.crm" {
		b, _ := json.Marshal(got)
		t.Errorf("discovery bound %s, want only contoso.crm", b)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
