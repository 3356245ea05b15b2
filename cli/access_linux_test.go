//go:build linux

package cli

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"addingov/daemon/daemontest"
	"addingov/internal/asuser"
	"addingov/localapi"
)

const envCLIArgs = "ADDINGOV_CLI_ARGS"

// TestCLIAsUserHelper is not a test: it runs the CLI with the arguments in
// ADDINGOV_CLI_ARGS (one per line) and exits with its code, as another user.
func TestCLIAsUserHelper(t *testing.T) {
	if args := os.Getenv(envCLIArgs); args != "" {
		os.Exit(Main(strings.Split(args, "\n")))
	}
}

// runCLIAs runs the CLI as uid and returns its exit code and stderr.
func runCLIAs(t *testing.T, uid int, args ...string) (int, string) {
	t.Helper()
	cmd := asuser.Command(t, uid, "TestCLIAsUserHelper", envCLIArgs+"="+strings.Join(args, "\n"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stderr.String()
	default:
		t.Fatalf("run the CLI as uid %d: %v", uid, err)
		return 0, ""
	}
}

// Issue 12 item 12: a socket this user may not open means the daemon is running and
// the user lacks access (exit 5, naming the group to join); only a missing socket or one
// nobody listens on means the daemon is not running (exit 3).
func TestIssue12_SocketPermissionDeniedNamesTheGroup(t *testing.T) {
	asuser.Require(t)
	const gid = asuser.Group - 1 // a group the CLI's user (gid asuser.Group) is not in
	d := daemontest.Start(t, daemontest.Options{Listen: localapi.ListenOptions{Mode: 0o660, Group: gid}})
	if err := os.Chmod(d.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	group := strconv.Itoa(gid)
	if g, err := user.LookupGroupId(group); err == nil {
		group = g.Name
	}
	dir := asuser.Dir(t)
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if err := os.Chmod(stale, 0o666); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, socket string
		code         int
		want, never  []string
	}{
		{"permission denied", d.Address, ExitAccessDenied,
			[]string{"the daemon is running but you may not connect to " + d.Address, "add you to group " + group, "--socket-group"},
			[]string{"start it", "not reachable"}},
		{"no socket", filepath.Join(dir, "missing.sock"), ExitUnreachable, []string{"not reachable", "addingovd run"}, []string{"may not connect"}},
		{"nobody listening", stale, ExitUnreachable, []string{"not reachable", "addingovd run"}, []string{"may not connect"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr := runCLIAs(t, asuser.Nobody, "--socket", tt.socket, "status")
			if code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr %s", code, tt.code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not say %q", stderr, w)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(stderr, n) {
					t.Errorf("stderr %q says %q", stderr, n)
				}
			}
		})
	}
	// The daemon's own user (root) still gets through.
	if code, stderr := runCLIAs(t, 0, "--socket", d.Address, "status"); code != ExitOK {
		t.Fatalf("root: exit %d: %s", code, stderr)
	}
}
