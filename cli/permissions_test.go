package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"addingov/catalog"
)

func TestPermissionsEveryCorpusManifestJSON(t *testing.T) {
	if _, err := os.Stat(catalogCorpusDir); err != nil {
		t.Skipf("shared corpus not present at %s", catalogCorpusDir)
	}
	files, err := filepath.Glob(filepath.Join(catalogCorpusDir, "*", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus manifests: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := runCLI(t, "", "permissions", f, "--json")
			if r.code != ExitOK && r.code != ExitRefused {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, r.stdout)
			}
			var rep catalog.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Kind == "" {
				t.Error("no kind")
			}
			if rep.Kind == "sharepoint" {
				if _, ok := raw["scopes"]; !ok || rep.Scopes == nil || rep.Rights == nil {
					t.Errorf("SharePoint add-in without scopes and rights: %s", r.stdout)
				}
			} else if rep.Tier == "" {
				t.Errorf("no tier: %s", r.stdout)
			}
			if _, ok := raw["allowed_by_policy"]; !ok {
				t.Error("no allowed_by_policy")
			}
			if (r.code == ExitOK) != rep.AllowedByPolicy {
				t.Errorf("exit %d with allowed_by_policy %v", r.code, rep.AllowedByPolicy)
			}
		})
	}
}

func TestPermissionsReadWriteMailboxSaysSendAsYou(t *testing.T) {
	f := corpusManifest(t, "outlook/command-demo.xml")
	r := runCLI(t, "", "permissions", f)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"ReadWriteMailbox", "including sending mail as you", "Policy: allowed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output does not say %q:\n%s", want, r.stdout)
		}
	}
}

func TestPermissionsPolicyFileMaxMailPermission(t *testing.T) {
	f := corpusManifest(t, "outlook/command-demo.xml")
	for _, hive := range []string{"HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER"} {
		t.Run(hive, func(t *testing.T) {
			policy := regFile(t, "["+hive+"\\SOFTWARE\\Policies\\AddinGov]\r\n\"MaxMailPermission\"=\"ReadItem\"\r\n")
			r := runCLI(t, "", "permissions", f, "--json", "--policy-file", policy)
			if r.code != ExitRefused {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var rep catalog.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.AllowedByPolicy || len(rep.RefusedBy) != 1 || rep.RefusedBy[0].Policy != "MaxMailPermission" ||
				rep.RefusedBy[0].Value != "ReadItem" || rep.RefusedBy[0].Asked != "ReadWriteMailbox" {
				t.Errorf("report = %+v", rep)
			}
			text := runCLI(t, "", "permissions", f, "--policy-file", policy)
			if !strings.Contains(text.stdout, "NOT allowed") || !strings.Contains(text.stdout, "MaxMailPermission") {
				t.Errorf("text output does not name the refusing policy:\n%s", text.stdout)
			}
		})
	}
}

func TestPermissionsSharePointShowsRightsAndIgnored(t *testing.T) {
	f := corpusManifest(t, "sharepoint/employee-orientation-list-basetemplateid.AppManifest.xml")
	r := runCLI(t, "", "permissions", f)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"http://sharepoint/content/sitecollection/web/list:Manage", "one list you choose (of list template 106)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output does not say %q:\n%s", want, r.stdout)
		}
	}
}

func TestPermissionsUsageAndFileErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		say  string
	}{
		{"policy file with an id", []string{"permissions", "some-id", "--policy-file", "x.reg"}, ExitUsage, "--policy-file applies"},
		{"bad scope", []string{"permissions", "x.xml", "--scope", "galaxy"}, ExitUsage, "--scope"},
		{"missing manifest file", []string{"permissions", "missing.xml"}, ExitError, "read manifest"},
		{"no argument", []string{"permissions"}, ExitUsage, "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.say) {
				t.Errorf("exit %d stderr %q, want exit %d saying %q", r.code, r.stderr, tt.code, tt.say)
			}
		})
	}
}

func TestPermissionsOfInstalledAddinAsksTheDaemon(t *testing.T) {
	socket, _ := catalogDaemon(t, "")
	f := corpusManifest(t, "outlook/scan-for-me.xml")
	if r := runCLI(t, "", "--socket", socket, "install", f, "--yes"); r.code != ExitOK {
		t.Fatalf("install: exit %d: %s", r.code, r.stderr)
	}
	r := runCLI(t, "", "--socket", socket, "permissions", "4c5b6a68-07b5-43d3-b6f1-796a0406e3b4", "--json")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep catalog.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Tier != "ReadItem" || rep.Installed == nil || !rep.AllowedByPolicy {
		t.Errorf("report = %+v", rep)
	}
}
