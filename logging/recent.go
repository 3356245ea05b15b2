package logging

import (
	"bytes"
	"sync"
)

// Recent keeps the daemon's last log lines (zerolog JSON, one event a line) in memory,
// so `addingov bugreport` can include them on any platform, also where the system log
// is not readable by the user collecting the bundle.
type Recent struct {
	mu    sync.Mutex
	lines [][]byte
	next  int
	full  bool
}

// NewRecent keeps the last n lines.
func NewRecent(n int) *Recent { return &Recent{lines: make([][]byte, max(n, 1))} }

// Write implements io.Writer; zerolog writes one event per call.
func (r *Recent) Write(p []byte) (int, error) {
	line := bytes.TrimRight(p, "\n")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines[r.next] = append(r.lines[r.next][:0], line...)
	r.next = (r.next + 1) % len(r.lines)
	r.full = r.full || r.next == 0
	return len(p), nil
}

// Lines returns the kept lines, oldest first.
func (r *Recent) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	start, n := 0, r.next
	if r.full {
		start, n = r.next, len(r.lines)
	}
	for i := range n {
		out = append(out, string(r.lines[(start+i)%len(r.lines)]))
	}
	return out
}
