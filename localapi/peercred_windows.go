//go:build windows

package localapi

import (
	"fmt"
	"net"
	"runtime"

	"golang.org/x/sys/windows"
)

// pipeHandle is what go-winio's pipe connections expose: the pipe's handle.
type pipeHandle interface {
	Fd() uintptr
}

var procImpersonateNamedPipeClient = windows.NewLazySystemDLL("advapi32.dll").NewProc("ImpersonateNamedPipeClient")

// PeerIdentity reads who is on the other end of a named pipe connection: the client's
// process id from the pipe (GetNamedPipeClientProcessId), and its user SID and whether it
// is an elevated administrator from its token, read by impersonating the client for as
// long as it takes to open the token.
//
// Under Wine the pid is right but impersonation yields the server's own token.
func PeerIdentity(conn net.Conn) (Caller, error) {
	p, ok := conn.(pipeHandle)
	if !ok {
		return Caller{}, fmt.Errorf("peer identity: %T is not a named pipe connection", conn)
	}
	h := windows.Handle(p.Fd())
	var pid uint32
	if err := windows.GetNamedPipeClientProcessId(h, &pid); err != nil {
		return Caller{}, fmt.Errorf("peer identity: client process id: %w", err)
	}
	id, err := clientToken(h)
	if err != nil {
		return Caller{}, fmt.Errorf("peer identity of pid %d: %w", pid, err)
	}
	return Caller{PID: int32(pid), UID: id.sid, User: id.user, Admin: id.admin, Known: true}, nil
}

// tokenIdentity is what the server learns from the client's token.
type tokenIdentity struct {
	sid   string
	user  string // DOMAIN\name, empty when the SID does not resolve
	admin bool
}

// clientToken impersonates the pipe's client on a dedicated, locked OS thread, copies what
// it needs from the thread token, and reverts. Impersonation belongs to the thread: if
// RevertToSelf failed and the thread went back to the Go scheduler, unrelated goroutines
// would run as the client. So the work runs in its own goroutine, and on a failed revert
// that goroutine exits still locked, which makes the runtime terminate the thread.
func clientToken(pipe windows.Handle) (tokenIdentity, error) {
	type result struct {
		id  tokenIdentity
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		id, reverted, err := impersonateAndRead(pipe)
		if reverted {
			runtime.UnlockOSThread()
		}
		done <- result{id, err}
	}()
	r := <-done
	return r.id, r.err
}

// impersonateAndRead must run on a locked thread. reverted is false only when the thread
// may still carry the client's identity.
func impersonateAndRead(pipe windows.Handle) (id tokenIdentity, reverted bool, err error) {
	if r, _, e := procImpersonateNamedPipeClient.Call(uintptr(pipe)); r == 0 {
		return id, true, fmt.Errorf("impersonate the pipe client: %w", e)
	}
	var tok windows.Token
	// openAsSelf: open the token with the service's own rights; an identification-level
	// token does not let the client's identity open objects.
	openErr := windows.OpenThreadToken(windows.CurrentThread(), windows.TOKEN_QUERY, true, &tok)
	if err := windows.RevertToSelf(); err != nil {
		if openErr == nil {
			tok.Close()
		}
		return id, false, fmt.Errorf("stop impersonating the pipe client: %w", err)
	}
	if openErr != nil {
		return id, true, fmt.Errorf("open the client's token: %w", openErr)
	}
	defer tok.Close()
	id, err = readToken(tok)
	return id, true, err
}

// readToken reads the user and administrator status from a token. A member of
// Administrators counts as an administrator only with its full (elevated) token:
// CheckTokenMembership ignores the deny-only Administrators group of a UAC-filtered token,
// so a non-elevated administrator is an ordinary user here, as with every Windows tool.
func readToken(tok windows.Token) (tokenIdentity, error) {
	u, err := tok.GetTokenUser()
	if err != nil {
		return tokenIdentity{}, fmt.Errorf("read the client's token user: %w", err)
	}
	id := tokenIdentity{sid: u.User.Sid.String()}
	if account, domain, _, err := u.User.Sid.LookupAccount(""); err == nil {
		id.user = account
		if domain != "" {
			id.user = domain + `\` + account
		}
	}
	admins, err := windows.CreateWellKnownSid(windows.WinBuiltinAdministratorsSid)
	if err != nil {
		return tokenIdentity{}, fmt.Errorf("build the Administrators SID: %w", err)
	}
	member, err := tok.IsMember(admins)
	if err != nil {
		return tokenIdentity{}, fmt.Errorf("check the client's Administrators membership: %w", err)
	}
	id.admin = member || u.User.Sid.IsWellKnown(windows.WinLocalSystemSid)
	return id, nil
}
