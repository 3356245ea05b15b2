package monitor

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestListProcessesFindsItself checks the platform's process table on whatever system
// runs the tests: this process must be in it, with its parent and its program's name.
func TestListProcessesFindsItself(t *testing.T) {
	entries, err := listProcesses()
	if err != nil {
		t.Fatalf("listProcesses: %v", err)
	}
	i := slices.IndexFunc(entries, func(e ProcessEntry) bool { return e.PID == int32(os.Getpid()) })
	if i < 0 {
		t.Fatalf("this process (%d) is not among %d entries", os.Getpid(), len(entries))
	}
	self := entries[i]
	if self.PPID != int32(os.Getppid()) {
		t.Errorf("parent = %d, want %d", self.PPID, os.Getppid())
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Linux truncates the name to 15 bytes; Windows reports the image's file name.
	if name := strings.ToLower(self.Name); name == "" || !strings.HasPrefix(strings.ToLower(filepath.Base(exe)), name) {
		t.Errorf("name = %q, want a prefix of %q", self.Name, filepath.Base(exe))
	}
	seen := make(map[int32]bool, len(entries))
	for _, e := range entries {
		if seen[e.PID] {
			t.Errorf("pid %d listed twice", e.PID)
		}
		seen[e.PID] = true
	}
}
