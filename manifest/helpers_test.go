package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir is the shared corpus of real manifests, relative to this package.
const corpusDir = "../../shared/corpus/manifests"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return data
}

func mustParse(t testing.TB, name string) *Manifest {
	t.Helper()
	m, err := Parse(readFixture(t, name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return m
}
