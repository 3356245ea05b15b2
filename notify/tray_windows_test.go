package notify

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"addingov/storage"
)

// NOTIFYICONDATAW is 976 bytes on 64-bit Windows (shellapi.h with _WIN32_WINNT ≥ Vista):
// a wrong layout makes Shell_NotifyIconW refuse every call.
func TestNotifyIconDataSize(t *testing.T) {
	if got := unsafe.Sizeof(notifyIconData{}); got != 976 {
		t.Fatalf("sizeof(NOTIFYICONDATAW) = %d, want 976", got)
	}
}

// Under Wine: the tray icon is created, shows notices as notifications (with and
// without the enable action), and goes away on Close.
func TestTrayShowsANotice(t *testing.T) {
	tr, err := NewTray()
	if err != nil {
		t.Fatalf("NewTray: %v", err)
	}
	tr.SetActor(nil)
	for _, n := range []storage.Notice{
		{Seq: 1, AddinID: "contoso", AddinName: "Contoso", Level: storage.NoticeWarning,
			Title: "Contoso was turned off", Text: "Contoso was turned off because it used 97 % of a core.", UserCanEnable: true},
		{Seq: 2, AddinID: "fabrikam", AddinName: "Fabrikam", Level: storage.NoticeInfo,
			Title: "Fabrikam was turned off by your administrator", Text: "Ask your IT department if you need it."},
	} {
		if err := tr.balloon(title(n), noticeBody(n), n.Level != storage.NoticeInfo); err != nil {
			t.Errorf("notice %d as a notification: %v", n.Seq, err)
		}
		if err := tr.Notify(context.Background(), n); err != nil {
			t.Errorf("Notify(%d): %v", n.Seq, err)
		}
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Notify(context.Background(), storage.Notice{Seq: 3}); err == nil {
		t.Error("a closed tray accepted a notice")
	}
}

// Clicking the notification opens the notice's dialog, which asks the actor for the
// details and closes by itself when nobody answers: nothing is turned on unasked.
func TestTrayClickOpensATimedDialog(t *testing.T) {
	dialogTimeout = 300
	defer func() { dialogTimeout = 2 * 60 * 1000 }()
	tr, err := NewTray()
	if err != nil {
		t.Fatalf("NewTray: %v", err)
	}
	defer tr.Close()
	actor := &recordingActor{}
	tr.SetActor(actor)
	n := storage.Notice{Seq: 1, AddinID: "contoso", AddinName: "Contoso", Level: storage.NoticeWarning,
		Title: "Contoso was turned off", Text: "It used 97 % of a core.", UserCanEnable: true}
	if err := tr.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if got := tr.dialog(n, actor); got != idTimeout {
		t.Fatalf("dialog answer = %d, want %d (closed by its timeout)", got, idTimeout)
	}
	// The same through the window: the shell's balloon-click message.
	procPostMessage.Call(uintptr(tr.hwnd), trayCallback, 0, ninBalloonUserClick)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if len(actor.got()) >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	tr.dialogs.Wait()
	if got := actor.got(); len(got) != 2 || got[0] != ActionDetails || got[1] != ActionDetails {
		t.Fatalf("actions = %v, want details twice and no enable", got)
	}
}

func TestCopyUTF16Truncates(t *testing.T) {
	var buf [8]uint16
	copyUTF16(buf[:], "0123456789")
	if buf[7] != 0 || buf[6] != '6' {
		t.Fatalf("buffer = %v, want 7 characters and a NUL", buf)
	}
	var buf2 [8]uint16
	copyUTF16(buf2[:], "ab\x00cd")
	if buf2[0] != 'a' || buf2[1] != 'b' || buf2[2] != 0 {
		t.Fatalf("buffer = %v, want the text before the NUL", buf2)
	}
}
