//go:build unix

package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/godbus/dbus/v5"

	"addingov/storage"
)

// The freedesktop.org Desktop Notifications service.
const (
	notificationsName  = "org.freedesktop.Notifications"
	notificationsPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	notifyMethod       = notificationsName + ".Notify"
	capabilitiesMethod = notificationsName + ".GetCapabilities"
	actionInvoked      = notificationsName + ".ActionInvoked"
	notificationClosed = notificationsName + ".NotificationClosed"
)

// maxPending bounds the shown notifications whose actions the agent still answers.
const maxPending = 64

// Urgency levels of the notification spec's "urgency" hint.
const (
	urgencyLow    byte = 0
	urgencyNormal byte = 1
)

// ErrNoSessionBus means the agent runs outside a desktop session (no D-Bus session
// bus): notices go to the terminal instead.
var ErrNoSessionBus = errors.New("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and $XDG_RUNTIME_DIR/bus does not exist")

// SessionBusAddress finds the session bus the way desktop sessions publish it, without
// starting one (godbus would otherwise run dbus-launch, leaving a stray bus behind).
func SessionBusAddress() (string, error) {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
		return a, nil
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		p := filepath.Join(dir, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p, nil
		}
	}
	return "", ErrNoSessionBus
}

// DBus shows notices as desktop notifications through
// org.freedesktop.Notifications.Notify on the session bus. It reconnects when the bus
// connection drops. When the server supports actions (GetCapabilities lists "actions")
// and the agent gave it an Actor, each notification carries the notice's actions as
// buttons ("Turn back on", "Details"; clicking the body is "Details"); the server's
// ActionInvoked signal runs the action and its outcome is shown as a further
// notification.
type DBus struct {
	address string

	mu      sync.Mutex
	conn    *dbus.Conn
	caps    *dbusCaps // asked once per connection
	actor   Actor
	pending map[uint32]storage.Notice // shown notifications with actions, by server id
	order   []uint32                  // pending ids, oldest first
}

type dbusCaps struct{ markup, actions bool }

var _ Desktop = (*DBus)(nil)

// NewDBus returns a notifier for the session bus at address ("unix:path=…").
// Connecting happens at the first notice, so a bus that appears later still works.
func NewDBus(address string) *DBus { return &DBus{address: address} }

// Name implements Notifier.
func (d *DBus) Name() string { return "desktop notifications (D-Bus)" }

// SetActor implements Interactive.
func (d *DBus) SetActor(a Actor) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.actor = a
}

// Notify implements Notifier.
func (d *DBus) Notify(ctx context.Context, n storage.Notice) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	conn, err := d.connLocked(ctx)
	if err != nil {
		return err
	}
	obj := conn.Object(notificationsName, notificationsPath)
	if d.caps == nil {
		var caps []string
		// A server without GetCapabilities is treated as plain text without actions.
		_ = obj.CallWithContext(ctx, capabilitiesMethod, 0).Store(&caps)
		d.caps = &dbusCaps{markup: slices.Contains(caps, "body-markup"), actions: slices.Contains(caps, "actions")}
	}
	actions := []string{}
	var offered []Action
	if d.caps.actions && d.actor != nil {
		offered = NoticeActions(n)
		for _, a := range offered {
			actions = append(actions, string(a), a.Label())
		}
		if len(offered) > 0 {
			actions = append(actions, "default", ActionDetails.Label())
		}
	}
	id, err := d.showLocked(ctx, conn, title(n), n.Text, n.Level, actions)
	if err != nil {
		return fmt.Errorf("show notice %d on the desktop: %w", n.Seq, err)
	}
	if len(offered) > 0 {
		d.rememberLocked(id, n)
	}
	return nil
}

// showLocked sends one notification and returns the server's id for it.
func (d *DBus) showLocked(ctx context.Context, conn *dbus.Conn, summary, text, level string, actions []string) (uint32, error) {
	body := oneLineKeepBreaks(text)
	if d.caps != nil && d.caps.markup {
		body = escapeMarkup(body)
	}
	urgency := urgencyNormal
	if level == "info" {
		urgency = urgencyLow
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(urgency),
		"desktop-entry": dbus.MakeVariant(DesktopEntryID),
		"category":      dbus.MakeVariant("device"),
	}
	var id uint32
	err := conn.Object(notificationsName, notificationsPath).CallWithContext(ctx, notifyMethod, 0,
		AppName, uint32(0), "dialog-warning", oneLine(summary), body, actions, hints, int32(-1)).Store(&id)
	if err != nil && !conn.Connected() {
		d.dropLocked()
	}
	return id, err
}

func (d *DBus) rememberLocked(id uint32, n storage.Notice) {
	if d.pending == nil {
		d.pending = map[uint32]storage.Notice{}
	}
	d.pending[id] = n
	d.order = append(d.order, id)
	for len(d.order) > maxPending {
		delete(d.pending, d.order[0])
		d.order = d.order[1:]
	}
}

// listen answers the server's signals on conn until the connection closes.
func (d *DBus) listen(conn *dbus.Conn, signals <-chan *dbus.Signal) {
	for sig := range signals {
		if len(sig.Body) < 1 {
			continue
		}
		id, ok := sig.Body[0].(uint32)
		if !ok {
			continue
		}
		d.mu.Lock()
		n, known := d.pending[id]
		if known {
			delete(d.pending, id)
			d.order = slices.DeleteFunc(d.order, func(x uint32) bool { return x == id })
		}
		actor := d.actor
		d.mu.Unlock()
		if sig.Name != actionInvoked || !known || actor == nil || len(sig.Body) < 2 {
			continue
		}
		key, _ := sig.Body[1].(string)
		act := Action(key)
		if key == "default" {
			act = ActionDetails
		}
		if !slices.Contains(NoticeActions(n), act) {
			continue // not an action this notice offered
		}
		go d.answer(actor, n, act)
	}
}

// answer runs an action and shows its outcome.
func (d *DBus) answer(actor Actor, n storage.Notice, act Action) {
	ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
	defer cancel()
	r := actor.Act(ctx, n, act)
	level := "info"
	if r.Failed {
		level = "warning"
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	conn, err := d.connLocked(ctx)
	if err != nil {
		return
	}
	_, _ = d.showLocked(ctx, conn, r.Title, r.Text, level, []string{})
}

func (d *DBus) connLocked(ctx context.Context) (*dbus.Conn, error) {
	if d.conn != nil && d.conn.Connected() {
		return d.conn, nil
	}
	d.dropLocked()
	conn, err := dbus.Connect(d.address, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus at %s: %w", d.address, err)
	}
	d.conn = conn
	// The server's answers to our notifications; godbus closes the channel when the
	// connection closes, which ends listen.
	for _, member := range []string{"ActionInvoked", "NotificationClosed"} {
		if err := conn.AddMatchSignalContext(ctx, dbus.WithMatchInterface(notificationsName), dbus.WithMatchMember(member),
			dbus.WithMatchObjectPath(notificationsPath)); err != nil {
			return conn, nil // notifications still work; their buttons do not
		}
	}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	go d.listen(conn, signals)
	return conn, nil
}

func (d *DBus) dropLocked() {
	if d.conn != nil {
		_ = d.conn.Close()
	}
	d.conn, d.caps = nil, nil
	d.pending, d.order = nil, nil
}

// Close implements Desktop.
func (d *DBus) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dropLocked()
	return nil
}

// OpenDesktop returns the D-Bus notifier for this session, or ErrNoSessionBus.
func OpenDesktop() (Desktop, error) {
	addr, err := SessionBusAddress()
	if err != nil {
		return nil, err
	}
	return NewDBus(addr), nil
}
