//go:build !windows

package daemon

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/internal/apitest"
	"addingov/localapi"
	"addingov/storage"
)

// Issue 12 item 14: a second daemon never takes over a live daemon's socket. With the
// same state directory it stops at the state lock before touching the socket; with its
// own state directory it refuses a socket whose daemon is stopped (SIGSTOP) with its
// accept backlog full. Either way the first daemon's socket stays, and the first daemon
// answers on it once it continues.
func TestIssue12_SocketTakeoverRefused(t *testing.T) {
	dir := tempDir(t)
	stateA, addr := filepath.Join(dir, "a"), filepath.Join(dir, "api.sock")
	a := exec.Command(os.Args[0], "-test.run=^$")
	a.Env = append(os.Environ(), "ADDINGOV_TEST_CHILD=daemon", "ADDINGOV_TEST_DIR="+stateA, "ADDINGOV_TEST_SOCKET="+addr)
	a.Stderr = os.Stderr
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Process.Signal(syscall.SIGCONT); a.Process.Kill(); a.Wait() })
	client := localapi.NewClient(localapi.NewTransport(localapi.ListenOptions{}), addr)
	waitFor(t, 10*time.Second, "daemon A", func() bool { _, err := client.Status(context.Background()); return err == nil })
	socketA, err := os.Lstat(addr)
	if err != nil {
		t.Fatal(err)
	}
	stillA := func(when string) {
		t.Helper()
		if now, err := os.Lstat(addr); err != nil || !os.SameFile(now, socketA) {
			t.Fatalf("%s: daemon A's socket was removed or replaced (%v)", when, err)
		}
	}

	// B with A's state directory: the state lock stops it before the socket.
	_, err = New(Config{StateDir: stateA, Address: addr, Policy: testPolicy{fastPolicy()}, Log: zerolog.Nop()})
	if !errors.Is(err, storage.ErrLocked) || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("daemon B on A's state directory: %v; want the state lock's refusal", err)
	}
	stillA("after B on the same state directory")

	// A stops and its backlog fills up, so connecting says EAGAIN, as in the report.
	if err := a.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	_, release := apitest.FillBacklog(t, addr)
	b, err := New(Config{StateDir: filepath.Join(dir, "b"), Address: addr, Policy: testPolicy{fastPolicy()}, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		cancel()
		<-done
		t.Fatal("daemon B started serving A's socket")
	}
	if err == nil || !strings.Contains(err.Error(), "another daemon") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("daemon B on A's socket: %v; want a refusal naming the socket", err)
	}
	stillA("after B with its own state directory")

	if err := a.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	release()
	// A fresh client: no connection kept alive from before the stop.
	fresh := localapi.NewClient(localapi.NewTransport(localapi.ListenOptions{}), addr)
	var s localapi.Status
	waitFor(t, 20*time.Second, "daemon A to answer after SIGCONT", func() bool {
		s, err = fresh.Status(context.Background())
		return err == nil
	})
	if s.PID != a.Process.Pid {
		t.Fatalf("after SIGCONT the socket is served by pid %d; want daemon A (pid %d)", s.PID, a.Process.Pid)
	}
}
