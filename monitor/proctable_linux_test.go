package monitor

import (
	"strings"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name      string
		stat      string
		want      ProcessEntry
		wantState byte
		wantErr   bool
	}{
		{"plain", "1234 (bash) S 1200 1234 1234 34816 0", ProcessEntry{PID: 1234, PPID: 1200, Name: "bash"}, 'S', false},
		{"name with spaces and parentheses", "77 (a) b (c)) R 5 77 0", ProcessEntry{PID: 77, PPID: 5, Name: "a) b (c)"}, 'R', false},
		{"empty name", "9 () Z 1 9", ProcessEntry{PID: 9, PPID: 1, Name: ""}, 'Z', false},
		{"kernel thread", "2 (kthreadd) S 0 0 0", ProcessEntry{PID: 2, PPID: 0, Name: "kthreadd"}, 'S', false},
		{"trailing newline", "5 (x) S 1 5\n", ProcessEntry{PID: 5, PPID: 1, Name: "x"}, 'S', false},
		{"no parentheses", "5 x S 1", ProcessEntry{}, 0, true},
		{"closing before opening", "5 )x( S 1", ProcessEntry{}, 0, true},
		{"bad pid", "x5 (x) S 1", ProcessEntry{}, 0, true},
		{"zero pid", "0 (x) S 1", ProcessEntry{}, 0, true},
		{"no parent", "5 (x) S", ProcessEntry{}, 0, true},
		{"bad parent", "5 (x) S -1", ProcessEntry{}, 0, true},
		{"long state", "5 (x) SS 1", ProcessEntry{}, 0, true},
		{"state not a letter", "5 (x) \x00 1", ProcessEntry{}, 0, true},
		{"empty", "", ProcessEntry{}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, state, err := parseProcStat([]byte(tc.stat))
			if (err != nil) != tc.wantErr {
				t.Fatalf("error = %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want || state != tc.wantState {
				t.Errorf("parse = %+v %q, want %+v %q", got, state, tc.want, tc.wantState)
			}
		})
	}
}

func TestExitedState(t *testing.T) {
	for _, tc := range []struct {
		state byte
		want  bool
	}{{'R', false}, {'S', false}, {'D', false}, {'T', false}, {'I', false}, {'Z', true}, {'X', true}} {
		if got := exitedState(tc.state); got != tc.want {
			t.Errorf("exitedState(%q) = %v, want %v", tc.state, got, tc.want)
		}
	}
}

// FuzzParseProcStat: a process chooses its own command name, which sits in the middle
// of the stat line.
func FuzzParseProcStat(f *testing.F) {
	f.Add([]byte("1234 (bash) S 1200 1234 1234 34816 0"))
	f.Add([]byte("77 (a) b (c)) R 5 77 0"))
	f.Add([]byte("5 ("))
	f.Add([]byte(")"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, state, err := parseProcStat(b)
		if err != nil {
			return
		}
		if e.PID <= 0 || e.PPID < 0 || state == 0 {
			t.Fatalf("accepted %q as %+v state %q", b, e, state)
		}
		if !strings.Contains(string(b), "("+e.Name+")") {
			t.Fatalf("name %q is not the parenthesised part of %q", e.Name, b)
		}
	})
}
