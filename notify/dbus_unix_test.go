//go:build unix

package notify

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"addingov/storage"
)

// startSessionBus starts a private dbus-daemon for the test and returns its address.
func startSessionBus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed (Debian package dbus): the D-Bus notifier is tested only against a real bus")
	}
	cmd := exec.Command(bin, "--session", "--nofork", "--print-address")
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer // dbus-daemon warns about fd limits when not root; shown only on failure
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case addr := <-lines:
		if addr == "" {
			t.Fatalf("dbus-daemon printed no address: %s", stderr.String())
		}
		return addr
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not print its address")
	}
	return ""
}

// notifyCall is one org.freedesktop.Notifications.Notify call as the server saw it.
type notifyCall struct {
	AppName, Icon, Summary, Body string
	ReplacesID                   uint32
	Actions                      []string
	Hints                        map[string]dbus.Variant
	Timeout                      int32
}

// fakeNotifications is a notification server exported on the test bus.
type fakeNotifications struct {
	caps []string

	mu    sync.Mutex
	calls []notifyCall
}

func (f *fakeNotifications) Notify(appName string, replacesID uint32, icon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, notifyCall{appName, icon, summary, body, replacesID, actions, hints, timeout})
	return uint32(len(f.calls)), nil
}

func (f *fakeNotifications) GetCapabilities() ([]string, *dbus.Error) { return f.caps, nil }

func (f *fakeNotifications) received() []notifyCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]notifyCall(nil), f.calls...)
}

// serveNotifications exports a fake server under the well-known name on the bus.
func serveNotifications(t *testing.T, addr string, caps []string) *fakeNotifications {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect the fake server: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	srv := &fakeNotifications{caps: caps}
	if err := conn.Export(srv, notificationsPath, notificationsName); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(notificationsName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: reply %v, err %v", notificationsName, reply, err)
	}
	return srv
}

func TestDBusNotifierAgainstARealBus(t *testing.T) {
	addr := startSessionBus(t)
	notice := storage.Notice{Seq: 9, Level: "warning", AddinID: "contoso", AddinName: "Contoso",
		Title: "Contoso was turned off", Text: "It used <b>97%</b> of a core & more.\nTurn it on with `addingov enable contoso`."}
	tests := []struct {
		name     string
		caps     []string
		notice   storage.Notice
		wantBody string
		urgency  byte
	}{
		{name: "plain-text server", caps: []string{"body"}, notice: notice, wantBody: notice.Text, urgency: urgencyNormal},
		{name: "markup server gets escaped text", caps: []string{"body", "body-markup"}, notice: notice,
			wantBody: "It used &lt;b&gt;97%&lt;/b&gt; of a core &amp; more.\nTurn it on with `addingov enable contoso`.", urgency: urgencyNormal},
		{name: "info is low urgency", caps: nil, notice: storage.Notice{Seq: 1, Level: "info", Title: "t", Text: "x"}, wantBody: "x", urgency: urgencyLow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serveNotifications(t, addr, tt.caps)
			d := NewDBus(addr)
			defer d.Close()
			if err := d.Notify(context.Background(), tt.notice); err != nil {
				t.Fatalf("Notify: %v", err)
			}
			calls := srv.received()
			if len(calls) != 1 {
				t.Fatalf("the server received %d calls, want 1", len(calls))
			}
			c := calls[0]
			if c.AppName != AppName || c.Summary != tt.notice.Title || c.Body != tt.wantBody || c.Timeout != -1 || c.ReplacesID != 0 {
				t.Errorf("call = %+v\nwant app %q, summary %q, body %q, timeout -1", c, AppName, tt.notice.Title, tt.wantBody)
			}
			if u, ok := c.Hints["urgency"].Value().(byte); !ok || u != tt.urgency {
				t.Errorf("urgency hint %v, want %d", c.Hints["urgency"], tt.urgency)
			}
			if e, _ := c.Hints["desktop-entry"].Value().(string); e != DesktopEntryID {
				t.Errorf("desktop-entry hint %q, want %q", e, DesktopEntryID)
			}
		})
	}
}

func TestDBusNotifierWithoutAServerFails(t *testing.T) {
	addr := startSessionBus(t)
	d := NewDBus(addr)
	defer d.Close()
	err := d.Notify(context.Background(), storage.Notice{Seq: 1, Title: "t"})
	if err == nil {
		t.Fatal("Notify succeeded with no notification server on the bus")
	}
	if !strings.Contains(err.Error(), "show notice 1 on the desktop") {
		t.Fatalf("error %q does not say which notice failed", err)
	}
}

func TestDBusNotifierUnreachableBus(t *testing.T) {
	d := NewDBus("unix:path=" + filepath.Join(t.TempDir(), "no-bus"))
	if err := d.Notify(context.Background(), storage.Notice{Seq: 1}); err == nil || !strings.Contains(err.Error(), "connect to the session bus") {
		t.Fatalf("Notify with no bus: %v", err)
	}
}

func TestSessionBusAddress(t *testing.T) {
	runtime := t.TempDir()
	withBus := t.TempDir()
	l, err := net.Listen("unix", filepath.Join(withBus, "bus"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		name       string
		env        string
		runtimeDir string
		want       string
		wantErr    error
	}{
		{name: "environment wins", env: "unix:path=/x", runtimeDir: withBus, want: "unix:path=/x"},
		{name: "runtime dir bus socket", runtimeDir: withBus, want: "unix:path=" + filepath.Join(withBus, "bus")},
		{name: "no bus", runtimeDir: runtime, wantErr: ErrNoSessionBus},
		{name: "nothing set", wantErr: ErrNoSessionBus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", tt.env)
			t.Setenv("XDG_RUNTIME_DIR", tt.runtimeDir)
			got, err := SessionBusAddress()
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("SessionBusAddress() = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
			d, err := OpenDesktop()
			if (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("OpenDesktop() error %v, want %v", err, tt.wantErr)
			}
			if d != nil {
				d.Close()
			}
		})
	}
}
