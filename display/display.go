// Package display makes text that came from outside (add-in names, failure and
// disable reasons, notice text: whatever a host, a manifest or a user supplied) safe to
// print on a terminal or write into a log viewer. One helper, Escape, is used wherever
// such text is printed: the CLI's tables and messages and the Event Log.
package display

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every character that could change how the surrounding output
// looks replaced by a visible escape: C0 and C1 control characters (terminal escape
// sequences start with ESC, U+001B, or CSI, U+009B) including newlines and tabs, DEL,
// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, and
// the marks U+200E, U+200F, U+061C), other invisible format characters (Unicode
// category Cf, such as zero-width spaces), line and paragraph separators, and bytes
// that are not UTF-8. Escapes are written as Go writes them: \n, \r, \t, \x1b,
// \u202e, and \xff for a stray byte. Everything else, including non-ASCII letters, is
// kept, so names in any script print as they are.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unsafe(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || unsafe(r) {
			return true
		}
		i += size
	}
	return false
}

// unsafe reports whether r must not be printed as it is.
func unsafe(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Cf, r) // format characters: bidi controls, zero-width spaces, …
}

// Truncate shortens s to at most max bytes, cut at a character boundary and marked
// with "…", so a stored string stays within what the CLI can show. s is returned
// unchanged when it fits.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const mark = "…"
	cut := max - len(mark)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
