package logging

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// FuzzFormatEvent feeds FormatEvent arbitrary records: log fields carry add-in names and
// error text that come from outside. It must never panic, always choose an ID from the
// table, and produce a message ReportEvent accepts (no NUL, bounded length) in which every
// line after the message is one field, with terminal escapes and bidi controls escaped.
func FuzzFormatEvent(f *testing.F) {
	seeds := []string{
		`{"level":"info","message":"daemon started"}`,
		`{"level":"warn","event":"addin-disable","addin":"contoso","value":97.5,"message":"add-in disabled"}`,
		`{"event":"storage-problem","error":"disk\nfull","message":"store"}`,
		`{"a":{"b":[1,2,{"c":null}]},"message":"nested"}`,
		`not json at all`,
		"{\"message\":\"nul\\u0000inside\"}",
		`{"message":`,
		`[]`,
		``,
	}
	for i, s := range seeds {
		f.Add(int8(i%7)-1, []byte(s))
	}
	known := map[uint32]bool{}
	for _, e := range EventIDs {
		known[e.ID] = true
	}
	f.Fuzz(func(t *testing.T, level int8, record []byte) {
		rec := FormatEvent(zerolog.Level(level), record)
		if !known[rec.ID] {
			t.Fatalf("ID %d is not in EventIDs", rec.ID)
		}
		if strings.ContainsAny(rec.Message, "\x00\x1b\u009b\u202a\u202b\u202d\u202e\u2066\u2067\u2068") {
			t.Fatalf("message contains NUL, a terminal escape or a bidi control: %q", rec.Message)
		}
		if len(rec.Message) > maxEventMessage+len("\n… (truncated)") {
			t.Fatalf("message is %d bytes", len(rec.Message))
		}
		if rec.Type < EventInformation || rec.Type > EventError {
			t.Fatalf("type %d out of range", rec.Type)
		}
	})
}
