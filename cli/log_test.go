//go:build !windows

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"addingov/daemon/daemontest"
	"addingov/storage"
)

func decodeLog(t *testing.T, r cliRun) []storage.LogEntry {
	t.Helper()
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var es []storage.LogEntry
	if err := json.Unmarshal([]byte(r.stdout), &es); err != nil {
		t.Fatalf("log --json printed invalid JSON: %v\n%s", err, r.stdout)
	}
	return es
}

func addinIDs(es []storage.LogEntry) string {
	var ids []string
	for _, e := range es {
		ids = append(ids, e.AddinID)
	}
	return strings.Join(ids, ",")
}

// The support issue's log items: newest entries with -n, --reverse, time forms,
// case-insensitive filters, a manual disable filterable by its reason.
func TestLogLikeJournalctl(t *testing.T) {
	start := time.Now().Truncate(time.Minute)
	socket, c := catalogDaemon(t, "")
	for _, id := range []string{"first", "second", "third"} {
		disabledAddin(t, c, id)
	}
	s := "--socket=" + socket
	if r := runCLI(t, "", s, "enable", "second"); r.code != ExitOK {
		t.Fatalf("enable: %s", r.stderr)
	}
	if r := runCLI(t, "", s, "disable", "second", "--reason", "user asked"); r.code != ExitOK {
		t.Fatalf("disable: %s", r.stderr)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"-n 1 is the newest entry", []string{"log", "-n", "1", "--action", "disable"}, "second"},
		{"--limit is -n", []string{"log", "--limit", "1", "--action", "disable", "--reason", "activation"}, "third"},
		{"-n 2 oldest first", []string{"log", "-n", "2", "--action", "disable", "--reason", "activation"}, "second,third"},
		{"--reverse", []string{"log", "--reverse", "--action", "disable", "--reason", "activation"}, "third,second,first"},
		{"-n with --reverse", []string{"log", "-n", "2", "-r", "--reason", "activation"}, "third,second"},
		{"case-insensitive reason", []string{"log", "--reason", "ACTIVATION", "--action", "Disable"}, "first,second,third"},
		{"manual disable by its reason", []string{"log", "--reason", "manual"}, "second,second"},
		{"manual disable and action", []string{"log", "--reason", "manual", "--action", "disable"}, "second"},
		{"since yesterday", []string{"log", "--since", "yesterday", "--action", "disable", "--reason", "activation"}, "first,second,third"},
		{"since today's date", []string{"log", "--since", start.Format("2006-01-02"), "-n", "1", "--reason", "activation"}, "third"},
		{"since a time of day", []string{"log", "--since", start.Format("15:04"), "-n", "1", "--reason", "activation"}, "third"},
		{"since two weeks", []string{"log", "--since", "2w", "-n", "1", "--reason", "activation"}, "third"},
		{"since tomorrow", []string{"log", "--since", "tomorrow"}, ""},
		{"until yesterday", []string{"log", "--until", "yesterday"}, ""},
		{"--output json", []string{"log", "--output", "json", "-n", "1", "--reason", "activation"}, "third"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{s}, tt.args...)
			if !strings.Contains(strings.Join(tt.args, " "), "--output") {
				args = append(args, "--json")
			}
			if got := addinIDs(decodeLog(t, runCLI(t, "", args...))); got != tt.want {
				t.Errorf("addingov %s = [%s], want [%s]", strings.Join(tt.args, " "), got, tt.want)
			}
		})
	}
	t.Run("manual disable keeps the user's words in detail", func(t *testing.T) {
		es := decodeLog(t, runCLI(t, "", s, "log", "--json", "--reason", "manual", "--action", "disable"))
		if len(es) != 1 || es[0].Detail != "user asked" {
			t.Errorf("manual disable = %+v, want detail %q", es, "user asked")
		}
	})
	t.Run("--output csv", func(t *testing.T) {
		r := runCLI(t, "", s, "log", "--output", "csv", "-n", "1")
		if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); r.code != ExitOK || len(lines) != 2 || !strings.HasPrefix(lines[0], "time,addin_id") {
			t.Errorf("csv = %q (exit %d)", r.stdout, r.code)
		}
	})
}

// --follow honours -n, and goes on through a daemon restart.
func TestLogFollowSurvivesDaemonRestart(t *testing.T) {
	d := daemontest.Start(t, daemontest.Options{})
	disabledAddin(t, d.Client, "before-1")
	disabledAddin(t, d.Client, "before-2")
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	errOut, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Second)
	defer cancel()
	oldErr := os.Stderr
	os.Stderr = errOut
	done := followCLI(ctx, out, "--socket="+d.Address, "log", "-f", "-n", "1", "--json", "--action", "disable")
	os.Stderr = oldErr

	waitFor := func(what string, ok func(stdout, stderr string) bool) {
		t.Helper()
		for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			o, _ := os.ReadFile(out.Name())
			e, _ := os.ReadFile(errOut.Name())
			if ok(string(o), string(e)) {
				return
			}
		}
		o, _ := os.ReadFile(out.Name())
		e, _ := os.ReadFile(errOut.Name())
		t.Fatalf("log -f: %s; stdout:\n%s\nstderr:\n%s", what, o, e)
	}
	waitFor("the newest entry first", func(o, _ string) bool { return strings.Contains(o, "before-2") })
	d.Stop()
	waitFor("no word of the daemon going away", func(_, e string) bool { return strings.Contains(e, "reconnecting") })
	d.Restart()
	disabledAddin(t, d.Client, "after-restart")
	waitFor("no entry from after the restart", func(o, e string) bool {
		return strings.Contains(o, "after-restart") && strings.Contains(e, "back")
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(out.Name())
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var e storage.LogEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not JSON Lines: %q", line)
		}
		ids = append(ids, e.AddinID)
	}
	if got := strings.Join(ids, ","); got != "before-2,after-restart" {
		t.Errorf("followed entries = %s, want before-2 (the -n 1) then after-restart, each once", got)
	}
}

// In follow mode the table has fixed widths: every row's columns start where the
// header's do, however long the values.
func TestLogFollowTableStaysAligned(t *testing.T) {
	var b bytes.Buffer
	p := newLogPrinter(&b, "table", true)
	now := time.Now()
	p.emit([]storage.LogEntry{
		{Time: now, AddinID: "a", Action: "disable", Reason: "cpu", Value: 99, Threshold: 90, Unit: "%", By: "governance", Detail: "x"},
		{Time: now, AddinID: strings.Repeat("very-long-add-in-id-", 4), Action: "policy-changed", By: "policy", Detail: "long detail"},
	})
	p.emit([]storage.LogEntry{{Time: now, AddinID: "b", Action: "enable", Reason: "manual", By: "root"}})
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want a header and 3 rows:\n%s", len(lines), b.String())
	}
	for _, l := range lines {
		r := []rune(l)
		off := 0
		for _, c := range logColumns[:len(logColumns)-1] {
			off += c.width + 2
			if len(r) <= off || r[off-1] != ' ' || r[off] == ' ' {
				t.Errorf("a column does not start at %d in %q", off, l)
			}
		}
	}
}
