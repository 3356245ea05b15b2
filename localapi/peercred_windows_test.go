//go:build windows

package localapi

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows"
)

// These tests run for real on Windows and under Wine (scripts/wine-test.sh). Wine admits
// every client whatever the SDDL says and impersonation there yields the server's own
// token, so they check what both share: the pipe path, the pid, a well-formed SID.

var pipeSeq atomic.Int32

// testPipe returns a fresh pipe path under the protected prefix, as the daemon uses.
func testPipe(t *testing.T) string {
	t.Helper()
	return fmt.Sprintf(`\\.\pipe\ProtectedPrefix\Administrators\AddinGov\test-%d-%d`, os.Getpid(), pipeSeq.Add(1))
}

// acceptOne listens on addr and returns the listener and a channel that yields the
// identity of the first accepted connection.
func acceptOne(t *testing.T, addr string) (net.Listener, <-chan identityResult) {
	t.Helper()
	l, err := NewTransport(ListenOptions{}).Listen(addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { l.Close() })
	out := make(chan identityResult, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			out <- identityResult{err: err}
			return
		}
		defer c.Close()
		id, err := PeerIdentity(c)
		out <- identityResult{caller: id, err: err}
	}()
	return l, out
}

type identityResult struct {
	caller Caller
	err    error
}

func waitIdentity(t *testing.T, ch <-chan identityResult) Caller {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("PeerIdentity: %v", r.err)
		}
		return r.caller
	case <-time.After(20 * time.Second):
		t.Fatal("no connection was accepted within 20 s")
		return Caller{}
	}
}

func TestPeerIdentityOverPipe(t *testing.T) {
	tests := []struct {
		name string
		// connect dials addr and returns the pid the server should see and a cleanup.
		connect func(t *testing.T, addr string) (int32, func())
	}{
		{"same process", func(t *testing.T, addr string) (int32, func()) {
			c, err := NewTransport(ListenOptions{}).Dial(context.Background(), addr)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			return int32(os.Getpid()), func() { c.Close() }
		}},
		{"another process", func(t *testing.T, addr string) (int32, func()) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPipeClient$")
			cmd.Env = append(os.Environ(), "ADDINGOV_TEST_PIPE_CLIENT="+addr)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatalf("start client process: %v", err)
			}
			// The helper prints "connected" once its dial succeeded, then holds the
			// connection until its stdin closes.
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || strings.TrimSpace(line) != "connected" {
				stdin.Close()
				cmd.Wait()
				t.Fatalf("client process: %q, %v", line, err)
			}
			return int32(cmd.Process.Pid), func() {
				stdin.Close()
				cmd.Wait()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := testPipe(t)
			_, ids := acceptOne(t, addr)
			wantPID, done := tt.connect(t, addr)
			defer done()
			got := waitIdentity(t, ids)
			if got.PID != wantPID {
				t.Errorf("PID = %d, want the client's %d", got.PID, wantPID)
			}
			if !got.Known {
				t.Error("Known = false for a pipe client")
			}
			if !strings.HasPrefix(got.UID, "S-1-") {
				t.Errorf("UID = %q, want a user SID", got.UID)
			}
			// The SID must belong to a real account: it round-trips through the system.
			if _, err := windows.StringToSid(got.UID); err != nil {
				t.Errorf("UID %q does not parse as a SID: %v", got.UID, err)
			}
		})
	}
}

// TestHelperPipeClient is not a test: it is the client process of
// TestPeerIdentityOverPipe, started with ADDINGOV_TEST_PIPE_CLIENT set.
func TestHelperPipeClient(t *testing.T) {
	addr := os.Getenv("ADDINGOV_TEST_PIPE_CLIENT")
	if addr == "" {
		t.Skip("helper process for TestPeerIdentityOverPipe")
	}
	c, err := NewTransport(ListenOptions{}).Dial(context.Background(), addr)
	if err != nil {
		fmt.Println("dial failed:", err)
		os.Exit(1)
	}
	fmt.Println("connected")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	c.Close()
	os.Exit(0)
}

// statusBackend answers Status with the caller the server identified; the server test
// calls nothing else.
type statusBackend struct{ Backend }

func (statusBackend) Status(ctx context.Context) (Status, error) {
	return Status{Version: "pipe-test", Caller: CallerFrom(ctx)}, nil
}

func TestAPIOverPipeCarriesCaller(t *testing.T) {
	addr := testPipe(t)
	tr := NewTransport(ListenOptions{})
	l, err := tr.Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(statusBackend{}, zerolog.Nop())
	go s.Serve(l)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 3 { // several requests: the listener keeps accepting after the first
		st, err := NewClient(tr, addr).Status(ctx)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if st.Version != "pipe-test" || st.Caller.PID != int32(os.Getpid()) || !st.Caller.Known {
			t.Errorf("request %d: status %+v, want this process as a known caller", i, st)
		}
	}
}

func TestListenErrors(t *testing.T) {
	busy := testPipe(t)
	l, err := NewTransport(ListenOptions{}).Listen(busy)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		name, addr, sddl, want string
	}{
		{"pipe already served", busy, "", "already serving"},
		{"not a pipe path", `C:\ProgramData\AddinGov\addingovd.sock`, "", "is not a named pipe"},
		{"pipe prefix only", `\\.\pipe\`, "", "is not a named pipe"},
		{"malformed SDDL", testPipe(t), "D:(this is not SDDL", "listen on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l2, err := NewTransport(ListenOptions{SDDL: tt.sddl}).Listen(tt.addr)
			if err == nil {
				l2.Close()
				t.Fatalf("Listen(%q) succeeded, want an error containing %q", tt.addr, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Listen(%q) = %v, want it to contain %q", tt.addr, err, tt.want)
			}
		})
	}
}

func TestDialUnreachable(t *testing.T) {
	tests := []struct{ name, addr string }{
		{"no such pipe", `\\.\pipe\AddinGov-test-nobody-listens-` + strconv.Itoa(os.Getpid())},
		{"not a pipe path", `/run/addingov/addingovd.sock`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := NewTransport(ListenOptions{}).Dial(ctx, tt.addr)
			if err == nil {
				c.Close()
				t.Fatal("dial succeeded")
			}
			if !IsUnreachable(err) {
				t.Errorf("error %v is not an UnreachableError", err)
			}
		})
	}
}

func TestDefaultAddresses(t *testing.T) {
	if DefaultAddress() != PipeAddress {
		t.Errorf("DefaultAddress() = %q, want %q", DefaultAddress(), PipeAddress)
	}
	if got := ClientAddresses(); len(got) != 1 || got[0] != PipeAddress {
		t.Errorf("ClientAddresses() = %q, want [%q]", got, PipeAddress)
	}
	if !strings.HasPrefix(PipeAddress, `\\.\pipe\ProtectedPrefix\Administrators\`) {
		t.Errorf("PipeAddress %q is outside the administrators' protected prefix", PipeAddress)
	}
}

// TestDefaultSDDL checks the descriptor Windows builds from DefaultSDDL: exactly SYSTEM
// and Administrators with full control, and interactive users with read and write but
// not the right to create pipe instances.
func TestDefaultSDDL(t *testing.T) {
	sd, err := windows.SecurityDescriptorFromString(DefaultSDDL)
	if err != nil {
		t.Fatalf("parse DefaultSDDL: %v", err)
	}
	control, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	if control&windows.SE_DACL_PROTECTED == 0 {
		t.Error("the DACL is not protected: inherited entries could widen it")
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	const (
		fileCreatePipeInstance = 0x4
		fileReadData           = 0x1
		fileWriteData          = 0x2
	)
	want := []struct {
		name  string
		sid   windows.WELL_KNOWN_SID_TYPE
		check func(mask windows.ACCESS_MASK) error
	}{
		{"SYSTEM", windows.WinLocalSystemSid, fullControl},
		{"Administrators", windows.WinBuiltinAdministratorsSid, fullControl},
		{"interactive users", windows.WinInteractiveSid, func(m windows.ACCESS_MASK) error {
			if m&(fileReadData|fileWriteData) != fileReadData|fileWriteData {
				return fmt.Errorf("mask %#x lacks read or write data", m)
			}
			if m&(fileCreatePipeInstance|windows.GENERIC_ALL|windows.GENERIC_WRITE|windows.WRITE_DAC|windows.WRITE_OWNER) != 0 {
				return fmt.Errorf("mask %#x lets users create pipe instances or change the pipe's security", m)
			}
			return nil
		}},
	}
	for i, w := range want {
		t.Run(w.name, func(t *testing.T) {
			var ace *windows.ACCESS_ALLOWED_ACE
			if err := windows.GetAce(dacl, uint32(i), &ace); err != nil {
				t.Fatalf("ACE %d: %v", i, err)
			}
			if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
				t.Errorf("ACE %d has type %d, want an allow entry", i, ace.Header.AceType)
			}
			sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
			if !sid.IsWellKnown(w.sid) {
				t.Errorf("ACE %d is for %s, want %s", i, sid, w.name)
			}
			if err := w.check(ace.Mask); err != nil {
				t.Error(err)
			}
		})
	}
	var extra *windows.ACCESS_ALLOWED_ACE
	if err := windows.GetAce(dacl, uint32(len(want)), &extra); err == nil {
		t.Errorf("the DACL has more than %d entries", len(want))
	}
}

func fullControl(m windows.ACCESS_MASK) error {
	if m != windows.GENERIC_ALL && m&fileAllAccess != fileAllAccess {
		return fmt.Errorf("mask %#x is not full control", m)
	}
	return nil
}

// fileAllAccess is FILE_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF).
const fileAllAccess = 0x1F01FF
