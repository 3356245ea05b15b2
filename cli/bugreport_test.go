//go:build !windows

package cli

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"addingov/daemon/daemontest"
	"addingov/localapi"
)

// The support issue's bundle: one archive whose listing has every part, each part what
// it says, and a README saying so.
func TestBugreportHasEveryPart(t *testing.T) {
	d := daemontest.Start(t, daemontest.Options{Interval: 100 * time.Millisecond})
	ctx := context.Background()
	proc := exec.Command("sleep", "60")
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Process.Kill(); proc.Wait() })
	if _, err := d.Client.StartActivation(ctx, localapi.ActivationRequest{AddinID: "crm", PID: int32(proc.Process.Pid), Name: "Contoso CRM"}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if det, err := d.Client.Details(ctx, "crm", ""); err == nil && len(det.History) >= 2 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no history: %v", err)
		}
	}
	disabledAddin(t, d.Client, "other")
	out := filepath.Join(t.TempDir(), "ticket.zip")
	r := runCLI(t, "", "--socket="+d.Address, "bugreport", "--out", out)
	if r.code != ExitOK || !strings.Contains(r.stdout, "Wrote "+out) {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "[1/") || !strings.Contains(r.stderr, "README.txt") {
		t.Errorf("no progress on stderr: %q", r.stderr)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	defer zr.Close()
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	var manifest struct {
		Parts []bundlePart `json:"parts"`
	}
	if err := json.Unmarshal([]byte(files["manifest.json"]), &manifest); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	outcome := map[string]bundlePart{}
	for _, p := range manifest.Parts {
		outcome[p.Name] = p
	}
	always := map[string]string{
		"README.txt":        "Personal data",
		"version.json":      `"daemon": "test"`,
		"os.json":           `"goos"`,
		"status.json":       `"state_dir"`,
		"policy.json":       `"CPUCorePercent"`,
		"addins.json":       `"crm"`,
		"log.json":          `"activation"`,
		"notices.json":      "was turned off",
		"addins/crm.json":   `"history"`,
		"addins/other.json": `"disables"`,
		"charts/crm.svg":    "<svg",
	}
	for name, want := range always {
		if !strings.Contains(files[name], want) || outcome[name].Status != "ok" {
			t.Errorf("%s: %q (manifest %+v), want it with %q", name, trim(files[name]), outcome[name], want)
		}
		if !strings.Contains(bundleReadme, strings.SplitN(strings.SplitN(name, "/", 2)[0], ".", 2)[0]) {
			t.Errorf("README.txt does not describe %s", name)
		}
	}
	// Parts that depend on the machine are there or listed with the reason they are not.
	for _, name := range []string{"daemon-log.jsonl", "system-log.txt"} {
		_, there := files[name]
		if p := outcome[name]; there == (p.Status != "ok") || (!there && p.Error == "") {
			t.Errorf("%s: in the archive %v, manifest %+v: want it, or an error saying why not", name, there, p)
		}
	}
}

func TestBugreportErrors(t *testing.T) {
	d := daemontest.Start(t, daemontest.Options{})
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"not a zip", []string{"--socket=" + d.Address, "bugreport", "--out", "x.tar"}, ExitUsage, "name the bundle .zip"},
		{"folder missing", []string{"--socket=" + d.Address, "bugreport", "--out", "/nonexistent/x.zip"}, ExitError, "choose a folder you can write to"},
		{"no daemon", []string{"--socket=" + filepath.Join(t.TempDir(), "none.sock"), "bugreport"}, ExitUnreachable, "addingovd run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", r.code, r.stderr, tt.code, tt.stderr)
			}
		})
	}
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
