//go:build !windows

package localapi

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// DefaultAddress is where the daemon listens when neither --socket nor ADDINGOV_SOCKET
// says otherwise: /run/addingov/addingovd.sock for root, else under $XDG_RUNTIME_DIR.
func DefaultAddress() string {
	if os.Geteuid() == 0 {
		return "/run/addingov/addingovd.sock"
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "addingov", "addingovd.sock")
	}
	return filepath.Join(os.TempDir(), "addingov-"+strconv.Itoa(os.Geteuid()), "addingovd.sock")
}

// ClientAddresses lists where a client looks for the daemon, in order: the caller's own
// default, then the system daemon's.
func ClientAddresses() []string {
	own := DefaultAddress()
	if own == "/run/addingov/addingovd.sock" {
		return []string{own}
	}
	return []string{own, "/run/addingov/addingovd.sock"}
}

// startHint says how to start the daemon, for UnreachableError.
const startHint = "start it with `addingovd run` (or `systemctl start addingovd`)"

// UnixTransport is the Unix domain socket transport.
type UnixTransport struct {
	Options ListenOptions
}

// NewTransport returns the platform's transport.
func NewTransport(opts ListenOptions) Transport { return &UnixTransport{Options: opts} }

// Listen implements Transport.
func (t *UnixTransport) Listen(addr string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(addr), 0o755); err != nil {
		return nil, fmt.Errorf("create socket directory: %w", err)
	}
	if _, err := os.Lstat(addr); err == nil {
		c, err := net.DialTimeout("unix", addr, 500*time.Millisecond)
		if err == nil {
			c.Close()
			return nil, fmt.Errorf("another daemon is already listening on %s: stop it, or pass a different --socket", addr)
		}
		// Nothing answers: a stale socket left by a daemon that died.
		if err := os.Remove(addr); err != nil {
			return nil, fmt.Errorf("remove stale socket %s: %w", addr, err)
		}
	}
	l, err := net.Listen("unix", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	mode := os.FileMode(t.Options.Mode)
	if mode == 0 {
		mode = 0o660
	}
	if mode&0o007 != 0 {
		l.Close()
		return nil, fmt.Errorf("socket mode %#o gives access to every user: use 0600 or 0660", mode)
	}
	if err := os.Chmod(addr, mode); err != nil {
		l.Close()
		return nil, fmt.Errorf("set socket mode: %w", err)
	}
	if t.Options.Group > 0 {
		if err := os.Chown(addr, -1, t.Options.Group); err != nil {
			l.Close()
			return nil, fmt.Errorf("set socket group %d: %w", t.Options.Group, err)
		}
	}
	return l, nil
}

// Dial implements Transport.
func (t *UnixTransport) Dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", addr)
	if err != nil {
		return nil, &UnreachableError{Addr: addr, Err: err}
	}
	return c, nil
}
