//go:build !windows

package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"addingov/localapi"
	"addingov/storage"
)

const policyTestdata = "../registrypolicy/testdata"

type settingJSON struct {
	Name   string `json:"name"`
	Value  any    `json:"value"`
	Unit   string `json:"unit"`
	Origin string `json:"origin"`
	Error  string `json:"error"`
}

type policyJSON struct {
	Settings []settingJSON `json:"settings"`
	Managed  []struct {
		ID, Mode, Origin string
	} `json:"managed_addins"`
}

func decodePolicy(t *testing.T, out string) (map[string]settingJSON, policyJSON) {
	t.Helper()
	var p policyJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("policy --json printed invalid JSON: %v\n%s", err, out)
	}
	m := map[string]settingJSON{}
	for _, s := range p.Settings {
		m[s.Name] = s
	}
	return m, p
}

// The registry-policy issue's offline scenarios, exactly.
func TestPolicyFromFile(t *testing.T) {
	t.Run("Microsoft and our values with their origins", func(t *testing.T) {
		r := runCLI(t, "", "policy", "--from-file", filepath.Join(policyTestdata, "done-when.reg"), "--json")
		if r.code != ExitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		m, p := decodePolicy(t, r.stdout)
		want := map[string]struct {
			value  float64
			origin string
		}{
			"AlertIntervalSeconds":  {10, `HKEY_CURRENT_USER\Software\Policies\Microsoft\Office\16.0\WEF\Outlook\alertinterval`},
			"ActivationThresholdMs": {2500, `HKEY_CURRENT_USER\Software\Policies\Microsoft\Office\16.0\WEF\Outlook\activationalertthreshold`},
			"CPUCorePercent":        {80, `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\CPUCorePercent`},
		}
		for name, w := range want {
			s := m[name]
			if s.Value != w.value || !strings.HasSuffix(s.Origin, w.origin) || s.Error != "" {
				t.Errorf("%s = %v from %q (error %q), want %v from …%s", name, s.Value, s.Origin, s.Error, w.value, w.origin)
			}
		}
		for name, s := range m {
			if _, set := want[name]; !set && name != "ManagedAddins" && s.Origin != "default" {
				t.Errorf("%s has origin %q, want default", name, s.Origin)
			}
		}
		if len(p.Managed) != 1 || p.Managed[0].ID != "demo-cpu" || p.Managed[0].Mode != "always-enabled" {
			t.Errorf("managed add-ins = %+v, want demo-cpu always-enabled (and no policyon)", p.Managed)
		}
	})
	t.Run("a value below its range is reported and the default kept", func(t *testing.T) {
		r := runCLI(t, "", "policy", "--from-file", filepath.Join(policyTestdata, "alert-below-range.reg"), "--json")
		if r.code != ExitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		m, _ := decodePolicy(t, r.stdout)
		s := m["AlertIntervalSeconds"]
		if s.Value != float64(5) || s.Origin != "default" || !strings.Contains(s.Error, "out of range") {
			t.Fatalf("AlertIntervalSeconds = %+v, want 5 from default with an out-of-range error", s)
		}
	})
	t.Run("a missing file is an error that names it", func(t *testing.T) {
		r := runCLI(t, "", "policy", "--from-file", "no-such.reg")
		if r.code != ExitError || !strings.Contains(r.stderr, "no-such.reg") {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

// disabledAddin makes the daemon disable an add-in for activation failures.
func disabledAddin(t *testing.T, c *localapi.Client, id string) {
	t.Helper()
	ctx := context.Background()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 3; i++ {
		resp, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: id, PID: int32(cmd.Process.Pid), Name: "Contoso CRM"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ActivationEvent(ctx, resp.ActivationID, "fail", "script error"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCommandsAgainstARealDaemon(t *testing.T) {
	socket, c := catalogDaemon(t, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\AddinGov]\r\n\"CPUCorePercent\"=dword:00000046\r\n")
	disabledAddin(t, c, "contoso-crm")
	s := "--socket=" + socket

	t.Run("status", func(t *testing.T) {
		r := runCLI(t, "", s, "status", "--json")
		var st localapi.Status
		if r.code != ExitOK || json.Unmarshal([]byte(r.stdout), &st) != nil || st.Disabled != 1 || st.Addins != 1 {
			t.Fatalf("exit %d, status %+v, stderr %s", r.code, st, r.stderr)
		}
	})
	t.Run("addins table", func(t *testing.T) {
		r := runCLI(t, "", s, "addins")
		if r.code != ExitOK || !strings.Contains(r.stdout, "contoso-crm") || !strings.Contains(r.stdout, "disabled") {
			t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("log json has the disable with its evidence", func(t *testing.T) {
		r := runCLI(t, "", s, "log", "--json", "--since", "1h", "--reason", "activation")
		var es []storage.LogEntry
		if r.code != ExitOK || json.Unmarshal([]byte(r.stdout), &es) != nil {
			t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
		}
		if len(es) != 1 || es[0].Action != "disable" || es[0].Reason != "activation" || es[0].Unit != "ms" ||
			es[0].Threshold != 1000 || len(es[0].Evidence) != 3 || es[0].Time.IsZero() {
			t.Fatalf("log = %+v", es)
		}
	})
	t.Run("log csv", func(t *testing.T) {
		r := runCLI(t, "", s, "log", "--csv")
		rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if r.code != ExitOK || err != nil || len(rows) != 2 || rows[0][0] != "time" || rows[1][3] != "disable" {
			t.Fatalf("exit %d, rows %v, err %v", r.code, rows, err)
		}
	})
	t.Run("notices", func(t *testing.T) {
		r := runCLI(t, "", s, "notices")
		if r.code != ExitOK || !strings.Contains(r.stdout, "Contoso CRM was turned off because it was slow or failed to start 3 times") {
			t.Fatalf("exit %d: %s", r.code, r.stdout)
		}
	})
	t.Run("policy from the daemon", func(t *testing.T) {
		r := runCLI(t, "", s, "policy", "--json")
		m, _ := decodePolicy(t, r.stdout)
		if r.code != ExitOK || m["CPUCorePercent"].Value != float64(70) {
			t.Fatalf("exit %d, CPUCorePercent %+v", r.code, m["CPUCorePercent"])
		}
	})
	t.Run("enable", func(t *testing.T) {
		r := runCLI(t, "", s, "enable", "contoso-crm")
		a, err := c.Addin(context.Background(), "contoso-crm")
		if r.code != ExitOK || err != nil || a.State != "enabled" || len(a.Strikes) != 0 {
			t.Fatalf("exit %d (%s), add-in %+v, %v", r.code, r.stderr, a, err)
		}
	})
	t.Run("unknown add-in", func(t *testing.T) {
		r := runCLI(t, "", s, "addins", "show", "nope")
		if r.code != ExitError || !strings.Contains(r.stderr, `no add-in "nope"`) {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func TestExitCodes(t *testing.T) {
	dead := filepath.Join(t.TempDir(), "none.sock")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"daemon not reachable", []string{"--socket", dead, "status"}, ExitUnreachable, "addingovd run"},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown command"},
		{"unknown flag", []string{"status", "--bogus"}, ExitUsage, "unknown flag"},
		{"bad since", []string{"--socket", dead, "log", "--since", "last tuesday"}, ExitUsage, "--since"},
		{"since after until", []string{"--socket", dead, "log", "--since", "1h", "--until", "2h"}, ExitUsage, "swap them"},
		{"since after until, dates", []string{"--socket", dead, "log", "--since", "2026-12-02", "--until", "2026-12-01"}, ExitUsage, "after --until"},
		{"bad reason", []string{"--socket", dead, "log", "--reason", "disk"}, ExitUsage, "cpu, memory, crash, activation"},
		{"bad action", []string{"--socket", dead, "log", "--action", "banana"}, ExitUsage, "disable, exempt, enable"},
		{"negative -n", []string{"--socket", dead, "log", "-n", "-1"}, ExitUsage, "-n -1"},
		{"bad output", []string{"--socket", dead, "log", "--output", "xml"}, ExitUsage, "table, json or csv"},
		{"csv and json", []string{"--socket", dead, "log", "--csv", "--json"}, ExitUsage, "cannot be combined"},
		{"output csv and json", []string{"--socket", dead, "log", "--output", "csv", "--json"}, ExitUsage, "cannot be combined"},
		{"missing argument", []string{"enable"}, ExitUsage, "accepts 1 arg"},
		{"bad demo duration", []string{"demo", "--duration", "0s"}, ExitUsage, "--duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d mentioning %q", r.code, r.stderr, tt.code, tt.stderr)
			}
		})
	}
}

// followCLI starts a --follow command writing to out; it runs until ctx ends, and the
// returned channel then yields its error.
func followCLI(ctx context.Context, out *os.File, args ...string) <-chan error {
	old := os.Stdout
	os.Stdout = out
	root := NewRoot()
	os.Stdout = old
	root.SetArgs(args)
	done := make(chan error, 1)
	go func() {
		err := root.ExecuteContext(ctx)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			err = nil
		}
		done <- err
	}()
	return done
}

// --follow prints what is already there and then what comes, as JSON Lines.
func TestFollowPrintsNewEntriesAsJSONLines(t *testing.T) {
	socket, c := catalogDaemon(t, "")
	s := "--socket=" + socket
	tests := []struct {
		name string
		args []string
		want func(line string) bool
	}{
		{"log", []string{s, "log", "--follow", "--json"}, func(l string) bool {
			var e storage.LogEntry
			return json.Unmarshal([]byte(l), &e) == nil && e.Action == "disable" && e.Reason == "activation"
		}},
		{"notices", []string{s, "notices", "--follow", "--json"}, func(l string) bool {
			var n storage.Notice
			return json.Unmarshal([]byte(l), &n) == nil && strings.Contains(n.Text, "was turned off")
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
			if err != nil {
				t.Fatal(err)
			}
			done := followCLI(ctx, f, tt.args...)
			time.Sleep(300 * time.Millisecond) // the command is following by now
			id := fmt.Sprintf("followed-%d", i)
			disabledAddin(t, c, id)
			if err := <-done; err != nil {
				t.Fatalf("%v: %v", tt.args, err)
			}
			f.Close()
			raw, _ := os.ReadFile(f.Name())
			out := string(raw)
			var found bool
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				found = found || (strings.Contains(line, id) && tt.want(line))
			}
			if !found {
				t.Fatalf("--follow did not print the new %s entry for %s:\n%s", tt.name, id, out)
			}
		})
	}
}
