package registrypolicy

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// jsonView is the JSON shape of `addingov policy --json`.
type jsonView struct {
	Settings []jsonSetting `json:"settings"`
	Managed  []jsonManaged `json:"managed_addins"`
}

type jsonSetting struct {
	Name   string `json:"name"`
	Value  any    `json:"value"`
	Unit   string `json:"unit"`
	Origin string `json:"origin"`
	Error  string `json:"error"`
}

type jsonManaged struct {
	ID     string `json:"id"`
	Mode   string `json:"mode"` // always-enabled, blocked or user-decides
	Origin string `json:"origin"`
}

// JSON renders the effective policy as
// {"settings":[{"name","value","unit","origin","error"}…],"managed_addins":[{"id","mode","origin"}…]}
// with numbers as JSON numbers, switches as booleans, enums as strings and lists as
// arrays of strings; error is "" when no value was ignored.
func (e *Effective) JSON() ([]byte, error) {
	v := jsonView{Settings: make([]jsonSetting, len(e.Settings)), Managed: make([]jsonManaged, len(e.Managed))}
	for i, s := range e.Settings {
		v.Settings[i] = jsonSetting{Name: s.Name, Value: s.Value, Unit: s.Unit, Origin: s.Origin, Error: s.Error}
	}
	for i, m := range e.Managed {
		v.Managed[i] = jsonManaged{ID: m.ID, Mode: m.Mode.String(), Origin: m.Origin}
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode effective policy: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteText writes the effective policy for people: one line per setting with its
// value, unit and origin, errors indented below, then the managed add-ins.
func (e *Effective) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tORIGIN")
	for _, s := range e.Settings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, formatValue(s.Value, s.Unit), s.Origin)
		for _, msg := range splitErrors(s.Error) {
			fmt.Fprintf(tw, "  error:\t%s\t\n", msg)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write effective policy: %w", err)
	}
	fmt.Fprintf(w, "\nMemory limits are compared with %s memory.\n", e.MemoryKind)
	if len(e.Managed) == 0 {
		_, err := fmt.Fprintln(w, "\nNo managed add-ins.")
		return err
	}
	fmt.Fprintln(w, "\nMANAGED ADD-IN")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, m := range e.Managed {
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
	case int64:
		if unit != "" {
			return fmt.Sprintf("%d %s", x, unit)
		}
		return fmt.Sprintf("%d", x)
	}
	return fmt.Sprint(v)
}
