package notify

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"

	"addingov/storage"
)

// Message box styles for WTSSendMessage (winuser.h).
const (
	mbOK            = 0x00000000
	mbIconWarning   = 0x00000030
	mbIconInfo      = 0x00000040
	mbSetForeground = 0x00010000
)

var (
	wtsapi32           = windows.NewLazySystemDLL("wtsapi32.dll")
	procWTSSendMessage = wtsapi32.NewProc("WTSSendMessageW")
)

// SessionMessage shows notices as a message in the user's own Terminal Services
// session (WTSSendMessageW): the tray's fallback. It does not wait for the user, and the
// message closes by itself after sessionMessageTimeout (Microsoft's "WTSSendMessageW
// function": Timeout, in seconds).
type SessionMessage struct {
	session uint32
}

var _ Desktop = (*SessionMessage)(nil)

// sessionMessageTimeout is how long a session message stays up without an answer.
const sessionMessageTimeout = 120 // seconds

// OpenDesktop returns the agent's notifier for this process's session: the
// notification-area icon, falling back to timed session messages when the notification
// area refuses a notice. Session 0 (services) has no interactive desktop, so it is
// refused.
func OpenDesktop() (Desktop, error) {
	if err := interactiveSession(); err != nil {
		return nil, err
	}
	return NewTray()
}

func interactiveSession() error {
	var session uint32
	if err := windows.ProcessIdToSessionId(windows.GetCurrentProcessId(), &session); err != nil {
		return fmt.Errorf("find this process's session: %w", err)
	}
	if session == 0 {
		return errors.New("the agent runs in session 0 (as a service), which has no desktop: start it at the user's logon instead")
	}
	return nil
}

// openSessionMessage returns the session-message notifier for this process's session.
func openSessionMessage() (*SessionMessage, error) {
	var session uint32
	if err := windows.ProcessIdToSessionId(windows.GetCurrentProcessId(), &session); err != nil {
		return nil, fmt.Errorf("find this process's session: %w", err)
	}
	if session == 0 {
		return nil, errors.New("session 0 has no desktop for session messages")
	}
	if err := procWTSSendMessage.Find(); err != nil {
		return nil, fmt.Errorf("session messages are unavailable: %w", err)
	}
	return &SessionMessage{session: session}, nil
}

// Name implements Notifier.
func (m *SessionMessage) Name() string { return "session message" }

// Notify implements Notifier.
func (m *SessionMessage) Notify(ctx context.Context, n storage.Notice) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t, err := windows.UTF16FromString(AppName + ": " + oneLine(title(n)))
	if err != nil {
		return fmt.Errorf("notice %d: title: %w", n.Seq, err)
	}
	body, err := windows.UTF16FromString(oneLineKeepBreaks(n.Text))
	if err != nil {
		return fmt.Errorf("notice %d: text: %w", n.Seq, err)
	}
	style := uint32(mbOK | mbIconWarning | mbSetForeground)
	if n.Level == "info" {
		style = mbOK | mbIconInfo | mbSetForeground
	}
	var response uint32
	// Lengths are in bytes without the terminating NUL; bWait=FALSE returns at once.
	r, _, callErr := procWTSSendMessage.Call(
		0, // WTS_CURRENT_SERVER_HANDLE
		uintptr(m.session),
		uintptr(unsafe.Pointer(&t[0])), uintptr((len(t)-1)*2),
		uintptr(unsafe.Pointer(&body[0])), uintptr((len(body)-1)*2),
		uintptr(style),
		sessionMessageTimeout,
		uintptr(unsafe.Pointer(&response)),
		0,
	)
	if r == 0 {
		return fmt.Errorf("show notice %d in session %d: %w", n.Seq, m.session, callErr)
	}
	return nil
}

// Close implements Desktop.
func (m *SessionMessage) Close() error { return nil }
