package registrypolicy

import (
	"fmt"
	"strings"
)

// MarkdownTable renders the settings table for the README: name, type, unit, range,
// default, and where it is read from in precedence order.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| setting | type | range | default | read from (highest precedence first) | what it does |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, s := range settings {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n",
			s.Name, typeText(s), mdEscape(s.RangeText()), mdEscape(s.DefaultText()), locationsText(s), mdEscape(s.Summary))
	}
	b.WriteString("\nOur values sit under `HKLM\\SOFTWARE\\Policies\\AddinGov` (machine) and " +
		"`HKCU\\SOFTWARE\\Policies\\AddinGov` (user); a list is a subkey of that name. Our keys take " +
		"REG_DWORD for numbers and switches. Microsoft's documentation gives its Outlook values as " +
		"REG_DWORD in one place and as decimal strings in another, so Microsoft's locations accept " +
		"a REG_DWORD or a REG_SZ holding a decimal number. A value of the wrong type, out of range " +
		"or unparsable is ignored, the next location applies, and `addingov policy` shows the error " +
		"against the setting.\n")
	return b.String()
}

func typeText(s Setting) string {
	switch s.Kind {
	case KindNumber:
		return "REG_DWORD"
	case KindBool:
		return "REG_DWORD 0/1"
	case KindEnum:
		return "REG_SZ"
	case KindList:
		if s.Name == ManagedAddins {
			return "subkey of REG_DWORD or REG_SZ values"
		}
		return "subkey of REG_SZ values"
	}
	return s.Kind.String()
}

func locationsText(s Setting) string {
	parts := make([]string, len(s.Locations))
	for i, l := range s.Locations {
		hive := "HKLM"
		if l.Hive == HKCU {
			hive = "HKCU"
		}
		p := hive + `\` + l.Key
		if l.ValueName != "" {
			p += `\` + l.ValueName
		}
		parts[i] = "`" + p + "`"
	}
	return strings.Join(parts, "<br>")
}

// mdEscape keeps table cells intact.
func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
