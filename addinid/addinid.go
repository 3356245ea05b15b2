// Package addinid defines which strings may name an add-in. Every place that takes an
// add-in id from outside the daemon (a host's activation report, an installed
// manifest, a process found by discovery) checks it here, so ids that reach the CLI,
// the disable log and the Event Log never carry terminal escapes, path separators or
// bidirectional overrides.
//
// The alphabet is what real add-in ids need, from Microsoft's documentation:
//   - an Office Add-in manifest's <Id> and a unified manifest's "id" are GUIDs,
//     "hyphenated, but have no other punctuation" (Office Add-ins manifest reference,
//     "Id element");
//   - a SharePoint add-in's ProductID is a GUID in braces, {xxxxxxxx-…};
//   - a COM or VSTO add-in's ProgID is "<Program>.<Component>.<Version>": letters,
//     digits and periods, at most 39 characters, not starting with a digit (Win32
//     COM documentation, "ProgID Key");
//   - ids a host or a discovery rule reports for its own add-ins are short names,
//     for which '-' and '_' are allowed too.
//
// So an id is 1 to MaxBytes bytes of ASCII letters, digits, '.', '-', '_', '{' and
// '}', beginning with a letter, a digit or '{' (never '-', which a command line would
// read as a flag, nor '.', which a path would read as a directory). The daemon's own
// per-user records ("ID@uid:UID") use '@' and ':', which no caller-supplied id may
// hold, so no caller can name another user's record.
package addinid

import (
	"fmt"
	"unicode/utf8"
)

// MaxBytes is the longest add-in id accepted: a GUID in braces is 38 bytes, a ProgID
// at most 39.
const MaxBytes = 128

// Allowed describes the alphabet for error messages.
const Allowed = "letters A-Z and a-z, digits, '.', '-', '_', '{' and '}'"

// Error says why an id was refused. Char is the offending character (-1 when the id is
// empty or too long), Offset its byte offset.
type Error struct {
	ID     string
	Char   rune
	Offset int
	msg    string
}

func (e *Error) Error() string { return e.msg }

// allowed reports whether c may appear in an id.
func allowed(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '.', '-', '_', '{', '}':
		return true
	}
	return false
}

// Check returns nil when id may name an add-in, and otherwise an *Error naming the
// first offending character as U+XXXX.
func Check(id string) error {
	switch {
	case id == "":
		return &Error{ID: id, Char: -1, msg: "the add-in id is empty: give the add-in's GUID, ProgID or name"}
	case len(id) > MaxBytes:
		return &Error{ID: id, Char: -1, Offset: MaxBytes,
			msg: fmt.Sprintf("the add-in id is %d bytes long; ids are at most %d (a GUID, a ProgID or a short name)", len(id), MaxBytes)}
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if allowed(c) && (i > 0 || (c != '-' && c != '.' && c != '_' && c != '}')) {
			continue
		}
		r, _ := utf8.DecodeRuneInString(id[i:])
		if r == utf8.RuneError && c >= utf8.RuneSelf {
			return &Error{ID: id, Char: utf8.RuneError, Offset: i,
				msg: fmt.Sprintf("the add-in id %q is not valid UTF-8 at byte %d: ids may hold only %s", id, i, Allowed)}
		}
		where := fmt.Sprintf("at byte %d", i)
		if i == 0 && allowed(c) {
			return &Error{ID: id, Char: r, Offset: i,
				msg: fmt.Sprintf("the add-in id %q begins with %s, which may not begin an id: begin with a letter, a digit or '{'", id, describe(r))}
		}
		return &Error{ID: id, Char: r, Offset: i,
			msg: fmt.Sprintf("the add-in id %q holds %s %s, which add-in ids may not hold: ids may hold only %s", id, describe(r), where, Allowed)}
	}
	return nil
}

// Valid reports whether Check accepts id.
func Valid(id string) bool { return Check(id) == nil }

// describe names a character as U+XXXX, with the character itself when it prints
// harmlessly.
func describe(r rune) string {
	if r > 0x20 && r < 0x7f {
		return fmt.Sprintf("%q (U+%04X)", r, r)
	}
	return fmt.Sprintf("U+%04X", r)
}
