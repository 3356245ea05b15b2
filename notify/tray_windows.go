package notify

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"

	"addingov/storage"
)

// Tray is the agent in the notification area: an icon, and each notice once as a Windows
// notification (a balloon, which Windows 10 and 11 show as a toast). Clicking the
// notification or the icon opens the notice's dialog: why, the evidence and when, and,
// where the user may, "Turn it back on?" with Yes and No. The dialog closes by itself
// after dialogTimeout, and nothing is turned on unasked. Built from Microsoft's "Shell_NotifyIconW function",
// "NOTIFYICONDATAW structure" and "Notifications and the Notification Area" pages.
type Tray struct {
	hwnd windows.HWND
	done chan struct{} // closed when the window's message loop has ended

	mu      sync.Mutex
	actor   Actor
	last    *storage.Notice // the notice the balloon and the icon open
	dialogs sync.WaitGroup
	closed  bool
	// fallback shows notices as timed session messages when the notification area
	// refuses them (no shell running, Explorer restarting).
	fallback Notifier
}

var _ Desktop = (*Tray)(nil)
var _ Interactive = (*Tray)(nil)

// dialogTimeout is how long a notice's dialog stays open without an answer, in
// milliseconds (a variable for tests).
var dialogTimeout uint32 = 2 * 60 * 1000

// Win32 constants (shellapi.h, winuser.h).
const (
	nimAdd        = 0x0
	nimModify     = 0x1
	nimDelete     = 0x2
	nimSetVersion = 0x4

	nifMessage = 0x1
	nifIcon    = 0x2
	nifTip     = 0x4
	nifInfo    = 0x10
	nifShowTip = 0x80

	niifInfo    = 0x1
	niifWarning = 0x2

	notifyIconVersion4 = 4

	wmDestroy           = 0x0002
	wmClose             = 0x0010
	wmContextMenu       = 0x007b
	wmLButtonUp         = 0x0202
	wmUser              = 0x0400
	wmApp               = 0x8000
	ninSelect           = wmUser + 0
	ninKeySelect        = wmUser + 1
	ninBalloonUserClick = wmUser + 5

	trayCallback = wmApp + 1
	trayIconID   = 1

	idiInformation = 32516

	mbYesNo   = 0x4
	mbTopMost = 0x40000
	idYes     = 6
	idTimeout = 32000 // our answer when the box closed by itself (as MessageBoxTimeoutW's)
	wmQuit    = 0x0012
	pmRemove  = 0x1
)

// notifyIconData is NOTIFYICONDATAW; Go lays these fields out as the C compiler does.
type notifyIconData struct {
	CbSize           uint32
	Wnd              windows.HWND
	ID               uint32
	Flags            uint32
	CallbackMessage  uint32
	Icon             windows.Handle
	Tip              [128]uint16
	State            uint32
	StateMask        uint32
	Info             [256]uint16
	TimeoutOrVersion uint32
	InfoTitle        [64]uint16
	InfoFlags        uint32
	GUIDItem         windows.GUID
	BalloonIcon      windows.Handle
}

type wndClassEx struct {
	Size       uint32
	Style      uint32
	WndProc    uintptr
	ClsExtra   int32
	WndExtra   int32
	Instance   windows.Handle
	Icon       windows.Handle
	Cursor     windows.Handle
	Background windows.Handle
	MenuName   *uint16
	ClassName  *uint16
	IconSm     windows.Handle
}

type msg struct {
	Wnd     windows.HWND
	Message uint32
	WParam  uintptr
	LParam  uintptr
	Time    uint32
	Pt      struct{ X, Y int32 }
}

var (
	user32  = windows.NewLazySystemDLL("user32.dll")
	shell32 = windows.NewLazySystemDLL("shell32.dll")

	procShellNotifyIcon   = shell32.NewProc("Shell_NotifyIconW")
	procRegisterClassEx   = user32.NewProc("RegisterClassExW")
	procCreateWindowEx    = user32.NewProc("CreateWindowExW")
	procDefWindowProc     = user32.NewProc("DefWindowProcW")
	procDestroyWindow     = user32.NewProc("DestroyWindow")
	procGetMessage        = user32.NewProc("GetMessageW")
	procTranslateMessage  = user32.NewProc("TranslateMessage")
	procDispatchMessage   = user32.NewProc("DispatchMessageW")
	procPostMessage       = user32.NewProc("PostMessageW")
	procPostQuitMessage   = user32.NewProc("PostQuitMessage")
	procLoadIcon          = user32.NewProc("LoadIconW")
	procRegisterWindowMsg = user32.NewProc("RegisterWindowMessageW")
	procMessageBox        = user32.NewProc("MessageBoxW")
	procSetTimer          = user32.NewProc("SetTimer")
	procKillTimer         = user32.NewProc("KillTimer")
	procPeekMessage       = user32.NewProc("PeekMessageW")
)

// trays maps windows to their Tray for the window procedure.
var (
	traysMu     sync.Mutex
	trays       = map[windows.HWND]*Tray{}
	wndProcOnce sync.Once
	wndProcPtr  uintptr
	classErr    error
	className   = windows.StringToUTF16Ptr("AddinGovAgentTray")
	// taskbarCreated is broadcast when Explorer (re)starts: the icon must be added again.
	taskbarCreated uint32
)

// NewTray creates the notification-area icon. Its window lives on a goroutine locked to
// one OS thread, as Windows requires of a window and its message loop.
func NewTray() (*Tray, error) {
	if err := procShellNotifyIcon.Find(); err != nil {
		return nil, fmt.Errorf("the notification area is unavailable: %w", err)
	}
	t := &Tray{done: make(chan struct{})}
	if fb, err := openSessionMessage(); err == nil {
		t.fallback = fb
	}
	ready := make(chan error, 1)
	go t.loop(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return t, nil
}

func registerClass() error {
	wndProcOnce.Do(func() {
		wndProcPtr = windows.NewCallback(trayWndProc)
		name := windows.StringToUTF16Ptr("TaskbarCreated")
		r, _, _ := procRegisterWindowMsg.Call(uintptr(unsafe.Pointer(name)))
		taskbarCreated = uint32(r)
		wc := wndClassEx{WndProc: wndProcPtr, ClassName: className}
		wc.Size = uint32(unsafe.Sizeof(wc))
		if r, _, err := procRegisterClassEx.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
			classErr = fmt.Errorf("register the tray window class: %w", err)
		}
	})
	return classErr
}

func (t *Tray) loop(ready chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(t.done)
	if err := registerClass(); err != nil {
		ready <- err
		return
	}
	// A top-level window that is never shown (not a message-only one, which would miss
	// the TaskbarCreated broadcast).
	hwnd, _, err := procCreateWindowEx.Call(0, uintptr(unsafe.Pointer(className)),
		uintptr(unsafe.Pointer(windows.StringToUTF16Ptr(AppName))), 0, 0, 0, 0, 0, 0, 0, 0, 0)
	if hwnd == 0 {
		ready <- fmt.Errorf("create the tray window: %w", err)
		return
	}
	t.hwnd = windows.HWND(hwnd)
	traysMu.Lock()
	trays[t.hwnd] = t
	traysMu.Unlock()
	if err := t.addIcon(); err != nil {
		procDestroyWindow.Call(hwnd)
		ready <- err
		return
	}
	ready <- nil
	var m msg
	for {
		r, _, _ := procGetMessage.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		if int32(r) <= 0 { // WM_QUIT, or an error
			return
		}
		procTranslateMessage.Call(uintptr(unsafe.Pointer(&m)))
		procDispatchMessage.Call(uintptr(unsafe.Pointer(&m)))
	}
}

func (t *Tray) iconData() notifyIconData {
	nid := notifyIconData{Wnd: t.hwnd, ID: trayIconID}
	nid.CbSize = uint32(unsafe.Sizeof(nid))
	return nid
}

func (t *Tray) addIcon() error {
	nid := t.iconData()
	nid.Flags = nifMessage | nifIcon | nifTip | nifShowTip
	nid.CallbackMessage = trayCallback
	icon, _, _ := procLoadIcon.Call(0, idiInformation)
	nid.Icon = windows.Handle(icon)
	copyUTF16(nid.Tip[:], AppName+": add-in notices")
	if r, _, err := procShellNotifyIcon.Call(nimAdd, uintptr(unsafe.Pointer(&nid))); r == 0 {
		return fmt.Errorf("add the icon to the notification area: %w", err)
	}
	nid.TimeoutOrVersion = notifyIconVersion4
	procShellNotifyIcon.Call(nimSetVersion, uintptr(unsafe.Pointer(&nid)))
	return nil
}

func trayWndProc(hwnd, message, wparam, lparam uintptr) uintptr {
	traysMu.Lock()
	t := trays[windows.HWND(hwnd)]
	traysMu.Unlock()
	switch {
	case t == nil:
	case message == trayCallback:
		// NOTIFYICON_VERSION_4: the event is the low word of lParam.
		switch uint32(lparam & 0xffff) {
		case ninBalloonUserClick, ninSelect, ninKeySelect, wmLButtonUp, wmContextMenu:
			t.openLast()
		}
		return 0
	case message == uintptr(taskbarCreated) && taskbarCreated != 0:
		_ = t.addIcon()
		return 0
	case message == wmClose:
		procDestroyWindow.Call(hwnd)
		return 0
	case message == wmDestroy:
		nid := t.iconData()
		procShellNotifyIcon.Call(nimDelete, uintptr(unsafe.Pointer(&nid)))
		traysMu.Lock()
		delete(trays, windows.HWND(hwnd))
		traysMu.Unlock()
		procPostQuitMessage.Call(0)
		return 0
	}
	r, _, _ := procDefWindowProc.Call(hwnd, message, wparam, lparam)
	return r
}

// Name implements Notifier.
func (t *Tray) Name() string { return "Windows notification area" }

// SetActor implements Interactive.
func (t *Tray) SetActor(a Actor) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.actor = a
}

// Notify implements Notifier: the notice as a notification from the tray icon.
func (t *Tray) Notify(ctx context.Context, n storage.Notice) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return errors.New("the tray icon is closed")
	}
	t.last = &n
	t.mu.Unlock()
	err := t.balloon(title(n), noticeBody(n), n.Level != storage.NoticeInfo)
	if err != nil && t.fallback != nil {
		if ferr := t.fallback.Notify(ctx, n); ferr == nil {
			return nil
		}
	}
	return err
}

// noticeBody is the notification text; the balloon says how to act on it.
func noticeBody(n storage.Notice) string {
	body := oneLineKeepBreaks(n.Text)
	if len(NoticeActions(n)) > 0 {
		body += "\nClick for details."
	}
	return body
}

func (t *Tray) balloon(titleText, body string, warning bool) error {
	nid := t.iconData()
	nid.Flags = nifInfo
	copyUTF16(nid.InfoTitle[:], titleText)
	copyUTF16(nid.Info[:], body)
	nid.InfoFlags = niifInfo
	if warning {
		nid.InfoFlags = niifWarning
	}
	if r, _, err := procShellNotifyIcon.Call(nimModify, uintptr(unsafe.Pointer(&nid))); r == 0 {
		return fmt.Errorf("show a notification from the tray icon: %w", err)
	}
	return nil
}

// openLast opens the dialog of the last notice, off the window's thread so the icon
// stays responsive.
func (t *Tray) openLast() {
	t.mu.Lock()
	n, actor, closed := t.last, t.actor, t.closed
	if n == nil || closed {
		t.mu.Unlock()
		return
	}
	t.dialogs.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.dialogs.Done()
		t.dialog(*n, actor)
	}()
}

// dialog shows a notice's details and, where the user may, asks whether to turn the
// add-in back on; the outcome comes back as a notification.
func (t *Tray) dialog(n storage.Notice, actor Actor) int {
	ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
	defer cancel()
	text := oneLineKeepBreaks(n.Text)
	heading := title(n)
	if actor != nil {
		d := actor.Act(ctx, n, ActionDetails)
		heading, text = d.Title, text+"\n\n"+d.Text
	}
	offerEnable := actor != nil && n.UserCanEnable
	style := uintptr(mbOK | mbIconInfo | mbSetForeground | mbTopMost)
	if offerEnable {
		text += "\n\nTurn it back on?"
		style = mbYesNo | mbIconWarning | mbSetForeground | mbTopMost
	}
	answer := messageBoxTimeout(heading, text, style, dialogTimeout)
	if !offerEnable || answer != idYes {
		return answer
	}
	r := actor.Act(ctx, n, ActionEnable)
	_ = t.balloon(r.Title, r.Text, r.Failed)
	return answer
}

// Timed message boxes. MessageBoxW has no timeout (MessageBoxTimeoutW is undocumented,
// and Wine ignores its timeout), so the box's thread sets a thread timer first: its
// callback posts WM_QUIT, which ends the box's modal loop, and the caller removes the
// re-posted WM_QUIT. This is the method of Microsoft's KB 181934, "How to create a
// timed message box".
var (
	timerProcOnce sync.Once
	timerProcPtr  uintptr
	timedOut      sync.Map // timer id → true once it fired
)

func timerProc(hwnd, message, id, tick uintptr) uintptr {
	if _, loaded := timedOut.LoadOrStore(id, true); !loaded {
		procPostQuitMessage.Call(0)
	}
	return 0
}

// messageBoxTimeout shows a modal box that closes itself after ms milliseconds and
// returns the button pressed, or idTimeout.
func messageBoxTimeout(caption, text string, style uintptr, ms uint32) int {
	c, err1 := windows.UTF16PtrFromString(caption)
	b, err2 := windows.UTF16PtrFromString(text)
	if err1 != nil || err2 != nil {
		return 0
	}
	timerProcOnce.Do(func() { timerProcPtr = windows.NewCallback(timerProc) })
	runtime.LockOSThread() // the timer, the box and the WM_QUIT belong to this thread
	defer runtime.UnlockOSThread()
	id, _, _ := procSetTimer.Call(0, 0, uintptr(ms), timerProcPtr)
	if id == 0 {
		return 0 // no timer: no box, rather than one that may wait for ever
	}
	r, _, _ := procMessageBox.Call(0, uintptr(unsafe.Pointer(b)), uintptr(unsafe.Pointer(c)), style)
	procKillTimer.Call(0, id)
	if _, fired := timedOut.LoadAndDelete(id); fired {
		var m msg
		procPeekMessage.Call(uintptr(unsafe.Pointer(&m)), 0, wmQuit, wmQuit, pmRemove)
		return idTimeout
	}
	return int(r)
}

// Close implements Desktop: it removes the icon and ends the window's loop. Open
// dialogs close by their timeout.
func (t *Tray) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.mu.Unlock()
	procPostMessage.Call(uintptr(t.hwnd), wmClose, 0, 0)
	<-t.done
	return nil
}

// copyUTF16 copies s into a fixed NUL-terminated buffer, cut to fit.
func copyUTF16(dst []uint16, s string) {
	u, err := windows.UTF16FromString(s)
	if err != nil { // s holds a NUL: drop everything from it
		u, _ = windows.UTF16FromString(s[:indexNUL(s)])
	}
	if len(u) > len(dst) {
		u = u[:len(dst)]
		u[len(u)-1] = 0
	}
	copy(dst, u)
}

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return len(s)
}
