package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// LockedError says that another process holds the database open. PID is 0 when that
// process could not be identified.
type LockedError struct {
	Path    string
	PID     int
	Program string // the other process's program name, when known
	Waited  time.Duration
}

func (e *LockedError) Error() string {
	if e.PID != 0 && e.PID == os.Getpid() {
		return fmt.Sprintf("open state database %s: this process (pid %d) already has it open; close the other handle first", e.Path, e.PID)
	}
	who := "another process"
	switch {
	case e.PID != 0 && e.Program != "":
		who = fmt.Sprintf("another %s (pid %d)", e.Program, e.PID)
	case e.PID != 0:
		who = fmt.Sprintf("another process (pid %d)", e.PID)
	}
	return fmt.Sprintf("open state database %s: %s is using it (waited %s for it to let go); stop it first or use a different --state-dir",
		e.Path, who, e.Waited)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// lockedError identifies who holds path: first from the pid file the holder wrote, then
// from the operating system where it can tell (lockHolder).
func lockedError(path string, waited time.Duration) error {
	e := &LockedError{Path: path, Waited: waited}
	if pid, prog, err := readPIDFile(pidFilePath(path)); err == nil {
		e.PID, e.Program = pid, prog
	} else if pid, prog, ok := lockHolder(path); ok {
		e.PID, e.Program = pid, prog
	}
	return e
}

// pidFilePath is where the process holding path records itself.
func pidFilePath(path string) string { return path + ".pid" }

// writePIDFile records this process (pid and program name) in path. It is written after
// the database lock is taken, so it always names the current holder; a stale one left
// by a killed process is simply overwritten.
func writePIDFile(path string) error {
	prog := filepath.Base(os.Args[0])
	prog = strings.TrimSuffix(prog, ".exe")
	return os.WriteFile(path, []byte(fmt.Sprintf("%d %s\n", os.Getpid(), prog)), 0o644)
}

// removePIDFile deletes path if it still names this process.
func removePIDFile(path string) {
	if pid, _, err := readPIDFile(path); err == nil && pid == os.Getpid() {
		os.Remove(path)
	}
}

// readPIDFile parses "<pid> <program>" as writePIDFile wrote it.
func readPIDFile(path string) (pid int, program string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, "", err
	}
	if len(b) > 4096 {
		return 0, "", errors.New("pid file too large")
	}
	return parsePIDLine(string(b))
}

// parsePIDLine reads "<pid> [<program>]"; the program name is cleaned so a hostile
// file cannot put control characters into an error message.
func parsePIDLine(s string) (int, string, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return 0, "", errors.New("empty pid file")
	}
	pid, err := strconv.Atoi(fields[0])
	if err != nil || pid <= 0 {
		return 0, "", fmt.Errorf("pid file names no pid: %q", fields[0])
	}
	var prog string
	if len(fields) > 1 {
		prog = cleanProgram(fields[1])
	}
	return pid, prog, nil
}

// cleanProgram keeps a program name printable and short.
func cleanProgram(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) && !unicode.IsSpace(r) {
			return r
		}
		return -1
	}, s)
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64])
	}
	return s
}
