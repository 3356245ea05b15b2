package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/notify"
	"addingov/notify/notifytest"
	"addingov/storage"
)

func TestTerminal(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)
	tests := []struct {
		name string
		n    storage.Notice
		want string
	}{
		{
			name: "warning",
			n:    storage.Notice{Seq: 1, Time: when, Level: "warning", Title: "Contoso was turned off", Text: "It used 97% of a core."},
			want: "[addingov WARNING] 2026-01-02 03:04:05  Contoso was turned off\n    It used 97% of a core.\n",
		},
		{
			name: "no title, no level, no time",
			n:    storage.Notice{Seq: 2, AddinName: "Fabrikam"},
			want: "[addingov INFO] Fabrikam\n",
		},
		{
			name: "control characters cannot forge lines",
			n:    storage.Notice{Seq: 3, Level: "info", Title: "Evil\n[addingov INFO] fake\x1b[2J", Text: "a\r\nb"},
			want: "[addingov INFO] Evil [addingov INFO] fake[2J\n    a  b\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := notify.NewTerminal(&b).Notify(context.Background(), tt.n); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
}

func TestJSONLines(t *testing.T) {
	var b bytes.Buffer
	j := notify.NewJSONLines(&b)
	in := []storage.Notice{{Seq: 1, AddinID: "a", Title: "one"}, {Seq: 2, AddinID: "b", Title: "two\nlines"}}
	for _, n := range in {
		if err := j.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(in) {
		t.Fatalf("got %d lines, want %d: %q", len(lines), len(in), b.String())
	}
	for i, l := range lines {
		var n storage.Notice
		if err := json.Unmarshal([]byte(l), &n); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		if n.Seq != in[i].Seq || n.Title != in[i].Title {
			t.Errorf("line %d = %+v, want %+v", i, n, in[i])
		}
	}
}

func TestFallback(t *testing.T) {
	gone := errors.New("notification service gone")
	tests := []struct {
		name           string
		primaryFails   bool
		secondaryFails bool
		wantErr        bool
		wantPrimary    int
		wantSecondary  int
	}{
		{name: "primary works", wantPrimary: 1},
		{name: "primary fails, secondary shows", primaryFails: true, wantSecondary: 1},
		{name: "both fail", primaryFails: true, secondaryFails: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, s := notifytest.NewRecorder(), notifytest.NewRecorder()
			if tt.primaryFails {
				p.Fail(gone)
			}
			if tt.secondaryFails {
				s.Fail(errors.New("stderr closed"))
			}
			var logBuf bytes.Buffer
			f := &notify.Fallback{Primary: p, Secondary: s, Log: zerolog.New(&logBuf)}
			err := f.Notify(context.Background(), storage.Notice{Seq: 1})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if tt.wantErr && !errors.Is(err, gone) {
				t.Errorf("error %v does not carry the primary's failure", err)
			}
			if len(p.Shown()) != tt.wantPrimary || len(s.Shown()) != tt.wantSecondary {
				t.Errorf("primary showed %d, secondary %d; want %d and %d", len(p.Shown()), len(s.Shown()), tt.wantPrimary, tt.wantSecondary)
			}
			// A second failing notice is not logged again.
			_ = f.Notify(context.Background(), storage.Notice{Seq: 2})
			if tt.primaryFails && strings.Count(logBuf.String(), "cannot show desktop notifications") != 1 {
				t.Errorf("the failure was logged %d times, want once: %s", strings.Count(logBuf.String(), "cannot show desktop notifications"), logBuf.String())
			}
		})
	}
}

func TestTee(t *testing.T) {
	a, b := notifytest.NewRecorder(), notifytest.NewRecorder()
	tee := notify.Tee{a, b}
	if err := tee.Notify(context.Background(), storage.Notice{Seq: 7}); err != nil {
		t.Fatal(err)
	}
	if len(a.Shown()) != 1 || len(b.Shown()) != 1 {
		t.Fatalf("each notifier must show the notice once: %d, %d", len(a.Shown()), len(b.Shown()))
	}
	b.Fail(errors.New("broken pipe"))
	if err := tee.Notify(context.Background(), storage.Notice{Seq: 8}); err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("a failing member must fail the tee: %v", err)
	}
	if got := tee.Name(); got != "recorder and recorder" {
		t.Errorf("Name() = %q", got)
	}
}
