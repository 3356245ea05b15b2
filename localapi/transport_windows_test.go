//go:build windows

package localapi

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// Issue 12 item 12 on Windows: a pipe whose security descriptor refuses this account
// (ERROR_ACCESS_DENIED) is reported as "running but you may not connect", a missing
// pipe as unreachable. Wine does not enforce pipe security, so the mapping is tested
// with the errors themselves.
func TestIssue12_PipeAccessDeniedIsNotUnreachable(t *testing.T) {
	tests := []struct {
		err    error
		denied bool
	}{
		{fmt.Errorf("open pipe: %w", windows.ERROR_ACCESS_DENIED), true},
		{fmt.Errorf("open pipe: %w", windows.ERROR_FILE_NOT_FOUND), false},
		{fmt.Errorf("open pipe: %w", windows.ERROR_PIPE_BUSY), false},
	}
	for _, tt := range tests {
		err := dialError(PipeAddress, tt.err)
		if IsAccessDenied(err) != tt.denied || IsUnreachable(err) == tt.denied {
			t.Errorf("%v → %T %v; want access denied %v", tt.err, err, err, tt.denied)
		}
		if tt.denied && !strings.Contains(err.Error(), "running but you may not connect to "+PipeAddress) {
			t.Errorf("%v → %q", tt.err, err)
		}
	}
}

// A missing pipe, dialled for real, is unreachable.
func TestDialMissingPipeIsUnreachable(t *testing.T) {
	_, err := NewTransport(ListenOptions{}).Dial(t.Context(), testPipe(t))
	if !IsUnreachable(err) {
		t.Fatalf("dial a missing pipe: %T %v; want unreachable", err, err)
	}
}

// A client that polls for the daemon while it starts (the CLI after `addingovd start`,
// a test after a restart) is answered once the pipe is there, or fails and dials again:
// it never ends up on an instance nobody accepts. Under Wine go-winio's first instance
// is connectable; before Listen recreated the pipe when a client took it first, most of
// these clients waited forever.
func TestClientDiallingDuringListenIsServed(t *testing.T) {
	for i := range 25 {
		addr := testPipe(t)
		served := make(chan error, 1)
		stop := make(chan struct{})
		go func() { served <- pollUntilAnswered(addr, stop) }()
		time.Sleep(time.Duration(i%5) * time.Millisecond) // Listen at a different point of the poll
		l, err := NewTransport(ListenOptions{}).Listen(addr)
		if err != nil {
			close(stop)
			t.Fatal(err)
		}
		go echoOnce(l)
		err = <-served
		close(stop)
		l.Close()
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
	}
}

// pollUntilAnswered dials addr until a connection answers one byte, dialling again
// after any error but a read that never ends (10 s, far beyond an answer's time).
func pollUntilAnswered(addr string, stop <-chan struct{}) error {
	for {
		select {
		case <-stop:
			return errors.New("stopped")
		default:
		}
		timeout := 5 * time.Millisecond
		c, err := winio.DialPipe(addr, &timeout)
		if err != nil {
			continue
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		b := []byte{'x'}
		if _, err = c.Write(b); err == nil {
			_, err = c.Read(b)
		}
		c.Close()
		if err == nil {
			return nil
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("connected to an instance nobody accepts: %w", err)
		}
	}
}

// echoOnce answers every connection on l with the byte it reads, until l closes.
func echoOnce(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			b := make([]byte, 1)
			if _, err := c.Read(b); err == nil {
				_, _ = c.Write(b)
			}
		}()
	}
}
