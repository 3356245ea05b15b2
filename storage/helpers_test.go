package storage

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"addingov/governance"
	"addingov/governance/governancetest"
)

// t0 is the tests' fixed "now".
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fakeClock is the shared settable test clock.
type fakeClock = governancetest.Clock

// testDir is a temporary directory for one test. On Windows it is removed best-effort:
// under Wine os.RemoveAll fails ("Invalid function"), which would fail t.TempDir's
// cleanup and with it every test.
func testDir(t testing.TB) string {
	t.Helper()
	if runtime.GOOS != "windows" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", "addingov-storage-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// openTestDB opens a fresh database in a temporary directory with a fake clock at t0.
func openTestDB(t testing.TB) (*DB, *fakeClock) {
	t.Helper()
	clock := governancetest.NewClock(t0)
	db, err := Open(filepath.Join(testDir(t), "addingov.db"), Options{Clock: clock})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, clock
}

// reopen closes db and opens its file again.
func reopen(t testing.TB, db *DB) *DB {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db2, err := Open(db.Path(), Options{Clock: db.clock})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { db2.Close() })
	return db2
}

// rawPut writes value under the bucket path (parents created) behind the API's back, to
// plant corrupt or legacy records.
func rawPut(t testing.TB, db *DB, value []byte, key []byte, buckets ...string) {
	t.Helper()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(buckets[0]))
		if err != nil {
			return err
		}
		for _, name := range buckets[1:] {
			if b, err = b.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		return b.Put(key, value)
	})
	if err != nil {
		t.Fatalf("raw put: %v", err)
	}
}

// bucketPath follows the bucket names from the root; nil when one is missing.
func bucketPath(tx *bolt.Tx, buckets ...string) *bolt.Bucket {
	b := tx.Bucket([]byte(buckets[0]))
	for _, name := range buckets[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket([]byte(name))
	}
	return b
}

// rawGet reads a copy of the value under the bucket path; nil when absent.
func rawGet(t testing.TB, db *DB, key []byte, buckets ...string) []byte {
	t.Helper()
	var out []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := bucketPath(tx, buckets...)
		if b == nil {
			return nil
		}
		if v := b.Get(key); v != nil {
			out = append([]byte{}, v...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("raw get: %v", err)
	}
	return out
}

// rawKeys lists the keys of the bucket path (nil when the bucket is absent).
func rawKeys(t testing.TB, db *DB, buckets ...string) []string {
	t.Helper()
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := bucketPath(tx, buckets...)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatalf("raw keys: %v", err)
	}
	return out
}

// strike builds a CPU strike for id at t.
func strike(id string, t time.Time, value float64) governance.Strike {
	return governance.Strike{AddinID: id, Metric: governance.MetricCPU, Time: t, Value: value, Threshold: 90, Unit: "% of one core",
		Evidence: []governance.Evidence{{Time: t, Value: value, Unit: "%"}}}
}
