package localapi

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// Transport carries the API: a Unix domain socket on Linux, a named pipe on Windows.
// Both hand the server connections from which PeerIdentity can read the caller.
type Transport interface {
	// Listen claims addr. It replaces a stale endpoint only when nothing answers on it.
	Listen(addr string) (net.Listener, error)
	// Dial connects to a daemon listening on addr.
	Dial(ctx context.Context, addr string) (net.Conn, error)
}

// ListenOptions tune the local endpoint's access control.
type ListenOptions struct {
	// Mode is the Unix socket's permission bits (0600 or 0660); 0 means 0660.
	Mode uint32
	// Group, when >= 0, is the gid the Unix socket is given, so members of that group
	// may connect. -1 leaves the daemon's own group.
	Group int
	// SDDL is the Windows pipe's security descriptor; empty means the default
	// (see the Windows transport).
	SDDL string
}

// UnreachableError means no daemon answered at Addr.
type UnreachableError struct {
	Addr string
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("addingovd is not reachable at %s (%v): %s, or point --socket / ADDINGOV_SOCKET at the right address", e.Addr, e.Err, startHint)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err means no daemon answered.
func IsUnreachable(err error) bool {
	var u *UnreachableError
	return errors.As(err, &u)
}
