package notify_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"addingov/notify"
)

func TestParseState(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    map[string]uint64
		wantErr string
	}{
		{name: "one daemon", data: `{"version":1,"seqs":{"/run/addingov/addingovd.sock":42}}`, want: map[string]uint64{"/run/addingov/addingovd.sock": 42}},
		{name: "two daemons", data: `{"version":1,"seqs":{"a":1,"b":2}}`, want: map[string]uint64{"a": 1, "b": 2}},
		{name: "no entries", data: `{"version":1,"seqs":{}}`, want: map[string]uint64{}},
		{name: "empty file", data: ``, wantErr: "not agent state JSON"},
		{name: "future version", data: `{"version":2,"seqs":{}}`, wantErr: "format version 2"},
		{name: "unknown field", data: `{"version":1,"seqs":{},"x":1}`, wantErr: "unknown field"},
		{name: "negative seq", data: `{"version":1,"seqs":{"a":-1}}`, wantErr: "not agent state JSON"},
		{name: "trailing data", data: `{"version":1,"seqs":{}} {}`, wantErr: "trailing data"},
		{name: "empty address", data: `{"version":1,"seqs":{"":3}}`, wantErr: "empty daemon address"},
		{name: "too large", data: `{"version":1,"seqs":{"` + strings.Repeat("a", 70000) + `":1}}`, wantErr: "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := notify.ParseState([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseState(%q) error = %v, want one containing %q", tt.data, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseState: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("seq for %q = %d, want %d", k, got[k], v)
				}
			}
		})
	}
}

func TestStateAdvanceIsMonotonicAndDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "agent.seq")
	s, err := notify.LoadState(path)
	if err != nil {
		t.Fatalf("LoadState of a missing file: %v", err)
	}
	steps := []struct {
		name string
		do   func() error
		addr string
		want uint64
	}{
		{name: "advance", do: func() error { return s.Advance("a", 5) }, addr: "a", want: 5},
		{name: "never backwards", do: func() error { return s.Advance("a", 3) }, addr: "a", want: 5},
		{name: "other daemon independent", do: func() error { return s.Advance("b", 1) }, addr: "a", want: 5},
		{name: "reset moves back", do: func() error { return s.Reset("a", 2) }, addr: "a", want: 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			if got := s.Seq(st.addr); got != st.want {
				t.Errorf("in memory: %d, want %d", got, st.want)
			}
			re, err := notify.LoadState(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := re.Seq(st.addr); got != st.want {
				t.Errorf("reloaded: %d, want %d", got, st.want)
			}
		})
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("state file mode %v: other users may read it", fi.Mode().Perm())
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".agent-state-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestLoadStateCorruptFileIsReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.seq")
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := notify.LoadState(path)
	if !errors.Is(err, notify.ErrCorruptState) {
		t.Fatalf("LoadState of garbage: %v, want ErrCorruptState", err)
	}
	if s == nil || s.Seq("a") != 0 {
		t.Fatal("a corrupt file must still give an empty, usable state")
	}
	if err := s.Advance("a", 7); err != nil {
		t.Fatal(err)
	}
	re, err := notify.LoadState(path)
	if err != nil || re.Seq("a") != 7 {
		t.Fatalf("after rewriting: seq %v, err %v; want 7, nil", re.Seq("a"), err)
	}
}

func TestStateAdvanceFailureKeepsOldValue(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "agent.seq")
	s, _ := notify.LoadState(path)
	if err := s.Advance("a", 1); err != nil {
		t.Fatal(err)
	}
	// Replace the directory by a plain file: the write fails even for root.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Advance("a", 2); err == nil {
		t.Fatal("Advance into a directory that is not there succeeded")
	}
	if got := s.Seq("a"); got != 1 {
		t.Fatalf("after a failed write the state says %d, want the stored 1", got)
	}
}

func FuzzParseState(f *testing.F) {
	for _, seed := range []string{
		`{"version":1,"seqs":{"/run/addingov/addingovd.sock":42}}`,
		`{"version":1,"seqs":{}}`,
		`{"version":2}`,
		`{"version":1,"seqs":{"":1}}`,
		`[]`, ``, `null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		seqs, err := notify.ParseState(data)
		if err != nil {
			return
		}
		for addr := range seqs {
			if addr == "" {
				t.Fatal("accepted an empty daemon address")
			}
		}
	})
}
