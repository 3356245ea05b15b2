package notify_test

import (
	"os"
	"testing"
	"time"

	"addingov/storage"
)

func seqs(ns []storage.Notice) []uint64 {
	out := make([]uint64, len(ns))
	for i, n := range ns {
		out[i] = n.Seq
	}
	return out
}

func removeFile(path string) error { return os.Remove(path) }

// waitUntil polls cond for up to 10 seconds; events here happen on other goroutines.
func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
