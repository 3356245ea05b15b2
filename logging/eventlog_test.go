package logging

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// TestEventIDTable guards the contract SIEM rules rely on: IDs unique, inside
// EventCreate.exe's 1–1000, and every event the daemon logs has its own ID.
func TestEventIDTable(t *testing.T) {
	ids := map[uint32]string{}
	keys := map[string]uint32{}
	var prev uint32
	for _, e := range EventIDs {
		if e.ID < 1 || e.ID > 1000 {
			t.Errorf("%q has ID %d, outside EventCreate.exe's 1–1000", e.Key, e.ID)
		}
		if other, dup := ids[e.ID]; dup {
			t.Errorf("ID %d is used by %q and %q", e.ID, other, e.Key)
		}
		ids[e.ID] = e.Key
		if e.ID <= prev {
			t.Errorf("ID %d (%q) is out of order: keep the table sorted by ID", e.ID, e.Key)
		}
		prev = e.ID
		if e.Description == "" {
			t.Errorf("ID %d has no description for the README", e.ID)
		}
		if e.Key == "" {
			continue
		}
		if other, dup := keys[e.Key]; dup {
			t.Errorf("key %q has IDs %d and %d", e.Key, other, e.ID)
		}
		keys[e.Key] = e.ID
	}
	required := []struct{ what, key string }{
		{"daemon started", "daemon started"},
		{"daemon stopped", "daemon stopped"},
		{"add-in disabled by governance", "addin-disable"},
		{"add-in disabled by a user", "addin-disabled"},
		{"add-in enabled", "addin-enabled"},
		{"add-in exempt", "addin-exempt"},
		{"add-in blocked by policy", "addin-block"},
		{"add-in unblocked by policy", "addin-unblock"},
		{"policy loaded", "policy-loaded"},
		{"policy changed", "policy-changed"},
		{"policy value invalid", "policy-invalid"},
		{"storage problem", "storage-problem"},
	}
	for _, r := range required {
		t.Run(r.what, func(t *testing.T) {
			if _, ok := keys[r.key]; !ok {
				t.Errorf("no event ID for %q", r.key)
			}
		})
	}
	for _, g := range []uint32{GenericInformationID, GenericWarningID, GenericErrorID} {
		if _, ok := ids[g]; !ok {
			t.Errorf("generic ID %d is missing from the table", g)
		}
	}
}

func TestFormatEvent(t *testing.T) {
	tests := []struct {
		name   string
		level  zerolog.Level
		record string
		want   EventRecord
	}{
		{"lifecycle message picks its ID", zerolog.InfoLevel,
			`{"level":"info","address":"\\\\.\\pipe\\a","time":"2026-01-02T03:04:05Z","message":"daemon started"}`,
			EventRecord{EventInformation, 100, "daemon started\naddress=\\\\.\\pipe\\a"}},
		{"event field wins over the message", zerolog.WarnLevel,
			`{"level":"warn","event":"addin-block","addin":"x","message":"daemon started"}`,
			EventRecord{EventWarning, 220, "daemon started\naddin=x\nevent=addin-block"}},
		{"fields in key order, numbers and lists as JSON", zerolog.WarnLevel,
			`{"level":"warn","event":"addin-disable","value":97.5,"addin":"contoso","changes":["a","b"],"ok":true,"message":"add-in disabled"}`,
			EventRecord{EventWarning, 200, "add-in disabled\naddin=contoso\nchanges=[\"a\",\"b\"]\nevent=addin-disable\nok=true\nvalue=97.5"}},
		{"large integers keep every digit", zerolog.InfoLevel,
			`{"n":12345678901234567890,"message":"m"}`,
			EventRecord{EventInformation, GenericInformationID, "m\nn=12345678901234567890"}},
		{"unknown event at warn is generic warning", zerolog.WarnLevel,
			`{"event":"something-new","message":"hm"}`,
			EventRecord{EventWarning, GenericWarningID, "hm\nevent=something-new"}},
		{"error level", zerolog.ErrorLevel,
			`{"event":"storage-problem","error":"disk full","message":"store strikes"}`,
			EventRecord{EventError, 400, "store strikes\nerror=disk full\nevent=storage-problem"}},
		{"fatal is an error", zerolog.FatalLevel, `{"message":"boom"}`,
			EventRecord{EventError, GenericErrorID, "boom"}},
		{"debug is information", zerolog.DebugLevel, `{"message":"detail"}`,
			EventRecord{EventInformation, GenericInformationID, "detail"}},
		{"no level given: read it from the record", zerolog.NoLevel,
			`{"level":"error","message":"x"}`,
			EventRecord{EventError, GenericErrorID, "x"}},
		{"newlines in values cannot forge field lines", zerolog.InfoLevel,
			`{"addin":"evil\nevent=daemon stopped","message":"line1\r\nline2"}`,
			EventRecord{EventInformation, GenericInformationID, "line1\\r\\nline2\naddin=evil\\nevent=daemon stopped"}},
		{"no message", zerolog.InfoLevel, `{"event":"policy-loaded","source":"registry"}`,
			EventRecord{EventInformation, 300, "event=policy-loaded\nsource=registry"}},
		{"not JSON is kept whole", zerolog.ErrorLevel, "plain text\x00here\n",
			EventRecord{EventError, GenericErrorID, `plain text\x00here`}},
		{"terminal escapes and bidi overrides in host-supplied text are escaped", zerolog.WarnLevel,
			`{"addin":"\u001b[31mred","reason":"evil\u202etxt.exe","message":"add-in disabled"}`,
			EventRecord{EventWarning, GenericWarningID, "add-in disabled\naddin=\\x1b[31mred\nreason=evil\\u202etxt.exe"}},
		{"JSON that is not an object", zerolog.WarnLevel, `["a"]`,
			EventRecord{EventWarning, GenericWarningID, `["a"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FormatEvent(tt.level, []byte(tt.record))
			if got != tt.want {
				t.Errorf("FormatEvent(%s, %q)\n got %+v\nwant %+v", tt.level, tt.record, got, tt.want)
			}
		})
	}
}

func TestFormatEventTruncatesOnRuneBoundary(t *testing.T) {
	long := strings.Repeat("é", maxEventMessage) // two bytes each
	got := FormatEvent(zerolog.InfoLevel, []byte(`{"message":"`+long+`"}`))
	if len(got.Message) > maxEventMessage+len("\n… (truncated)") {
		t.Errorf("message is %d bytes, want at most %d", len(got.Message), maxEventMessage)
	}
	if !utf8.ValidString(got.Message) || !strings.HasSuffix(got.Message, "(truncated)") {
		t.Errorf("truncated message is not valid UTF-8 ending in the marker: …%q", got.Message[len(got.Message)-20:])
	}
}

func TestEventTypeString(t *testing.T) {
	for typ, want := range map[EventType]string{EventInformation: "Information", EventWarning: "Warning", EventError: "Error"} {
		if typ.String() != want {
			t.Errorf("%d.String() = %q, want %q", typ, typ.String(), want)
		}
	}
}
