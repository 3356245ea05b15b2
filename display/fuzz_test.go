package display

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEscape: the result is valid UTF-8 with no character that could steer a terminal
// or reorder text, and text with nothing to escape comes back unchanged.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"plain", "\x1b]0;title\x07", "a\u202eb", "\xff\xfe", "日本\n", "\u009b2J"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Escape(%q) = %q is not UTF-8", s, got)
		}
		if strings.ContainsFunc(got, unsafe) {
			t.Fatalf("Escape(%q) = %q still holds an unsafe character", s, got)
		}
		if !needsEscape(s) && got != s {
			t.Fatalf("Escape(%q) = %q changed safe text", s, got)
		}
		if tr := Truncate(s, 64); len(tr) > 64 || (utf8.ValidString(s) && !utf8.ValidString(tr)) {
			t.Fatalf("Truncate(%q, 64) = %q", s, tr)
		}
	})
}
