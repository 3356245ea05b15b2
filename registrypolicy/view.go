package registrypolicy

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// View is the effective policy as `addingov policy --json` prints it, the daemon serves
// it, and the CLI reads it back: numbers as JSON numbers, switches as booleans, enums as
// strings, lists as arrays of strings; error is "" when no value was ignored.
type View struct {
	Settings []SettingView `json:"settings"`
	Managed  []ManagedView `json:"managed_addins"`
	// MemoryKind is what the memory limits are compared with: "resident" or
	// "private commit".
	MemoryKind string `json:"memory_kind,omitempty"`
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
}

// ManagedView is one managed add-in of a View.
type ManagedView struct {
	ID     string `json:"id"`
	Mode   string `json:"mode"` // always-enabled, blocked or user-decides
	Origin string `json:"origin"`
}

// View returns the effective policy's view.
func (e *Effective) View() View {
	v := View{Settings: make([]SettingView, len(e.Settings)), Managed: make([]ManagedView, len(e.Managed)), MemoryKind: e.MemoryKind}
	for i, s := range e.Settings {
		v.Settings[i] = SettingView{Name: s.Name, Value: s.Value, Unit: s.Unit, Origin: s.Origin, Error: s.Error}
	}
	for i, m := range e.Managed {
		v.Managed[i] = ManagedView{ID: m.ID, Mode: m.Mode.String(), Origin: m.Origin}
	}
	v.Office = e.officeView()
	return v
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
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tORIGIN")
	var ignored []string
	for _, s := range v.Settings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, formatValue(s.Value, s.Unit), s.Origin)
		for _, msg := range splitErrors(s.Error) {
			ignored = append(ignored, s.Name+": "+msg)
		}
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
