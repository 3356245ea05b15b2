package permissions

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// corpusDir is the shared corpus of real manifests, relative to this package.
const corpusDir = "../../shared/corpus/manifests"

// corpusFiles returns the corpus files in a subfolder, skipping the calling test when
// the corpus is not there.
func corpusFiles(t *testing.T, sub, pattern string) []string {
	t.Helper()
	dir := filepath.Join(corpusDir, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not present at %s: %v", dir, err)
	}
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %s files in %s", pattern, dir)
	}
	return files
}

// stepClock is a clock that advances one second per reading, so grants made in order
// sort in order.
type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { c.t = c.t.Add(time.Second); return c.t }

func newTestClock() *stepClock {
	return &stepClock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// lockedClock makes a stepClock safe for concurrent readers.
type lockedClock struct {
	mu sync.Mutex
	c  *stepClock
}

func (l *lockedClock) Now() time.Time { l.mu.Lock(); defer l.mu.Unlock(); return l.c.Now() }

func newLockedClock(c *stepClock) *lockedClock { return &lockedClock{c: c} }
