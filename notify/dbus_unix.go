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
)

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
// connection drops.
type DBus struct {
	address string

	mu     sync.Mutex
	conn   *dbus.Conn
	markup *bool // whether the server renders body markup; asked once per connection
}

var _ Desktop = (*DBus)(nil)

// NewDBus returns a notifier for the session bus at address ("unix:path=…").
// Connecting happens at the first notice, so a bus that appears later still works.
func NewDBus(address string) *DBus { return &DBus{address: address} }

// Name implements Notifier.
func (d *DBus) Name() string { return "desktop notifications (D-Bus)" }

// Notify implements Notifier.
func (d *DBus) Notify(ctx context.Context, n storage.Notice) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	conn, err := d.connLocked(ctx)
	if err != nil {
		return err
	}
	obj := conn.Object(notificationsName, notificationsPath)
	if d.markup == nil {
		var caps []string
		// A server without GetCapabilities is treated as plain text.
		_ = obj.CallWithContext(ctx, capabilitiesMethod, 0).Store(&caps)
		m := slices.Contains(caps, "body-markup")
		d.markup = &m
	}
	body := oneLineKeepBreaks(n.Text)
	if *d.markup {
		body = escapeMarkup(body)
	}
	urgency := urgencyNormal
	if n.Level == "info" {
		urgency = urgencyLow
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(urgency),
		"desktop-entry": dbus.MakeVariant(DesktopEntryID),
		"category":      dbus.MakeVariant("device"),
	}
	var id uint32
	err = obj.CallWithContext(ctx, notifyMethod, 0,
		AppName, uint32(0), "dialog-warning", oneLine(title(n)), body, []string{}, hints, int32(-1)).Store(&id)
	if err != nil {
		if !conn.Connected() {
			d.dropLocked()
		}
		return fmt.Errorf("show notice %d on the desktop: %w", n.Seq, err)
	}
	return nil
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
	return conn, nil
}

func (d *DBus) dropLocked() {
	if d.conn != nil {
		_ = d.conn.Close()
	}
	d.conn, d.markup = nil, nil
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
