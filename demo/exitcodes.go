package demo

import (
	"os"
	"sync"
)

// exitBook records the exit codes of the add-in processes the demo host launched, so
// the daemon's crash evidence carries them: the host is the process's parent, the only
// one the OS tells.
type exitBook struct {
	mu    sync.Mutex
	codes map[int32]int
}

func newExitBook() *exitBook { return &exitBook{codes: map[int32]int{}} }

func (b *exitBook) record(pid int, ps *os.ProcessState) {
	if ps == nil {
		return
	}
	code, ok := exitStatus(ps)
	if !ok {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.codes[int32(pid)] = code
}

// lookup implements daemon.Config.ExitCodes.
func (b *exitBook) lookup(pid int32) (int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	code, ok := b.codes[pid]
	return code, ok
}
