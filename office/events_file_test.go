package office_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"addingov/office"
)

func TestFileEventsFollowsAppendedLines(t *testing.T) {
	// os.MkdirTemp, not t.TempDir: os.RemoveAll fails under Wine (DESIGN.md).
	dir, err := os.MkdirTemp("", "office-events")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	path := filepath.Join(dir, "events.jsonl")
	line := func(id uint32, text string) string {
		b, _ := json.Marshal(office.Event{Provider: "Outlook", ID: id, Time: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), Text: text})
		return string(b) + "\n"
	}
	var f *os.File
	if err := os.WriteFile(path, []byte(line(45, "old")+"not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan office.Event, 4)
	bad := make(chan error, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- office.FileEvents{Path: path, Poll: time.Millisecond, OnError: func(err error) { bad <- err }}.Run(ctx, func(e office.Event) { got <- e })
	}()
	if e := <-got; e.Text != "old" || e.Live {
		t.Fatalf("first event = %+v, want the old one as history", e)
	}
	if err := <-bad; !strings.Contains(err.Error(), ":2: not an event") {
		t.Fatalf("bad line error = %v", err)
	}
	f, err = os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(line(45, "new"))
	f.Close()
	if e := <-got; e.Text != "new" || !e.Live {
		t.Fatalf("appended event = %+v, want it live", e)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
