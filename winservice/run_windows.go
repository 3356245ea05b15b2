//go:build windows

package winservice

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// Body is the service's work: it runs until ctx ends, calls ready once it serves, and
// returns nil on a clean stop.
type Body func(ctx context.Context, ready func()) error

// ErrNotUnderSCM means Run was called by something other than the Service Control
// Manager (a person at a prompt): run the daemon in the foreground instead.
var ErrNotUnderSCM = errors.New("not started by the Service Control Manager")

// stopWaitHint is what the service tells the SCM a stop takes; the daemon's own
// shutdown is bounded at 5 s.
const stopWaitHint = 10 * time.Second

// startWaitHint is what it tells the SCM a start may take (opening the database).
const startWaitHint = 30 * time.Second

// Exit codes the service reports when the body fails (service-specific codes).
const (
	ExitStartFailed uint32 = 1 // the body returned before it was ready
	ExitFailed      uint32 = 2 // the body failed while running
)

// Run runs body as the service name under the SCM and returns when it has stopped. It
// returns ErrNotUnderSCM when the process was not started by the SCM.
func Run(name string, body Body, log zerolog.Logger) error {
	h := &handler{body: body, log: log}
	err := svc.Run(name, h)
	if errors.Is(err, windows.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
		return ErrNotUnderSCM
	}
	if err != nil {
		return fmt.Errorf("run as service %s: %w", name, err)
	}
	return h.err
}

// handler is the svc.Handler: it drives the SCM's state machine around a Body.
type handler struct {
	body Body
	log  zerolog.Logger
	err  error // what the body returned
}

// Execute implements svc.Handler.
func (h *handler) Execute(_ []string, requests <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	const accepts = svc.AcceptStop | svc.AcceptShutdown | svc.AcceptSessionChange
	var checkpoint uint32
	pending := func(s svc.State, hint time.Duration) svc.Status {
		checkpoint++
		return svc.Status{State: s, CheckPoint: checkpoint, WaitHint: uint32(hint / time.Millisecond)}
	}
	status <- pending(svc.StartPending, startWaitHint)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readyc := make(chan struct{})
	var once sync.Once
	ready := func() { once.Do(func() { close(readyc) }) }
	done := make(chan error, 1)
	go func() { done <- h.body(ctx, ready) }()

	current := svc.Status{State: svc.StartPending}
	running := false
	for {
		select {
		case <-readyc:
			readyc = nil // fires once
			running = true
			current = svc.Status{State: svc.Running, Accepts: accepts}
			status <- current
			h.log.Info().Msg("service running")
		case err := <-done:
			h.err = err
			if !running {
				h.log.Error().Err(err).Msg("service failed to start")
				return true, ExitStartFailed
			}
			if err != nil {
				// Not asked to stop: the SCM's recovery actions restart the service.
				h.log.Error().Err(err).Msg("service stopped on an error")
				return true, ExitFailed
			}
			return false, 0
		case r := <-requests:
			switch r.Cmd {
			case svc.Interrogate:
				status <- current
			case svc.Stop, svc.Shutdown:
				h.log.Info().Str("control", controlName(r.Cmd)).Msg("service stopping")
				current = pending(svc.StopPending, stopWaitHint)
				status <- current
				cancel()
				return h.finishStop(done, requests, status, pending)
			case svc.SessionChange:
				h.log.Info().Str("session_event", sessionEventName(r.EventType)).
					Uint32("session", sessionID(r)).Msg("session changed")
			default:
				h.log.Warn().Uint32("control", uint32(r.Cmd)).Msg("ignoring an unexpected service control")
			}
		}
	}
}

// finishStop waits for the body after a stop request, renewing the stop hint so the SCM
// does not give up on a slow but progressing shutdown.
func (h *handler) finishStop(done <-chan error, requests <-chan svc.ChangeRequest, status chan<- svc.Status, pending func(svc.State, time.Duration) svc.Status) (bool, uint32) {
	tick := time.NewTicker(stopWaitHint / 2)
	defer tick.Stop()
	current := svc.Status{State: svc.StopPending}
	for {
		select {
		case r := <-requests:
			// Still answer the SCM while stopping; a second stop changes nothing.
			if r.Cmd == svc.Interrogate {
				status <- current
			}
		case err := <-done:
			h.err = err
			if err != nil {
				h.log.Error().Err(err).Msg("service stopped with an error")
				return true, ExitFailed
			}
			return false, 0
		case <-tick.C:
			current = pending(svc.StopPending, stopWaitHint)
			status <- current
		}
	}
}

func controlName(c svc.Cmd) string {
	if c == svc.Shutdown {
		return "shutdown"
	}
	return "stop"
}

// sessionID reads WTSSESSION_NOTIFICATION.dwSessionId from a session-change request.
func sessionID(r svc.ChangeRequest) uint32 {
	if r.EventData == 0 {
		return 0
	}
	// The SCM passes the structure's address as an integer; it stays valid for the
	// duration of the control call, which this read is part of.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&r.EventData))
	return (*windows.WTSSESSION_NOTIFICATION)(p).SessionID
}

// sessionEventName names a WTS_* session-change event.
func sessionEventName(e uint32) string {
	names := map[uint32]string{
		windows.WTS_CONSOLE_CONNECT:        "console-connect",
		windows.WTS_CONSOLE_DISCONNECT:     "console-disconnect",
		windows.WTS_REMOTE_CONNECT:         "remote-connect",
		windows.WTS_REMOTE_DISCONNECT:      "remote-disconnect",
		windows.WTS_SESSION_LOGON:          "logon",
		windows.WTS_SESSION_LOGOFF:         "logoff",
		windows.WTS_SESSION_LOCK:           "lock",
		windows.WTS_SESSION_UNLOCK:         "unlock",
		windows.WTS_SESSION_REMOTE_CONTROL: "remote-control",
	}
	if n, ok := names[e]; ok {
		return n
	}
	return fmt.Sprintf("event-%d", e)
}
