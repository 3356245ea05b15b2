//go:build windows

package localapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// PipeAddress is the daemon's named pipe. Only an administrator (or SYSTEM) may create a
// pipe under \\.\pipe\ProtectedPrefix\Administrators\, so an unprivileged process cannot
// create it first and pose as the daemon to the CLI and to hosts. Wine accepts this path
// but does not enforce the prefix.
const PipeAddress = `\\.\pipe\ProtectedPrefix\Administrators\AddinGov\addingovd`

// DefaultSDDL is the pipe's security descriptor when ListenOptions.SDDL is empty:
//
//   - D:P — a protected DACL, so nothing is inherited from the pipe file system's defaults;
//   - (A;;GA;;;SY) and (A;;GA;;;BA) — SYSTEM (the service) and Administrators have full
//     control;
//   - (A;;0x12019b;;;IU) — interactive users (the people at the desktop and the hosts they
//     run, e.g. Outlook) may read and write: FILE_GENERIC_READ | FILE_GENERIC_WRITE without
//     FILE_CREATE_PIPE_INSTANCE (0x4). Plain GW would include that right and let any user
//     add an instance of the daemon's own pipe and answer some clients in its place.
//
// Network logons, services and other non-interactive accounts are not admitted; the pipe
// also rejects remote clients. Wine does not enforce pipe security descriptors: under Wine
// every local process can connect whatever this says.
const DefaultSDDL = `D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x12019b;;;IU)`

// pipePrefix is how every local named pipe path starts.
const pipePrefix = `\\.\pipe\`

// dialTimeout bounds a dial whose context has no deadline: go-winio retries a busy pipe
// until the context ends.
const dialTimeout = 5 * time.Second

// DefaultAddress is where the daemon listens when neither --socket nor ADDINGOV_SOCKET
// says otherwise: the protected named pipe.
// startHint says how to start the daemon, for UnreachableError.
const startHint = "start the AddinGov service with `addingovd start` (as an administrator), or run `addingovd run` in a console"

func DefaultAddress() string { return PipeAddress }

// ClientAddresses lists where a client looks for the daemon: the service's pipe.
func ClientAddresses() []string { return []string{PipeAddress} }

// PipeTransport is the named-pipe transport.
type PipeTransport struct {
	Options ListenOptions
}

// NewTransport returns the platform's transport.
func NewTransport(opts ListenOptions) Transport { return &PipeTransport{Options: opts} }

var _ Transport = (*PipeTransport)(nil)

// Listen implements Transport. A named pipe vanishes with the last handle to it, so there
// is never a stale endpoint to replace: if the pipe exists, a live process serves it.
func (t *PipeTransport) Listen(addr string) (net.Listener, error) {
	if err := checkPipeAddress(addr); err != nil {
		return nil, err
	}
	// Windows refuses to create a pipe that exists; Wine creates a second one beside it,
	// so ask first whether a server holds it.
	if pipeInUse(addr) {
		return nil, alreadyServed(addr)
	}
	sddl := t.Options.SDDL
	if sddl == "" {
		sddl = DefaultSDDL
	}
	listen := func() (net.Listener, error) {
		l, err := winio.ListenPipe(addr, &winio.PipeConfig{
			SecurityDescriptor: sddl,
			InputBufferSize:    64 << 10,
			OutputBufferSize:   64 << 10,
		})
		if err != nil {
			return nil, listenError(addr, err)
		}
		return l, nil
	}
	if !runningUnderWine() {
		return listen()
	}
	// Under Wine the first client may take the instance nobody accepts (primeWinePipe).
	// When one beat the prime to it, closing the listener fails that client's request
	// (it sees a broken pipe and can retry) instead of leaving it waiting forever.
	for attempt := 1; ; attempt++ {
		l, err := listen()
		if err != nil {
			return nil, err
		}
		if primeWinePipe(addr) {
			return l, nil
		}
		l.Close()
		if attempt == winePrimeAttempts {
			return nil, fmt.Errorf("listen on %s: under Wine, another client kept taking the pipe's first instance before it could be used up (%d tries): stop the clients dialling it and start again", addr, attempt)
		}
	}
}

// winePrimeAttempts bounds how often Listen recreates the pipe under Wine because a
// client took its unaccepted first instance before primeWinePipe could.
const winePrimeAttempts = 20

// Dial implements Transport. The client offers only identification-level impersonation:
// enough for the daemon to read the caller's token, never to act as the caller.
func (t *PipeTransport) Dial(ctx context.Context, addr string) (net.Conn, error) {
	if err := checkPipeAddress(addr); err != nil {
		return nil, &UnreachableError{Addr: addr, Err: err}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, dialTimeout)
		defer cancel()
	}
	c, err := winio.DialPipeAccessImpLevel(ctx, addr, windows.GENERIC_READ|windows.GENERIC_WRITE, winio.PipeImpLevelIdentification)
	if err != nil {
		return nil, dialError(addr, err)
	}
	return c, nil
}

// dialError tells "the service runs but its pipe refuses you" from "no service". Opening
// a pipe whose security descriptor grants the caller no read/write access fails with
// ERROR_ACCESS_DENIED (Microsoft, "Named Pipe Security and Access Rights"; CreateFile's
// documentation); a missing pipe fails with ERROR_FILE_NOT_FOUND. Wine does not enforce
// pipe security descriptors, so only the mapping is tested there.
func dialError(addr string, err error) error {
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return &AccessDeniedError{Addr: addr, Err: err, Hint: pipeAccessHint}
	}
	return &UnreachableError{Addr: addr, Err: err}
}

// pipeAccessHint says who the default pipe admits.
const pipeAccessHint = "the pipe admits SYSTEM, Administrators and interactive users (see DefaultSDDL): run addingov in your desktop session, or ask an administrator (a service or network logon is not admitted)"

// checkPipeAddress refuses what is not a local pipe path, such as a Unix socket path
// carried over from a Linux configuration.
func checkPipeAddress(addr string) error {
	if len(addr) <= len(pipePrefix) || !strings.EqualFold(addr[:len(pipePrefix)], pipePrefix) {
		return fmt.Errorf("%q is not a named pipe: on Windows --socket (and ADDINGOV_SOCKET) take a pipe path such as %s", addr, PipeAddress)
	}
	return nil
}

// listenError explains why the pipe could not be created.
func listenError(addr string, err error) error {
	switch {
	case errors.Is(err, windows.ERROR_ACCESS_DENIED), errors.Is(err, windows.ERROR_PIPE_BUSY),
		errors.Is(err, windows.ERROR_ALREADY_EXISTS), errors.Is(err, windows.ERROR_FILE_EXISTS):
		if pipeInUse(addr) {
			return alreadyServed(addr)
		}
		if strings.Contains(strings.ToLower(addr), `\protectedprefix\administrators\`) {
			return fmt.Errorf("listen on %s: %w: only administrators may create this pipe; run addingovd elevated or as the AddinGov service, or pass --socket %sAddinGov-dev", addr, err, pipePrefix)
		}
		return fmt.Errorf("listen on %s: %w: the pipe exists or its security forbids this account", addr, err)
	default:
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
}

func alreadyServed(addr string) error {
	return fmt.Errorf("another process is already serving %s: stop it (`addingovd stop` for the service) or pass a different --socket", addr)
}

// pipeInUse reports whether a server holds addr: it accepts a connection, or stays busy
// (every instance taken) for half a second. A missing pipe fails the dial at once.
func pipeInUse(addr string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	c, err := winio.DialPipeContext(ctx, addr)
	if err != nil {
		return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, windows.ERROR_PIPE_BUSY)
	}
	c.Close()
	return true
}

// wineVersion exists only in Wine's ntdll.
var wineVersion = windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version")

// runningUnderWine reports whether this process runs under Wine rather than Windows.
func runningUnderWine() bool { return wineVersion.Find() == nil }

// primeWinePipe works around a Wine gap. go-winio opens the pipe's first instance without
// read or write access, which Windows treats as "not connectable" and Wine does not: under
// Wine the first client connects to that instance, which nobody ever accepts, and hangs.
// Connecting once and closing right away uses it up. On Windows the same dial would wait
// for an instance until its timeout, so this runs only under Wine.
//
// Until Accept is first called that instance is the pipe's only one, so a dial that
// connects has used it up; a dial that finds the pipe busy means another client (one
// polling for the daemon to come up) connected to it between ListenPipe and this dial,
// and it reports false.
func primeWinePipe(addr string) bool {
	timeout := 200 * time.Millisecond
	c, err := winio.DialPipe(addr, &timeout)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
