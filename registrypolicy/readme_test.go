package registrypolicy

import (
	"os"
	"strings"
	"testing"
)

// The README's settings table is MarkdownTable's output: one definition, no drift.
func TestREADMEHasTheGeneratedSettingsTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("read the README: %v", err)
	}
	const begin, end = "<!-- BEGIN settings table (generated) -->\n", "<!-- END settings table -->"
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers around the settings table", begin, end)
	}
	if got, want := s[i+len(begin):j], MarkdownTable(); got != want {
		t.Fatalf("README's settings table differs from registrypolicy.MarkdownTable(); paste its output between the markers.\nwant:\n%s", want)
	}
}
