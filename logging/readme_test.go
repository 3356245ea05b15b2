package logging

import (
	"os"
	"strings"
	"testing"
)

// The README lists the stable event IDs exactly as the table defines them.
func TestREADMEListsTheEventIDs(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("read the README: %v", err)
	}
	const begin, end = "<!-- BEGIN event IDs (generated) -->\n", "<!-- END event IDs -->"
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers around the event ID table", begin, end)
	}
	if got, want := s[i+len(begin):j], EventIDTable(); got != want {
		t.Fatalf("README's event ID table differs from logging.EventIDTable(); paste its output between the markers.\nwant:\n%s", want)
	}
}
