package localapi

import (
	"context"
	"net"
)

// Caller is who is on the other end of a connection, as the operating system reports
// it: never what the client claims.
type Caller struct {
	PID   int32  `json:"pid"`
	UID   string `json:"uid"`            // numeric uid on Unix, the user SID on Windows
	User  string `json:"user,omitempty"` // account name when known
	Admin bool   `json:"admin"`          // root, or a member of Administrators with an elevated token
	// Known is false when the transport could not identify the peer; such a caller is
	// treated as an unprivileged user with no identity.
	Known bool `json:"known"`
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller stored in ctx by the server.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}

// connContext is http.Server.ConnContext: it identifies the peer once per connection.
func connContext(ctx context.Context, conn net.Conn) context.Context {
	if lc, ok := conn.(*limitedConn); ok { // identified when it was accepted
		return WithCaller(ctx, lc.caller)
	}
	c, err := PeerIdentity(conn)
	if err != nil {
		return WithCaller(ctx, Caller{})
	}
	return WithCaller(ctx, c)
}

// Name names the caller in log entries and grants: the account name, else the uid.
func (c Caller) Name() string {
	switch {
	case !c.Known:
		return "unknown caller"
	case c.User != "":
		return c.User
	default:
		return "uid " + c.UID
	}
}

// MayRead reports whether the caller may see an add-in of the given scope and owner:
// its owner may, everyone may see machine-wide add-ins and those with no owner, and
// administrators see everything.
func (c Caller) MayRead(scope, owner string) bool {
	return c.Admin || scope == "machine" || owner == "" || (c.Known && owner == c.UID)
}
