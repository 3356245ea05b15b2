//go:build !windows

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"addingov/daemon/daemontest"
	"addingov/localapi"
	"addingov/registrypolicy"
)

// The support issue's policy view, exactly: a misspelt value and a misspelt key are
// unknown rows (exit 0, with the status column), and an HKLM value that overrides an
// HKCU value shows both.
func TestPolicyViewShowsUnknownAndSuperseded(t *testing.T) {
	reg := filepath.Join(t.TempDir(), "typos.reg")
	text := "Windows Registry Editor Version 5.00\r\n\r\n" +
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\AddinGov]\r\n\"CPUCorePercent\"=dword:00000050\r\n\r\n" +
		"[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\AddinGov]\r\n\"CPUCorePercent\"=dword:0000005f\r\n\"CPUCorePrecent\"=dword:00000046\r\n\r\n" +
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\AddinGovv]\r\n\"CrashLimit\"=dword:00000002\r\n"
	if err := os.WriteFile(reg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", "policy", "--from-file", reg)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"STATUS", "SCOPE", "superseded", "CPUCorePrecent", "did you mean CPUCorePercent?", "AddinGovv", "unknown"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("policy --from-file lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCLI(t, "", "policy", "--from-file", reg, "--json")
	var v registrypolicy.View
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.code != ExitOK {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stdout)
	}
	if len(v.Unknown) != 2 || v.Errors != 2 {
		t.Errorf("unknown = %+v (errors %d), want CPUCorePrecent and AddinGovv", v.Unknown, v.Errors)
	}
	for _, s := range v.Settings {
		if s.Name == "CPUCorePercent" && (s.Value != 80.0 || s.Scope != "machine" || len(s.Superseded) != 1 || s.Superseded[0].Value != 95.0 || s.Superseded[0].Scope != "user") {
			t.Errorf("CPUCorePercent = %+v, want 80 (machine) over 95 (user, superseded)", s)
		}
	}
}

// The daemon's view: --interval is its own source, and status says when the policy
// was read and whether it has errors.
func TestDaemonPolicyViewAndStatus(t *testing.T) {
	d := daemontest.Start(t, daemontest.Options{Interval: 250 * time.Millisecond,
		PolicyText: "[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\AddinGov]\r\n\"Bogus\"=dword:00000001\r\n"})
	s := "--socket=" + d.Address
	r := runCLI(t, "", s, "policy", "--json")
	var v registrypolicy.View
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.code != ExitOK {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stdout)
	}
	for _, sv := range v.Settings {
		if sv.Name == "AlertIntervalSeconds" && (sv.Scope != registrypolicy.ScopeCommandLine || sv.Value != 0.25 || len(sv.Superseded) != 1) {
			t.Errorf("AlertIntervalSeconds = %+v, want 0.25 from the command line over the default", sv)
		}
	}
	r = runCLI(t, "", s, "status", "--json")
	var st localapi.Status
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatal(err)
	}
	if st.PolicyLoadedAt.IsZero() || st.PolicyErrors != 1 {
		t.Errorf("status policy loaded %v with %d errors, want a time and 1 (Bogus)", st.PolicyLoadedAt, st.PolicyErrors)
	}
	if r := runCLI(t, "", s, "status"); !strings.Contains(r.stdout, "1 errors or unknown names") {
		t.Errorf("status text lacks the policy's errors:\n%s", r.stdout)
	}
}
