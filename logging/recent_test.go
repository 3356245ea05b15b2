package logging

import (
	"fmt"
	"strings"
	"testing"
)

func TestRecentKeepsTheLastLines(t *testing.T) {
	tests := []struct {
		keep, write int
		want        string
	}{
		{3, 0, ""},
		{3, 2, "0,1"},
		{3, 3, "0,1,2"},
		{3, 7, "4,5,6"},
		{1, 5, "4"},
	}
	for _, tt := range tests {
		r := NewRecent(tt.keep)
		for i := range tt.write {
			fmt.Fprintf(r, "%d\n", i)
		}
		if got := strings.Join(r.Lines(), ","); got != tt.want {
			t.Errorf("keep %d, write %d: %q, want %q", tt.keep, tt.write, got, tt.want)
		}
	}
}

func TestLoggerWritesToRecent(t *testing.T) {
	r := NewRecent(10)
	var stderr strings.Builder
	log, closeLog, err := New(Options{Stderr: &stderr, Recent: r})
	if err != nil {
		t.Fatal(err)
	}
	defer closeLog()
	log.Warn().Str("addin", "x").Msg("hello")
	lines := r.Lines()
	if len(lines) != 1 || !strings.Contains(lines[0], `"message":"hello"`) || !strings.Contains(stderr.String(), "hello") {
		t.Errorf("recent = %q, stderr = %q", lines, stderr.String())
	}
}
