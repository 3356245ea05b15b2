package registrypolicy

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// View is the effective policy as `addingov policy --json` prints it, the daemon serves
// it, and the CLI reads it back: numbers as JSON numbers, switches as booleans, enums as
// strings, lists as arrays of strings; error is "" when no value was ignored.
type View struct {
	Settings []SettingView `json:"settings"`
	Managed  []ManagedView `json:"managed_addins"`
	// Unknown are values and keys under our policy keys that match no setting.
	Unknown []Unknown `json:"unknown"`
	// LoadedAt is when the policy was read; Errors counts settings with ignored values
	// and unknown names.
	LoadedAt time.Time `json:"loaded_at"`
	Errors   int       `json:"errors"`
	// MemoryKind is what the memory limits are compared with: "resident" or
	// "private commit".
	MemoryKind string `json:"memory_kind,omitempty"`
	// User is whose effective policy this is ("" for the machine's or everyone's).
	User string `json:"user,omitempty"`
	// Note says why a user's own policy is missing from it, when it is.
	Note string `json:"note,omitempty"`
	// Office is Outlook's AddinList and restricttolist with Office's meaning.
	Office OfficeListView `json:"office"`
}

// SettingView is one setting of a View.
type SettingView struct {
	Name   string `json:"name"`
	Value  any    `json:"value"`
	Unit   string `json:"unit"`
	Origin string `json:"origin"`
	Error  string `json:"error"`
	// Status is "ok", or "error" when a value was ignored (Error says why).
	Status string `json:"status"`
	// Scope is "machine", "user", "command line", or "" for the default.
	Scope string `json:"scope"`
	// Superseded are the valid values that a higher source overrode, highest first.
	Superseded []SupersededView `json:"superseded,omitempty"`
}

// SupersededView is a value a higher source overrode; its status is "superseded".
type SupersededView struct {
	Value  any    `json:"value"`
	Origin string `json:"origin"`
	Scope  string `json:"scope"`
}

// Statuses of the policy view's rows.
const (
	StatusOK         = "ok"
	StatusError      = "error"
	StatusSuperseded = "superseded"
	StatusUnknown    = "unknown"
)

// ManagedView is one managed add-in of a View.
type ManagedView struct {
	ID     string `json:"id"`
	Mode   string `json:"mode"` // always-enabled, blocked or user-decides
	Origin string `json:"origin"`
}

// View returns the effective policy's view.
func (e *Effective) View() View {
	v := View{Settings: make([]SettingView, len(e.Settings)), Managed: make([]ManagedView, len(e.Managed)), MemoryKind: e.MemoryKind,
		Unknown: append([]Unknown{}, e.Unknown...), LoadedAt: e.LoadedAt, User: e.User, Note: e.Note}
	for i, s := range e.Settings {
		sv := SettingView{Name: s.Name, Value: s.Value, Unit: s.Unit, Origin: s.Origin, Error: s.Error, Status: StatusOK, Scope: s.Scope}
		if s.Error != "" {
			sv.Status = StatusError
		}
		for _, o := range s.Superseded {
			sv.Superseded = append(sv.Superseded, SupersededView{Value: o.Value, Origin: o.Origin, Scope: o.Scope})
		}
		v.Settings[i] = sv
	}
	v.count()
	for i, m := range e.Managed {
		v.Managed[i] = ManagedView{ID: m.ID, Mode: m.Mode.String(), Origin: m.Origin}
	}
	v.Office = e.officeView()
	return v
}

// count sets Errors from the rows.
func (v *View) count() {
	v.Errors = len(v.Unknown)
	for _, s := range v.Settings {
		if s.Status == StatusError {
			v.Errors++
		}
	}
}

// Override makes a command-line option the source of setting name: its value becomes
// value, from source (e.g. "addingovd --interval 2s"), and what policy gave it is listed
// as superseded. An unknown name changes nothing.
func (v *View) Override(name string, value any, source string) {
	for i, s := range v.Settings {
		if !strings.EqualFold(s.Name, name) {
			continue
		}
		s.Superseded = append([]SupersededView{{Value: s.Value, Origin: s.Origin, Scope: s.Scope}}, s.Superseded...)
		s.Value, s.Origin, s.Scope = value, source, ScopeCommandLine
		v.Settings[i] = s
		return
	}
}

// JSON renders the view as indented JSON.
func (v View) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode effective policy: %w", err)
	}
	return append(b, '\n'), nil
}

// JSON renders the effective policy's View as indented JSON.
func (e *Effective) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(e.View(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode effective policy: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteText writes the effective policy for people (see View.WriteText).
func (e *Effective) WriteText(w io.Writer) error { return e.View().WriteText(w) }

// WriteText writes the view for people: one line per setting with its value, unit and
// origin, then the values that were ignored and why, then the managed add-ins.
func (v View) WriteText(w io.Writer) error {
	if v.User != "" {
		fmt.Fprintf(w, "Effective policy of %s\n", v.User)
	}
	if v.Note != "" {
		fmt.Fprintf(w, "Note: %s\n", v.Note)
	}
	if v.User != "" || v.Note != "" {
		fmt.Fprintln(w)
	}
	if !v.LoadedAt.IsZero() {
		state := "no errors"
		if v.Errors > 0 {
			state = fmt.Sprintf("%d with errors or unknown names (below)", v.Errors)
		}
		fmt.Fprintf(w, "Policy read %s; %s.\n\n", v.LoadedAt.Local().Format("2006-01-02 15:04:05"), state)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tSCOPE\tSETTING\tVALUE\tSOURCE")
	var ignored []string
	for _, s := range v.Settings {
		status := s.Status
		if status == "" {
			status = StatusOK
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", status, orDefault(s.Scope), s.Name, formatValue(s.Value, s.Unit), s.Origin)
		for _, o := range s.Superseded {
			fmt.Fprintf(tw, "  %s\t%s\t\t%s\t%s\n", StatusSuperseded, orDefault(o.Scope), formatValue(o.Value, s.Unit), o.Origin)
		}
		for _, msg := range splitErrors(s.Error) {
			ignored = append(ignored, s.Name+": "+msg)
		}
	}
	for _, u := range v.Unknown {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\t%s\n", StatusUnknown, scopeOfPath(u.Path), u.Kind, u.Path+": "+u.Hint)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write effective policy: %w", err)
	}
	if len(ignored) > 0 {
		fmt.Fprintln(w, "\nIgnored values (the next source applies):")
		for _, msg := range ignored {
			fmt.Fprintln(w, "  error: "+msg)
		}
	}
	if v.MemoryKind != "" {
		fmt.Fprintf(w, "\nMemory limits are compared with %s memory.\n", v.MemoryKind)
	}
	if err := v.Office.writeText(w); err != nil {
		return fmt.Errorf("write effective policy: %w", err)
	}
	if len(v.Managed) == 0 {
		_, err := fmt.Fprintln(w, "\nNo managed add-ins.")
		return err
	}
	fmt.Fprintln(w, "\nMANAGED ADD-IN")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, m := range v.Managed {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.ID, m.Mode, m.Origin)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write effective policy: %w", err)
	}
	return nil
}

func orDefault(scope string) string {
	if scope == "" {
		return "default"
	}
	return scope
}

// scopeOfPath is the scope of a registry path in the view.
func scopeOfPath(p string) string {
	if strings.Contains(p, string(HKLM)) {
		return string(ScopeMachine)
	}
	return string(ScopeUser)
}

func splitErrors(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "; ")
}

// formatValue renders a setting value for people: "5 s", "on", "ReadItem",
// "a, b" or "(empty)".
func formatValue(v any, unit string) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "on"
		}
		return "off"
	case []string:
		if len(x) == 0 {
			return "(empty)"
		}
		return strings.Join(x, ", ")
	case []any: // a list read back from JSON
		if len(x) == 0 {
			return "(empty)"
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ", ")
	case int64:
		return withUnit(fmt.Sprintf("%d", x), unit)
	case float64: // a number read back from JSON
		return withUnit(strconv.FormatFloat(x, 'f', -1, 64), unit)
	}
	return fmt.Sprint(v)
}

func withUnit(n, unit string) string {
	if unit == "" {
		return n
	}
	return n + " " + unit
}
