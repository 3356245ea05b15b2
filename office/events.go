package office

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one Application-log event this package reads.
type Event struct {
	Provider string    `json:"provider"`            // "Outlook", "Application Error"
	ID       uint32    `json:"id"`                  // 45, 1000
	RecordID uint64    `json:"record_id,omitempty"` // the log's record number
	Time     time.Time `json:"time"`                // when it was written
	User     string    `json:"user,omitempty"`      // the SID the event names; empty when none
	Text     string    `json:"text"`                // the rendered message
	// Live is false for events that were in the log before the source started.
	Live bool `json:"-"`
}

// Event ids and providers read.
const (
	ProviderOutlook    = "Outlook"
	ProviderAppError   = "Application Error"
	EventAddinLoadTime = 45   // Outlook: "Outlook loaded the following add-in(s)"
	EventAppCrash      = 1000 // Application Error: faulting application and module
)

// EventSource delivers the Application-log events Outlook and Windows write about
// add-ins: first those already in the log, oldest first, then new ones as they are
// written, until ctx ends.
type EventSource interface {
	Run(ctx context.Context, deliver func(Event)) error
}

// ErrEventLogUnavailable is returned by an EventSource that cannot read the log on
// this platform (everywhere but Windows, and under Wine, whose wevtapi is a stub).
var ErrEventLogUnavailable = errors.New("the Windows Event Log API is not available here")

// LoadTime is one add-in block of Outlook's event 45 (Microsoft support: "Outlook
// application event log entries for add-in load time").
type LoadTime struct {
	Name         string        `json:"name,omitempty"`
	Description  string        `json:"description,omitempty"`
	ProgID       string        `json:"prog_id"`
	GUID         string        `json:"guid,omitempty"`
	LoadBehavior *LoadBehavior `json:"load_behavior,omitempty"`
	Machine      bool          `json:"hklm"` // HKLM: 1, registered for every user
	Location     string        `json:"location,omitempty"`
	BootTime     time.Duration `json:"boot_time_ns"`
}

// maxEventText bounds the event text parsed: Outlook lists each loaded add-in in a few
// hundred bytes.
const maxEventText = 1 << 20

// ParseLoadTimes parses the text of Outlook's event 45: a heading line, then one block
// per add-in of "Label: value" lines (Name, Description, ProgID, GUID, Load Behavior,
// HKLM, Location, Boot Time (Milliseconds)). A value may sit on the lines after its
// label. Blocks without a ProgID or a boot time are reported in the error and left
// out; the others are returned. Labels are Outlook's English ones: localized text
// yields an error saying so.
func ParseLoadTimes(text string) ([]LoadTime, error) {
	if len(text) > maxEventText {
		return nil, fmt.Errorf("event 45 text is %d bytes; more than %d is not Outlook's", len(text), maxEventText)
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	var (
		out      []LoadTime
		problems []string
		cur      *LoadTime
		fields   map[string]bool
		last     string // label whose value may continue on the next line
		blocks   int
	)
	finish := func() {
		if cur == nil {
			return
		}
		blocks++
		switch {
		case cur.ProgID == "":
			problems = append(problems, fmt.Sprintf("block %d (%q) has no ProgID", blocks, cur.Name))
		case !fields["boot time (milliseconds)"]:
			problems = append(problems, fmt.Sprintf("block %d (%s) has no Boot Time (Milliseconds)", blocks, cur.ProgID))
		default:
			out = append(out, *cur)
		}
		cur, fields = nil, nil
	}
	for _, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		label, value, hasColon := strings.Cut(line, ":")
		key := strings.ToLower(strings.TrimSpace(label))
		if !hasColon || !knownLabel(key) {
			// A value on its own line continues the last label with no value yet.
			if cur != nil && last != "" {
				if err := setField(cur, last, line); err != nil {
					problems = append(problems, fmt.Sprintf("block %d: %v", blocks+1, err))
				}
				fields[last] = true
				last = ""
			}
			continue
		}
		if key == "name" {
			finish()
			cur, fields = &LoadTime{}, map[string]bool{}
		}
		if cur == nil {
			continue // a label before the first Name: not an add-in block
		}
		value = strings.TrimSpace(value)
		if value == "" {
			last = key
			continue
		}
		last = ""
		if err := setField(cur, key, value); err != nil {
			problems = append(problems, fmt.Sprintf("block %d: %v", blocks+1, err))
			continue
		}
		fields[key] = true
	}
	finish()
	if blocks == 0 {
		return nil, errors.New(`no add-in block found: event 45 lists add-ins as "Name:", "ProgID:" and "Boot Time (Milliseconds):" lines in English; localized text is not read`)
	}
	if len(problems) > 0 {
		return out, fmt.Errorf("event 45: %s", strings.Join(problems, "; "))
	}
	return out, nil
}

var loadTimeLabels = []string{"name", "description", "progid", "guid", "load behavior", "hklm", "location", "boot time (milliseconds)"}

func knownLabel(k string) bool {
	for _, l := range loadTimeLabels {
		if k == l {
			return true
		}
	}
	return false
}

func setField(lt *LoadTime, key, value string) error {
	switch key {
	case "name":
		lt.Name = value
	case "description":
		lt.Description = value
	case "progid":
		lt.ProgID = value
	case "guid":
		lt.GUID = value
	case "location":
		lt.Location = value
	case "load behavior":
		n, err := strconv.ParseUint(value, 10, 32)
		if err != nil {
			return fmt.Errorf("Load Behavior %q is not a number", value)
		}
		lb := LoadBehavior(n)
		lt.LoadBehavior = &lb
	case "hklm":
		lt.Machine = value == "1"
	case "boot time (milliseconds)":
		n, err := strconv.ParseUint(strings.ReplaceAll(value, ",", ""), 10, 31)
		if err != nil {
			return fmt.Errorf("Boot Time (Milliseconds) %q is not a whole number of milliseconds", value)
		}
		lt.BootTime = time.Duration(n) * time.Millisecond
	}
	return nil
}

// AppCrash is what an Application Error 1000 event says about a crash.
type AppCrash struct {
	Application string `json:"application"` // e.g. OUTLOOK.EXE
	ModulePath  string `json:"module_path"` // the faulting module's path
}

// ParseAppCrash reads the faulting application name and module path from the text of
// an Application Error 1000 event ("Faulting application name: OUTLOOK.EXE, version:
// …", "Faulting module path: C:\…\addin.dll").
func ParseAppCrash(text string) (AppCrash, error) {
	var c AppCrash
	for _, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		label, value, ok := strings.Cut(strings.TrimSpace(raw), ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(label)) {
		case "faulting application name":
			name, _, _ := strings.Cut(value, ",")
			c.Application = strings.TrimSpace(name)
		case "faulting module path":
			c.ModulePath = strings.TrimSpace(value)
		}
	}
	if c.Application == "" || c.ModulePath == "" {
		return c, errors.New(`not an Application Error 1000 text: no "Faulting application name:" and "Faulting module path:" lines (localized text is not read)`)
	}
	return c, nil
}

// hostApps maps an Office host executable to its application name.
var hostApps = map[string]string{
	"outlook.exe": "Outlook", "winword.exe": "Word", "excel.exe": "Excel", "powerpnt.exe": "PowerPoint",
}

// HostApp is the Office application an executable name belongs to, "" when none.
func HostApp(exe string) string { return hostApps[strings.ToLower(exe)] }
