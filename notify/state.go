package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// stateVersion is the state file's format version.
const stateVersion = 1

// maxStateBytes bounds the state file; a real one is a few hundred bytes.
const maxStateBytes = 64 << 10

// ErrCorruptState means the state file exists but cannot be read as agent state. The
// agent then starts from the daemon's record and rewrites the file.
var ErrCorruptState = errors.New("agent state file is corrupt")

// stateFile is the on-disk form.
type stateFile struct {
	Version int               `json:"version"`
	Seqs    map[string]uint64 `json:"seqs"`
}

// State is the per-user record of the last notice shown, per daemon address.
type State struct {
	path string

	mu   sync.Mutex
	seqs map[string]uint64
}

// NewMemoryState returns a State that is not backed by a file (tests, --once runs that
// must not remember).
func NewMemoryState() *State { return &State{seqs: map[string]uint64{}} }

// LoadState reads the state file at path; a missing file is an empty state. A corrupt
// file yields an empty state that will overwrite it, and an error wrapping
// ErrCorruptState so the caller can say so.
func LoadState(path string) (*State, error) {
	s := &State{path: path, seqs: map[string]uint64{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("read agent state %s: %w", path, err)
	}
	seqs, err := ParseState(data)
	if err != nil {
		return s, fmt.Errorf("%w: %s: %v (it will be rewritten)", ErrCorruptState, path, err)
	}
	s.seqs = seqs
	return s, nil
}

// ParseState decodes the state file's contents.
func ParseState(data []byte) (map[string]uint64, error) {
	if len(data) > maxStateBytes {
		return nil, fmt.Errorf("%d bytes is larger than %d", len(data), maxStateBytes)
	}
	var f stateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not agent state JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if f.Version != stateVersion {
		return nil, fmt.Errorf("format version %d, this agent reads %d", f.Version, stateVersion)
	}
	seqs := make(map[string]uint64, len(f.Seqs))
	for addr, seq := range f.Seqs {
		if addr == "" {
			return nil, errors.New("an entry has an empty daemon address")
		}
		seqs[addr] = seq
	}
	return seqs, nil
}

// Path is the file the state is kept in ("" for a memory state).
func (s *State) Path() string { return s.path }

// Seq returns the last notice shown from the daemon at addr (0 when none).
func (s *State) Seq(addr string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seqs[addr]
}

// Advance records that notices up to seq from the daemon at addr were shown. It never
// moves backwards, and it is on disk when it returns.
func (s *State) Advance(addr string, seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.seqs[addr] {
		return nil
	}
	return s.setLocked(addr, seq)
}

// Reset sets the position for addr even if it moves backwards: the daemon's own
// history was reset (a new state database), so its sequence numbers start again.
func (s *State) Reset(addr string, seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setLocked(addr, seq)
}

func (s *State) setLocked(addr string, seq uint64) error {
	old, had := s.seqs[addr]
	s.seqs[addr] = seq
	if s.path == "" {
		return nil
	}
	if err := s.saveLocked(); err != nil {
		if had {
			s.seqs[addr] = old
		} else {
			delete(s.seqs, addr)
		}
		return err
	}
	return nil
}

// saveLocked replaces the file atomically: write a temporary file beside it, sync,
// rename, so a crash leaves either the old or the new record, never half of one.
func (s *State) saveLocked() error {
	data, err := json.Marshal(stateFile{Version: stateVersion, Seqs: s.seqs})
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create agent state directory %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".agent-state-*")
	if err != nil {
		return fmt.Errorf("write agent state in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename this finds nothing
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write agent state %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync agent state %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write agent state %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("replace agent state %s: %w", s.path, err)
	}
	syncDir(dir)
	return nil
}
