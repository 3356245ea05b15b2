package display

import "testing"

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Contoso CRM", "Contoso CRM"},
		{"Café Ünïcode 日本", "Café Ünïcode 日本"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"evil\u202Etxt.exe", `evil\u202etxt.exe`},
		{"iso\u2066late\u2069", `iso\u2066late\u2069`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"csi\u009b31m", `csi\x9b31m`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"nul\x00", `nul\x00`},
		{"del\x7f", `del\x7f`},
		{"line\u2028sep", `line\u2028sep`},
		{`C:\Program Files\x`, `C:\Program Files\x`},
	}
	for _, c := range cases {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefg…"},
		{"ééééé", 7, "éé…"}, // never cuts inside a character
	}
	for _, c := range cases {
		got := Truncate(c.in, c.max)
		if got != c.want || len(got) > c.max {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
