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
	// Listen claims addr. It replaces a stale endpoint only when nothing answers on it,
	// and never replaces anything that is not one of its endpoints.
	Listen(addr string) (net.Listener, error)
	// Dial connects to a daemon listening on addr. Its errors are an *AccessDeniedError
	// when a daemon may be there but refuses this account, else an *UnreachableError.
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

// AccessDeniedError means the operating system refused this account the daemon's
// endpoint (permission denied on the socket, ERROR_ACCESS_DENIED on the pipe): the
// daemon is most likely running, and starting another would not help.
type AccessDeniedError struct {
	Addr string
	Err  error
	// Hint says how to get access (which group to join).
	Hint string
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("the daemon is running but you may not connect to %s (%v): %s", e.Addr, e.Err, e.Hint)
}

func (e *AccessDeniedError) Unwrap() error { return e.Err }

// IsAccessDenied reports whether err means this account may not use the endpoint.
func IsAccessDenied(err error) bool {
	var a *AccessDeniedError
	return errors.As(err, &a)
}
