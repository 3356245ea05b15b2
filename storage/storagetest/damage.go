// Package storagetest damages state files for tests the way a disk or an interrupted
// copy would, and fingerprints them to prove a refusal left them untouched.
package storagetest

import (
	"crypto/sha256"
	"fmt"
	"math/rand"
	"os"
	"testing"
)

// Scribble overwrites n bytes of the file at off with random bytes seeded by off (so a
// test damages the same way every run), as a bad sector would.
func Scribble(t testing.TB, path string, off int64, n int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, n)
	rand.New(rand.NewSource(off)).Read(b)
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// Hash is the SHA-256 of the file's bytes, or "directory" for a directory.
func Hash(t testing.TB, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.IsDir() {
		return "directory"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}
