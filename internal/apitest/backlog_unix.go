//go:build !windows

package apitest

import (
	"errors"
	"syscall"
	"testing"
)

// FillBacklog connects to the Unix socket at addr without ever being accepted, until
// the listener's accept backlog is full and connect fails with EAGAIN, as it does for a
// daemon that is stopped (SIGSTOP) or hung. It returns how many connections that took,
// and a function closing them (they are closed at the end of the test too).
func FillBacklog(t testing.TB, addr string) (int, func()) {
	t.Helper()
	var fds []int
	release := func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
		fds = nil
	}
	t.Cleanup(release)
	for len(fds) < 100000 {
		fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatalf("socket: %v", err)
		}
		err = syscall.Connect(fd, &syscall.SockaddrUnix{Name: addr})
		if errors.Is(err, syscall.EAGAIN) {
			syscall.Close(fd)
			return len(fds), release
		}
		fds = append(fds, fd)
		if err != nil {
			t.Fatalf("connect %s: %v", addr, err)
		}
	}
	t.Fatalf("%s accepted 100000 connections without its backlog filling up", addr)
	return 0, release
}
