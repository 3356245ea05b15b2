package storage

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// migrationTests holds one test per migration version. TestEveryMigrationHasATest fails
// when a migration is added without one.
var migrationTests = map[uint64]func(t *testing.T){
	1: testMigrationCreateBuckets,
	2: testMigrationIndexLogByAddin,
	3: testMigrationHistoryBuckets,
}

func TestEveryMigrationHasATest(t *testing.T) {
	for _, m := range migrations {
		if migrationTests[m.version] == nil {
			t.Errorf("migration %d (%s) has no test in migrationTests", m.version, m.name)
		}
	}
	for v := range migrationTests {
		if !slices.ContainsFunc(migrations, func(m migration) bool { return m.version == v }) {
			t.Errorf("migrationTests has a test for version %d, which is not a migration", v)
		}
	}
}

func TestMigrationsAreOrdered(t *testing.T) {
	for i, m := range migrations {
		if m.version != uint64(i+1) {
			t.Errorf("migration %d has version %d: versions must run 1, 2, 3, … without gaps", i, m.version)
		}
		if m.name == "" || m.migrate == nil {
			t.Errorf("migration %d lacks a name or a function", m.version)
		}
	}
}

func TestMigrations(t *testing.T) {
	for _, m := range migrations {
		if test := migrationTests[m.version]; test != nil {
			t.Run(m.name, test)
		}
	}
}

// openRaw opens a bare bbolt file, as an older build would have left it.
func openRaw(t *testing.T) (*bolt.DB, string) {
	t.Helper()
	path := filepath.Join(testDir(t), "addingov.db")
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	return bdb, path
}

// migrateTo runs the migrations up to and including version in one transaction.
func migrateTo(t *testing.T, bdb *bolt.DB, version uint64) (from, to uint64) {
	t.Helper()
	err := bdb.Update(func(tx *bolt.Tx) error {
		var err error
		from, to, err = migrate(tx, migrations[:version], zerolog.Nop())
		return err
	})
	if err != nil {
		t.Fatalf("migrate to %d: %v", version, err)
	}
	return from, to
}

func testMigrationCreateBuckets(t *testing.T) {
	bdb, _ := openRaw(t)
	defer bdb.Close()
	if from, to := migrateTo(t, bdb, 1); from != 0 || to != 1 {
		t.Fatalf("migrated %d → %d, want 0 → 1", from, to)
	}
	bdb.View(func(tx *bolt.Tx) error {
		for _, name := range []string{bucketMeta, bucketAddins, bucketStrikes, bucketLog, bucketNotices, bucketNoticeAcks, bucketGrants} {
			if tx.Bucket([]byte(name)) == nil {
				t.Errorf("bucket %s missing after migration 1", name)
			}
		}
		if tx.Bucket([]byte(bucketLogByAddin)) != nil {
			t.Error("migration 1 created log_by_addin, which is migration 2's")
		}
		return nil
	})
	// Running it again is a no-op.
	if from, to := migrateTo(t, bdb, 1); from != 1 || to != 1 {
		t.Errorf("second run migrated %d → %d, want nothing", from, to)
	}
}

func testMigrationIndexLogByAddin(t *testing.T) {
	bdb, path := openRaw(t)
	migrateTo(t, bdb, 1)
	// A version-1 log: entries for two add-ins, one about no add-in, one corrupt.
	entries := []struct {
		key   []byte
		value string
	}{
		{makeTimeKey(t0, 0), `{"time":"2026-03-01T09:00:00Z","addin_id":"a","action":"disable","reason":"cpu"}`},
		{makeTimeKey(t0, 1), `{"time":"2026-03-01T09:00:00Z","addin_id":"b","action":"disable","reason":"memory"}`},
		{makeTimeKey(t0.Add(1), 0), `{"time":"2026-03-01T09:00:00.000000001Z","action":"policy-changed"}`},
		{makeTimeKey(t0.Add(2), 0), `{"addin_id":`},
		{makeTimeKey(t0.Add(3), 0), `{"time":"2026-03-01T09:00:00.000000003Z","addin_id":"a","action":"enable"}`},
	}
	bdb.Update(func(tx *bolt.Tx) error {
		for _, e := range entries {
			if err := tx.Bucket([]byte(bucketLog)).Put(e.key, []byte(e.value)); err != nil {
				return err
			}
		}
		return nil
	})
	if from, to := migrateTo(t, bdb, 2); from != 1 || to != 2 {
		t.Fatalf("migrated %d → %d, want 1 → 2", from, to)
	}
	index := map[string][]string{}
	bdb.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket([]byte(bucketLogByAddin))
		return idx.ForEachBucket(func(id []byte) error {
			return idx.Bucket(id).ForEach(func(k, _ []byte) error {
				index[string(id)] = append(index[string(id)], formatCursor(k))
				return nil
			})
		})
	})
	want := map[string][]string{
		"a": {formatCursor(entries[0].key), formatCursor(entries[4].key)},
		"b": {formatCursor(entries[1].key)},
	}
	if len(index) != len(want) || !slices.Equal(index["a"], want["a"]) || !slices.Equal(index["b"], want["b"]) {
		t.Errorf("index after migration 2 = %v, want %v", index, want)
	}
	// The corrupt entry is still in the log: a migration loses nothing.
	var corrupt []byte
	bdb.View(func(tx *bolt.Tx) error {
		corrupt = append([]byte(nil), tx.Bucket([]byte(bucketLog)).Get(entries[3].key)...)
		return nil
	})
	if string(corrupt) != entries[3].value {
		t.Errorf("corrupt entry after migration: %q", corrupt)
	}
	bdb.Close()

	// Through the API, a per-add-in query now finds the old entries.
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, _, err := db.Log(LogQuery{AddinID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Reason != "cpu" || got[1].Action != "enable" {
		var js []byte
		js, _ = json.Marshal(got)
		t.Errorf("Log(a) after migration = %s", js)
	}
}

// TestOpenUpgradesOldDatabase: Open runs the pending migrations of a version-1 file.
func TestOpenUpgradesOldDatabase(t *testing.T) {
	bdb, path := openRaw(t)
	migrateTo(t, bdb, 1)
	bdb.Close()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := decodeUint64(rawGet(t, db, []byte(keySchemaVersion), bucketMeta)); v != schemaVersion() {
		t.Errorf("schema version after Open = %d, want %d", v, schemaVersion())
	}
}

// TestFailedMigrationChangesNothing: a migration that fails rolls back every migration of
// that Open, and the version with them.
func TestFailedMigrationChangesNothing(t *testing.T) {
	bdb, _ := openRaw(t)
	defer bdb.Close()
	failing := []migration{
		migrations[0],
		{version: 2, name: "fails halfway", migrate: func(tx *bolt.Tx, _ zerolog.Logger) error {
			if _, err := tx.CreateBucket([]byte("half-done")); err != nil {
				return err
			}
			return errors.New("disk on fire")
		}},
	}
	err := bdb.Update(func(tx *bolt.Tx) error {
		_, _, err := migrate(tx, failing, zerolog.Nop())
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "migration 2 (fails halfway): disk on fire") {
		t.Fatalf("migrate = %v, want the failing migration named", err)
	}
	bdb.View(func(tx *bolt.Tx) error {
		for _, name := range []string{bucketMeta, bucketAddins, "half-done"} {
			if tx.Bucket([]byte(name)) != nil {
				t.Errorf("bucket %s exists after a failed migration", name)
			}
		}
		return nil
	})
}

func testMigrationHistoryBuckets(t *testing.T) {
	bdb, _ := openRaw(t)
	defer bdb.Close()
	migrateTo(t, bdb, 2)
	bdb.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucketHistory)) != nil {
			t.Error("history exists before migration 3")
		}
		return nil
	})
	if from, to := migrateTo(t, bdb, 3); from != 2 || to != 3 {
		t.Fatalf("migrated %d → %d, want 2 → 3", from, to)
	}
	bdb.View(func(tx *bolt.Tx) error {
		for _, name := range []string{bucketHistory, bucketActivations} {
			if tx.Bucket([]byte(name)) == nil {
				t.Errorf("bucket %s missing after migration 3", name)
			}
		}
		return nil
	})
}
