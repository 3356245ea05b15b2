package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"addingov/storage"
)

// Terminal writes notices as text, for a session without a desktop.
type Terminal struct {
	mu sync.Mutex
	w  io.Writer
}

var _ Notifier = (*Terminal)(nil)

// NewTerminal returns a Notifier writing to w (the agent uses stderr, or stdout when it
// is the only output).
func NewTerminal(w io.Writer) *Terminal { return &Terminal{w: w} }

// Name implements Notifier.
func (t *Terminal) Name() string { return "terminal" }

// Notify implements Notifier.
func (t *Terminal) Notify(_ context.Context, n storage.Notice) error {
	var b strings.Builder
	level := strings.ToUpper(n.Level)
	if level == "" {
		level = "INFO"
	}
	when := ""
	if !n.Time.IsZero() {
		when = n.Time.Local().Format(time.DateTime) + "  "
	}
	fmt.Fprintf(&b, "[addingov %s] %s%s\n", level, when, oneLine(title(n)))
	if n.Text != "" {
		fmt.Fprintf(&b, "    %s\n", oneLine(n.Text))
	}
	// On a terminal a command is the way to act; desktop notifiers offer buttons instead.
	if n.UserCanEnable && n.Action != "" {
		fmt.Fprintf(&b, "    To turn it back on: %s\n", oneLine(n.Action))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := io.WriteString(t.w, b.String())
	return err
}

// oneLine keeps a notice from forging extra lines (or terminal escapes) in the output:
// the text comes from add-in names, which add-ins choose.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, s)
}

// JSONLines writes each notice as one JSON object per line (`addingov agent --json`).
type JSONLines struct {
	mu  sync.Mutex
	enc *json.Encoder
}

var _ Notifier = (*JSONLines)(nil)

// NewJSONLines returns a Notifier writing JSON Lines to w.
func NewJSONLines(w io.Writer) *JSONLines { return &JSONLines{enc: json.NewEncoder(w)} }

// Name implements Notifier.
func (j *JSONLines) Name() string { return "json" }

// Notify implements Notifier.
func (j *JSONLines) Notify(_ context.Context, n storage.Notice) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.enc.Encode(n)
}
