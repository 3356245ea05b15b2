package addinid

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	ok := []string{
		"0127a87f-ebef-4732-885c-7e4d4e59ccb2",   // an XML manifest's <Id>
		"{0bb4f793-bb61-45db-84e5-3565d3a66d57}", // a SharePoint ProductID
		"Word.Document.6",                        // a ProgID
		"KeepOutlookRunningCOMAddin.Connect",
		"demo-cpu", "my_addin", "A", strings.Repeat("a", MaxBytes),
	}
	for _, id := range ok {
		if err := Check(id); err != nil {
			t.Errorf("Check(%q) = %v, want nil", id, err)
		}
	}
	bad := []struct{ id, want string }{
		{"", "empty"},
		{strings.Repeat("a", MaxBytes+1), "at most 128"},
		{"\x1b[31mred", "U+001B"},
		{"../../etc/passwd", "begins with '.' (U+002E)"},
		{"a/../../etc/passwd", "'/' (U+002F)"},
		{"abc\u202Eexe.txt", "U+202E"},
		{"machine@uid:1000", "'@' (U+0040)"},
		{"a:b", "':' (U+003A)"},
		{"-rf", "begins with '-' (U+002D)"},
		{"has space", "U+0020"},
		{"caf\xc3", "not valid UTF-8"},
		{"back\\slash", "'\\\\' (U+005C)"},
	}
	for _, c := range bad {
		err := Check(c.id)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Check(%q) = %v, want an *Error", c.id, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check(%q) = %q, want it to contain %q", c.id, err, c.want)
		}
		if strings.ContainsAny(err.Error(), "\x1b\u202E") {
			t.Errorf("Check(%q)'s message carries the raw character: %q", c.id, err)
		}
	}
}
