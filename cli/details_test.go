//go:build !windows

package cli

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"addingov/daemon/daemontest"
	"addingov/localapi"
)

// The support issue's history and chart items against a real daemon sampling a real
// process: `addins show` has the strike times, the disable evidence and the history
// chart; `report` writes a chart a reader can open.
func TestAddinsShowAndReport(t *testing.T) {
	d := daemontest.Start(t, daemontest.Options{Interval: 100 * time.Millisecond})
	ctx := context.Background()
	proc := exec.Command("sleep", "60")
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Process.Kill(); proc.Wait() })
	resp, err := d.Client.StartActivation(ctx, localapi.ActivationRequest{AddinID: "crm", PID: int32(proc.Process.Pid), Name: "Contoso CRM"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client.ActivationEvent(ctx, resp.ActivationID, "ready", ""); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		det, err := d.Client.Details(ctx, "crm", "")
		if err == nil && len(det.History) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no history after 10 s: %+v, %v", det, err)
		}
	}
	disabledAddin(t, d.Client, "crm") // three failed activations: disabled for activation
	s := "--socket=" + d.Address

	t.Run("show", func(t *testing.T) {
		r := runCLI(t, "", s, "addins", "show", "crm")
		if r.code != ExitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		for _, want := range []string{"Strikes in the window", "activation", "Recent activations", "failed: script error",
			"Last disables", "evidence", "CPU and memory history", "samples from", "CPU, % of one core (limit 90%)", "memory, MB", "┤"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("addins show lacks %q:\n%s", want, r.stdout)
			}
		}
	})
	t.Run("show --json", func(t *testing.T) {
		r := runCLI(t, "", s, "addins", "show", "crm", "--json")
		var det localapi.AddinDetails
		if err := json.Unmarshal([]byte(r.stdout), &det); err != nil || r.code != ExitOK {
			t.Fatalf("exit %d, %v: %s", r.code, err, r.stdout)
		}
		if len(det.Strikes) != 3 || det.Strikes[0].Time.IsZero() || len(det.Disables) != 1 || len(det.Disables[0].Evidence) != 3 || len(det.History) < 3 {
			t.Errorf("details = %d strikes, %d disables, %d points", len(det.Strikes), len(det.Disables), len(det.History))
		}
	})
	t.Run("report png", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "crm.png")
		r := runCLI(t, "", s, "report", "crm", "--out", out)
		if r.code != ExitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cfg, err := png.DecodeConfig(f)
		if err != nil || cfg.Width != 1200 || cfg.Height != 800 {
			t.Errorf("report is %dx%d, %v; want a 1200x800 PNG", cfg.Width, cfg.Height, err)
		}
	})
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown add-in", []string{"report", "nope", "--out", "x.png"}, ExitError, `no add-in "nope"`},
		{"bad format", []string{"report", "crm", "--out", "x.pdf"}, ExitUsage, ".png, .svg or .html"},
		{"no --out", []string{"report", "crm"}, ExitUsage, "--out is required"},
		{"unwritable folder", []string{"report", "crm", "--out", "/nonexistent/dir/x.png"}, ExitError, "choose a folder you can write to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			old, _ := os.Getwd()
			os.Chdir(dir)
			defer os.Chdir(old)
			r := runCLI(t, "", append([]string{s}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", r.code, r.stderr, tt.code, tt.stderr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a failed report left %d files behind", len(entries))
			}
		})
	}
}
