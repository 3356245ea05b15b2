//go:build !windows

// Package asuser runs the current test binary again as another user, for tests that
// need a second real uid at the other end of a socket. Only root may switch users, so
// Require skips a test run by anyone else (CI runs the tests as root).
package asuser

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// Nobody is the unprivileged account the tests act as; Other is a second one. Neither
// needs an entry in /etc/passwd: the kernel takes any uid.
const (
	Nobody = 65534
	Other  = 65533
	// Group is the gid both accounts run with.
	Group = 65534
)

// Require skips t unless the test runs as root.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test runs clients as other users (uid 65534 and 65533) against a real socket; CI runs it as root")
	}
}

// Dir returns a fresh directory every user may enter (for sockets and the binary).
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "asuser")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Command runs the test function named helper of the running test binary as uid (with
// gid Group), with env added to a minimal environment. The go tool keeps its test
// binaries where only root may read them, so the binary is first copied into a
// directory every user may enter.
func Command(t testing.TB, uid int, helper string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t), "-test.run=^"+helper+"$")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=/"}, env...)
	cmd.Dir = "/"
	if uid != os.Geteuid() {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: Group}}
	}
	return cmd
}

// binary copies the running test binary into a directory every user may enter, for
// the rest of the test.
func binary(t testing.TB) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(Dir(t), filepath.Base(self))
	if err := copyFile(self, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
