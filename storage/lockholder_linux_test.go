package storage

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLockHolderFoundWithoutPIDFile: when the holder left no pid file, Linux finds it in
// /proc.
func TestLockHolderFoundWithoutPIDFile(t *testing.T) {
	path := filepath.Join(testDir(t), "addingov.db")
	w := startWriter(t, path)
	w.waitAcks(t, 1)
	if err := os.Remove(pidFilePath(path)); err != nil {
		t.Fatalf("remove the holder's pid file: %v", err)
	}
	_, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Open of a held database: %v, want *LockedError", err)
	}
	if le.PID != w.cmd.Process.Pid {
		t.Errorf("holder pid %d, want %d (error: %v)", le.PID, w.cmd.Process.Pid, err)
	}
	if le.Program == "" {
		t.Errorf("holder program not found in /proc (error: %v)", err)
	}
	w.killAndDrain(t)
}
