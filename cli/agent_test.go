package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/daemon"
	"addingov/localapi"
	"addingov/notify"
	"addingov/registrypolicy"
	"addingov/storage"
)

// agentDaemon runs a real daemon with n notices and returns its socket.
func agentDaemon(t *testing.T, n int) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "agentcli")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	policy, err := registrypolicy.NewProvider(func() (registrypolicy.Store, error) { return registrypolicy.NewMemoryStore(), nil },
		zerolog.Nop(), registrypolicy.WithPollInterval(-1))
	if err != nil {
		t.Fatal(err)
	}
	addr := filepath.Join(dir, "d.sock")
	d, err := daemon.New(daemon.Config{StateDir: filepath.Join(dir, "state"), Address: addr,
		Listen: localapi.ListenOptions{Mode: 0o600, Group: -1}, Policy: policy, Log: zerolog.Nop(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := d.DB().AppendNotice(storage.Notice{Time: time.Now(), AddinID: "addin-" + string(rune('a'+i)),
			Level: storage.NoticeWarning, Title: "Add-in turned off", Text: "It used too much CPU."}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := d.Client().Status(context.Background()); err == nil {
			return addr
		} else if time.Now().After(deadline) {
			t.Fatalf("daemon did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func agentGlobals(socket string, asJSON bool) (*globals, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &globals{socket: socket, json: asJSON, out: &out, errOut: &errOut}, &out, &errOut
}

func TestAgentOnceJSONDeliversEachNoticeOnce(t *testing.T) {
	addr := agentDaemon(t, 2)
	state := filepath.Join(t.TempDir(), "agent.seq")
	flags := agentFlags{once: true, via: "none", stateFile: state, maxAge: time.Hour, logLevel: "warn"}
	runs := []struct {
		name string
		want []uint64
	}{
		{name: "first run", want: []uint64{1, 2}},
		{name: "second run", want: nil},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			g, out, errOut := agentGlobals(addr, true)
			if err := runAgent(context.Background(), g, flags); err != nil {
				t.Fatalf("agent --once: %v\n%s", err, errOut)
			}
			var got []uint64
			dec := json.NewDecoder(out)
			for dec.More() {
				var n storage.Notice
				if err := dec.Decode(&n); err != nil {
					t.Fatalf("stdout is not JSON Lines: %v\n%s", err, out)
				}
				got = append(got, n.Seq)
			}
			if !slices.Equal(got, r.want) {
				t.Errorf("delivered %v, want %v", got, r.want)
			}
		})
	}
}

func TestAgentTerminalOutput(t *testing.T) {
	addr := agentDaemon(t, 1)
	g, out, errOut := agentGlobals(addr, false)
	err := runAgent(context.Background(), g, agentFlags{once: true, via: "terminal",
		stateFile: filepath.Join(t.TempDir(), "agent.seq"), logLevel: "warn"})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out.String(), "[addingov WARNING]") || !strings.Contains(out.String(), "It used too much CPU.") {
		t.Errorf("terminal output:\n%s", out)
	}
}

func TestAgentFlagErrors(t *testing.T) {
	state := filepath.Join(t.TempDir(), "agent.seq")
	tests := []struct {
		name    string
		json    bool
		flags   agentFlags
		wantErr string
	}{
		{name: "none without json", flags: agentFlags{via: "none", logLevel: "info"}, wantErr: "--via none shows nothing"},
		{name: "unknown via", flags: agentFlags{via: "pigeon", logLevel: "info"}, wantErr: `--via "pigeon"`},
		{name: "bad log level", flags: agentFlags{via: "terminal", logLevel: "loud"}, wantErr: "--log-level"},
		{name: "negative max age", flags: agentFlags{via: "terminal", logLevel: "info", maxAge: -time.Second}, wantErr: "--max-age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.flags.stateFile = state
			g, _, _ := agentGlobals(filepath.Join(t.TempDir(), "none.sock"), tt.json)
			err := runAgent(context.Background(), g, tt.flags)
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want a usage error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestAgentOnceWithoutDaemonIsUnreachable(t *testing.T) {
	g, _, _ := agentGlobals(filepath.Join(t.TempDir(), "none.sock"), false)
	err := runAgent(context.Background(), g, agentFlags{once: true, via: "terminal",
		stateFile: filepath.Join(t.TempDir(), "agent.seq"), logLevel: "info"})
	if !localapi.IsUnreachable(err) {
		t.Fatalf("err = %v, want unreachable (exit code %d)", err, ExitUnreachable)
	}
}

func TestAgentRefusesASecondInstance(t *testing.T) {
	state := filepath.Join(t.TempDir(), "agent.seq")
	lock, err := notify.AcquireLock(state + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	g, _, _ := agentGlobals(filepath.Join(t.TempDir(), "none.sock"), false)
	err = runAgent(context.Background(), g, agentFlags{once: true, via: "terminal", stateFile: state, logLevel: "info"})
	if !errors.Is(err, notify.ErrAlreadyRunning) {
		t.Fatalf("err = %v, want ErrAlreadyRunning", err)
	}
}

func TestAgentInstallAutostart(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	g, out, _ := agentGlobals("", false)
	if err := installAgentAutostart(g); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cfg, "autostart", notify.AutostartFileName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("autostart entry not written: %v", err)
	}
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	if string(data) != notify.AutostartEntry(exe) {
		t.Errorf("entry:\n%s\nwant the entry for %s", data, exe)
	}
	if !strings.Contains(out.String(), path) {
		t.Errorf("the message does not name the file: %s", out)
	}
}
