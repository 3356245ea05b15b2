package notify_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"addingov/notify"
)

func TestAcquireLockAllowsOneAgent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "agent.seq.lock")
	first, err := notify.AcquireLock(path)
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	_, err = notify.AcquireLock(path)
	if !errors.Is(err, notify.ErrAlreadyRunning) {
		t.Fatalf("second lock: %v, want ErrAlreadyRunning", err)
	}
	if want := "pid " + strconv.Itoa(os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("the error %q does not name the holder (%s)", err, want)
	}
	if err := first.Release(); err != nil {
		t.Fatalf("release: %v", err)
	}
	again, err := notify.AcquireLock(path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	if err := again.Release(); err != nil {
		t.Fatal(err)
	}
	if err := again.Release(); err != nil {
		t.Fatalf("a second Release must be harmless: %v", err)
	}
}
