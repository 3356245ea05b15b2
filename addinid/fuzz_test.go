package addinid

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheck: an accepted id holds only the alphabet; a refusal's message is printable
// (it never echoes a control or bidi character raw) and never panics.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"demo-cpu", "{0bb4f793-bb61-45db-84e5-3565d3a66d57}", "\x1b[31m", "../x", "a\u202Eb", "x@uid:0", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		err := Check(id)
		if err == nil {
			if id == "" || len(id) > MaxBytes {
				t.Fatalf("accepted %q", id)
			}
			for i := 0; i < len(id); i++ {
				if !allowed(id[i]) {
					t.Fatalf("accepted %q with byte %#x", id, id[i])
				}
			}
			return
		}
		msg := err.Error()
		if !utf8.ValidString(msg) {
			t.Fatalf("message is not UTF-8: %q", msg)
		}
		if strings.ContainsFunc(msg, func(r rune) bool {
			return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
		}) {
			t.Fatalf("message carries a control or bidi character: %q", msg)
		}
	})
}
