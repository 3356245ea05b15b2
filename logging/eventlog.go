package logging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/rs/zerolog"

	"addingov/display"
)

// EventSource is the Windows Event Log source the daemon writes as; `addingovd install`
// and the MSI register it under
// HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\AddinGov.
const EventSource = "AddinGov"

// EventType is the Event Log's entry type.
type EventType int

// The entry types a record's level maps to.
const (
	EventInformation EventType = iota
	EventWarning
	EventError
)

func (t EventType) String() string {
	switch t {
	case EventWarning:
		return "Warning"
	case EventError:
		return "Error"
	default:
		return "Information"
	}
}

// EventID is one entry of the stable event-ID table: the ID the Event Log shows for
// records whose "event" field (or, for the daemon's lifecycle, whose message) is Key.
// IDs are between 1 and 1000, the range EventCreate.exe (the message file the source is
// registered with) accepts. Windows Event Forwarding subscriptions and SIEM rules select
// on these numbers: never renumber an entry, only add new ones.
type EventID struct {
	ID          uint32
	Key         string // the "event" field's value, or the message for lifecycle records
	Description string
}

// Generic IDs for records that name no known event, one per entry type.
const (
	GenericInformationID uint32 = 1
	GenericWarningID     uint32 = 2
	GenericErrorID       uint32 = 3
)

// EventIDs is the table of stable event IDs, in ID order.
var EventIDs = []EventID{
	{GenericInformationID, "", "any other information record"},
	{GenericWarningID, "", "any other warning"},
	{GenericErrorID, "", "any other error"},
	{100, "daemon started", "the daemon started and serves the local API"},
	{101, "daemon stopped", "the daemon stopped"},
	{200, "addin-disable", "governance disabled an add-in that reached a limit (reason, value, threshold, log_id)"},
	{201, "addin-disabled", "a user or administrator disabled an add-in"},
	{202, "addin-exempt", "an add-in reached a limit but policy keeps it enabled"},
	{210, "addin-enabled", "a user or administrator enabled an add-in"},
	{220, "addin-block", "policy blocks an add-in"},
	{221, "addin-unblock", "policy no longer blocks an add-in"},
	{230, "addin-installed", "an add-in was installed"},
	{231, "addin-removed", "an add-in was removed"},
	{300, "policy-loaded", "the effective policy was loaded"},
	{301, "policy-changed", "the effective policy changed"},
	{302, "policy-invalid", "a policy value has the wrong type or is out of range and is ignored"},
	{400, "storage-problem", "the state database could not be read or written"},
}

// eventIDByKey indexes EventIDs by key.
var eventIDByKey = func() map[string]uint32 {
	m := make(map[string]uint32, len(EventIDs))
	for _, e := range EventIDs {
		if e.Key != "" {
			m[e.Key] = e.ID
		}
	}
	return m
}()

// EventRecord is one log record as the Event Log receives it.
type EventRecord struct {
	Type    EventType
	ID      uint32
	Message string // the record's message, then one key=value line per field
}

// maxEventMessage keeps a message under ReportEvent's 31,839-character limit per string.
const maxEventMessage = 31000

// FormatEvent turns one zerolog JSON record into an Event Log entry: the level chooses the
// type, the "event" field (or the lifecycle message) the ID, and the message is followed
// by the other fields as key=value lines in key order. A record that is not JSON is
// reported whole under the level's generic ID, so nothing is lost.
func FormatEvent(level zerolog.Level, record []byte) EventRecord {
	typ := eventType(level)
	var fields map[string]any
	dec := json.NewDecoder(bytes.NewReader(record))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || fields == nil {
		text := display.Escape(strings.TrimSpace(string(record)))
		return EventRecord{Type: typ, ID: genericID(typ), Message: truncate(text)}
	}
	if level == zerolog.NoLevel {
		if s, ok := fields[zerolog.LevelFieldName].(string); ok {
			if l, err := zerolog.ParseLevel(s); err == nil {
				typ = eventType(l)
			}
		}
	}
	msg, _ := fields[zerolog.MessageFieldName].(string)
	event, _ := fields["event"].(string)
	id, ok := eventIDByKey[event]
	if !ok || event == "" {
		id, ok = eventIDByKey[msg]
	}
	if !ok {
		id = genericID(typ)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		switch k {
		case zerolog.MessageFieldName, zerolog.LevelFieldName, zerolog.TimestampFieldName:
			continue // the Event Log records time and type itself
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(display.Escape(msg))
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s=%s", display.Escape(k), display.Escape(fieldText(fields[k])))
	}
	return EventRecord{Type: typ, ID: id, Message: truncate(b.String())}
}

func eventType(l zerolog.Level) EventType {
	switch {
	case l == zerolog.WarnLevel:
		return EventWarning
	case l >= zerolog.ErrorLevel && l <= zerolog.PanicLevel:
		return EventError
	default:
		return EventInformation
	}
}

func genericID(t EventType) uint32 {
	switch t {
	case EventWarning:
		return GenericWarningID
	case EventError:
		return GenericErrorID
	default:
		return GenericInformationID
	}
}

// fieldText renders a JSON value: strings as they are, everything else as JSON.
func fieldText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func truncate(s string) string {
	if len(s) <= maxEventMessage {
		return s
	}
	cut := maxEventMessage
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "\n… (truncated)"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// EventIDTable renders EventIDs as the Markdown table the README carries.
func EventIDTable() string {
	var b strings.Builder
	b.WriteString("| ID | event | meaning |\n|---|---|---|\n")
	for _, e := range EventIDs {
		key := "—"
		if e.Key != "" {
			key = "`" + e.Key + "`"
		}
		fmt.Fprintf(&b, "| %d | %s | %s |\n", e.ID, key, e.Description)
	}
	return b.String()
}
