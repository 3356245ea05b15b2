package notify

import (
	"html"
	"strings"
	"testing"
)

func TestEscapeMarkup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`<a href="x">click</a> & <img src=y>`, "&lt;a href=&quot;x&quot;&gt;click&lt;/a&gt; &amp; &lt;img src=y&gt;"},
		{"it's", "it&apos;s"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := escapeMarkup(tt.in); got != tt.want {
				t.Errorf("escapeMarkup(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzEscapeMarkup(f *testing.F) {
	for _, s := range []string{"", "<b>x</b>", "&amp;", `"'<>&`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := escapeMarkup(s)
		if strings.ContainsAny(e, "<>\"") {
			t.Fatalf("escapeMarkup(%q) = %q still holds markup characters", s, e)
		}
		if back := html.UnescapeString(e); back != s && strings.ToValidUTF8(s, "\uFFFD") == s {
			t.Fatalf("escapeMarkup(%q) = %q does not unescape to the input (got %q)", s, e, back)
		}
	})
}

func TestOneLineKeepBreaks(t *testing.T) {
	if got := oneLineKeepBreaks("a\x1b[31m\nb\tc\r"); got != "a[31m\nb c " {
		t.Fatalf("got %q", got)
	}
}
