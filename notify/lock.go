package notify

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// ErrAlreadyRunning means another agent of the same user holds the lock.
var ErrAlreadyRunning = errors.New("another addingov agent is already running for this user")

// Lock is the per-user single-instance lock of the agent.
type Lock struct {
	f *os.File
}

// AcquireLock takes the agent lock at path without waiting. When another agent holds
// it, the error wraps ErrAlreadyRunning and names that agent's pid.
func AcquireLock(path string) (*Lock, error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("open agent lock %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		holder := readHolder(path)
		f.Close()
		if errors.Is(err, errLockHeld) {
			return nil, fmt.Errorf("%w (pid %s, lock %s): stop it first, or leave it running: it already shows the notices", ErrAlreadyRunning, holder, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The holder's pid, for the message another agent prints.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up (the OS also drops it when the process ends).
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

var errLockHeld = errors.New("lock held")

func readHolder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	s := string(bytes.TrimSpace(b))
	if _, err := strconv.Atoi(s); err != nil {
		return "unknown"
	}
	return s
}
