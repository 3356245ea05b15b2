//go:build unix

package notify

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"addingov/storage"
)

// Against a real dbus-daemon: a server with "actions" gets the notice's buttons, and its
// ActionInvoked signal runs the action, whose outcome is shown as a second notification.
// A server without "actions" gets no buttons.
func TestDBusActionsAgainstARealBus(t *testing.T) {
	for _, tc := range []struct {
		name        string
		caps        []string
		wantActions []string
	}{
		{"server with actions", []string{"actions", "body"}, []string{"enable", "Turn back on", "details", "Details", "default", "Details"}},
		{"server without actions", []string{"body"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := startSessionBus(t)
			server, err := dbus.Connect(addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { server.Close() })
			srv := &fakeNotifications{caps: tc.caps}
			if err := server.Export(srv, notificationsPath, notificationsName); err != nil {
				t.Fatal(err)
			}
			if reply, err := server.RequestName(notificationsName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
				t.Fatalf("own the name: %v %v", reply, err)
			}
			d := NewDBus(addr)
			t.Cleanup(func() { d.Close() })
			actor := &recordingActor{}
			d.SetActor(actor)
			n := storage.Notice{Seq: 1, AddinID: "contoso", AddinName: "Contoso", Level: "warning",
				Title: "Contoso was turned off", Text: "It used 97 % of a core.", UserCanEnable: true}
			if err := d.Notify(context.Background(), n); err != nil {
				t.Fatal(err)
			}
			calls := srv.received()
			if len(calls) != 1 || !slices.Equal(calls[0].Actions, tc.wantActions) {
				t.Fatalf("Notify calls = %+v, want one with actions %v", calls, tc.wantActions)
			}
			if len(tc.wantActions) == 0 {
				return
			}
			// The user clicks "Turn back on" on notification 1; a click on an unknown
			// notification is ignored.
			if err := server.Emit(notificationsPath, actionInvoked, uint32(99), "enable"); err != nil {
				t.Fatal(err)
			}
			if err := server.Emit(notificationsPath, actionInvoked, uint32(1), "enable"); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for len(srv.received()) < 2 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if got := actor.got(); !slices.Equal(got, []Action{ActionEnable}) {
				t.Fatalf("actions run = %v, want [enable]", got)
			}
			calls = srv.received()
			if len(calls) != 2 || calls[1].Summary != "Contoso is on again" || len(calls[1].Actions) != 0 {
				t.Fatalf("after the click: %+v, want the outcome as a second notification without buttons", calls)
			}
			// The notice is answered once: a second click does nothing.
			if err := server.Emit(notificationsPath, actionInvoked, uint32(1), "details"); err != nil {
				t.Fatal(err)
			}
			if err := d.Notify(context.Background(), storage.Notice{Seq: 2, Title: "sync"}); err != nil {
				t.Fatal(err)
			}
			if got := actor.got(); len(got) != 1 {
				t.Fatalf("a second click ran %v", got)
			}
		})
	}
}
