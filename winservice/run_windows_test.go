//go:build windows

package winservice

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// execution drives handler.Execute the way svc.Run does, without the SCM.
type execution struct {
	requests chan svc.ChangeRequest
	status   chan svc.Status
	result   chan [2]any
	log      *bytes.Buffer
}

func execute(body Body) *execution {
	e := &execution{
		requests: make(chan svc.ChangeRequest),
		status:   make(chan svc.Status, 16),
		result:   make(chan [2]any, 1),
		log:      &bytes.Buffer{},
	}
	h := &handler{body: body, log: zerolog.New(e.log)}
	go func() {
		specific, code := h.Execute([]string{"AddinGovTest"}, e.requests, e.status)
		e.result <- [2]any{specific, code}
	}()
	return e
}

func (e *execution) next(t *testing.T) svc.Status {
	t.Helper()
	select {
	case s := <-e.status:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no status reported within 10 s")
		return svc.Status{}
	}
}

func (e *execution) send(t *testing.T, r svc.ChangeRequest) {
	t.Helper()
	select {
	case e.requests <- r:
	case <-time.After(10 * time.Second):
		t.Fatalf("the handler did not take control %d within 10 s", r.Cmd)
	}
}

func (e *execution) exit(t *testing.T) (bool, uint32) {
	t.Helper()
	select {
	case r := <-e.result:
		return r[0].(bool), r[1].(uint32)
	case <-time.After(10 * time.Second):
		t.Fatal("Execute did not return within 10 s")
		return false, 0
	}
}

// untilStopped is a body that serves until its context ends.
func untilStopped(stopped chan<- struct{}) Body {
	return func(ctx context.Context, ready func()) error {
		ready()
		<-ctx.Done()
		close(stopped)
		return nil
	}
}

func TestExecuteStateMachine(t *testing.T) {
	for _, stopCmd := range []svc.Cmd{svc.Stop, svc.Shutdown} {
		t.Run(controlName(stopCmd), func(t *testing.T) {
			stopped := make(chan struct{})
			e := execute(untilStopped(stopped))
			if s := e.next(t); s.State != svc.StartPending || s.WaitHint == 0 {
				t.Fatalf("first status %+v, want StartPending with a wait hint", s)
			}
			s := e.next(t)
			want := svc.AcceptStop | svc.AcceptShutdown | svc.AcceptSessionChange
			if s.State != svc.Running || s.Accepts != want {
				t.Fatalf("after ready: %+v, want Running accepting stop, shutdown and session changes", s)
			}
			e.send(t, svc.ChangeRequest{Cmd: svc.Interrogate})
			if s := e.next(t); s.State != svc.Running {
				t.Errorf("interrogate answered %+v, want Running", s)
			}
			e.send(t, svc.ChangeRequest{Cmd: stopCmd})
			if s := e.next(t); s.State != svc.StopPending {
				t.Errorf("after %s: %+v, want StopPending", controlName(stopCmd), s)
			}
			specific, code := e.exit(t)
			if specific || code != 0 {
				t.Errorf("exit (%v, %d), want a clean (false, 0)", specific, code)
			}
			select {
			case <-stopped:
			default:
				t.Error("Execute returned before the body finished")
			}
		})
	}
}

func TestExecuteSessionChange(t *testing.T) {
	stopped := make(chan struct{})
	e := execute(untilStopped(stopped))
	e.next(t) // StartPending
	e.next(t) // Running
	note := windows.WTSSESSION_NOTIFICATION{Size: uint32(unsafe.Sizeof(windows.WTSSESSION_NOTIFICATION{})), SessionID: 7}
	e.send(t, svc.ChangeRequest{Cmd: svc.SessionChange, EventType: windows.WTS_SESSION_LOCK, EventData: uintptr(unsafe.Pointer(&note))})
	e.send(t, svc.ChangeRequest{Cmd: svc.Interrogate})
	if s := e.next(t); s.State != svc.Running {
		t.Errorf("after a session change: %+v, want still Running", s)
	}
	e.send(t, svc.ChangeRequest{Cmd: svc.Stop})
	e.exit(t)
	out := e.log.String()
	if !strings.Contains(out, `"session_event":"lock"`) || !strings.Contains(out, `"session":7`) {
		t.Errorf("the session change was not logged with its event and session:\n%s", out)
	}
}

func TestExecuteFailures(t *testing.T) {
	boom := errors.New("database locked")
	tests := []struct {
		name        string
		body        Body
		wantRunning bool
		wantCode    uint32
	}{
		{"fails before ready", func(context.Context, func()) error { return boom }, false, ExitStartFailed},
		{"fails while running", func(_ context.Context, ready func()) error { ready(); return boom }, true, ExitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := execute(tt.body)
			specific, code := e.exit(t)
			if !specific || code != tt.wantCode {
				t.Errorf("exit (%v, %d), want service-specific %d so recovery restarts it", specific, code, tt.wantCode)
			}
			sawRunning := false
			for len(e.status) > 0 {
				if (<-e.status).State == svc.Running {
					sawRunning = true
				}
			}
			if sawRunning != tt.wantRunning {
				t.Errorf("reported Running = %v, want %v", sawRunning, tt.wantRunning)
			}
			if !strings.Contains(e.log.String(), "database locked") {
				t.Errorf("the failure was not logged:\n%s", e.log.String())
			}
		})
	}
}

func TestRunOutsideSCM(t *testing.T) {
	err := Run("AddinGovTest", func(context.Context, func()) error { return nil }, zerolog.Nop())
	if !errors.Is(err, ErrNotUnderSCM) {
		t.Errorf("Run from a test process = %v, want ErrNotUnderSCM", err)
	}
}

func TestElevationError(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		notElevated bool
	}{
		{"access denied", windows.ERROR_ACCESS_DENIED, true},
		{"wrapped access denied", &wrapped{windows.ERROR_ACCESS_DENIED}, true},
		{"other error", windows.ERROR_INVALID_PARAMETER, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := elevationError("create service X", tt.err)
			if errors.Is(err, ErrNotElevated) != tt.notElevated {
				t.Errorf("errors.Is(%v, ErrNotElevated) = %v, want %v", err, !tt.notElevated, tt.notElevated)
			}
			if !strings.HasPrefix(err.Error(), "create service X: ") || !errors.Is(err, tt.err) {
				t.Errorf("%v lost its context or cause", err)
			}
		})
	}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "wrapped: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

func TestRecoveryActions(t *testing.T) {
	got := RecoveryActions()
	want := []time.Duration{5 * time.Second, 30 * time.Second, 60 * time.Second}
	if len(got) != len(want) {
		t.Fatalf("%d recovery actions, want %d", len(got), len(want))
	}
	for i, a := range got {
		if a.Delay != want[i] || a.Type != windows.SC_ACTION_RESTART {
			t.Errorf("action %d = %+v, want restart after %s", i, a, want[i])
		}
	}
}
