package storage

import (
	"errors"
	"strings"
	"testing"
	"time"

	"addingov/governance"
)

// TestCorruptRecordsGiveClearErrors plants an undecodable record in each bucket and
// checks that the readers report it (ErrCorrupt, naming bucket and key) without a panic,
// that the record stays stored, and that the rest of the database still reads.
func TestCorruptRecordsGiveClearErrors(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		key     []byte
		buckets []string
		read    func(db *DB) error
		where   string
		healthy func(db *DB) error // a read the corruption must not break; nil for none
	}{
		{
			name: "add-in JSON", value: `{"id":"bad","name":`, key: []byte("bad"), buckets: []string{bucketAddins},
			read:    func(db *DB) error { _, err := db.Addin("bad"); return err },
			where:   `bucket addins at key "bad"`,
			healthy: func(db *DB) error { _, err := db.Addin("good"); return err },
		},
		{
			name: "add-in under another id", value: `{"id":"other"}`, key: []byte("bad"), buckets: []string{bucketAddins},
			read:    func(db *DB) error { _, err := db.Addins(); return err },
			where:   `record names add-in "other"`,
			healthy: func(db *DB) error { _, err := db.Addin("good"); return err },
		},
		{
			name: "strike JSON", value: `[`, key: makeTimeKey(t0, 0), buckets: []string{bucketStrikes, "bad"},
			read:    func(db *DB) error { _, err := db.Strikes("bad", time.Time{}); return err },
			where:   "bucket strikes/bad",
			healthy: func(db *DB) error { _, err := db.Strikes("good", time.Time{}); return err },
		},
		{
			name: "strike of another add-in", value: `{"addin_id":"good","metric":"cpu"}`, key: makeTimeKey(t0, 0), buckets: []string{bucketStrikes, "bad"},
			read:    func(db *DB) error { _, err := db.Strikes("bad", time.Time{}); return err },
			where:   `strike names add-in "good"`,
			healthy: func(db *DB) error { _, err := db.Strikes("good", time.Time{}); return err },
		},
		{
			name: "strike key", value: `{}`, key: []byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"), buckets: []string{bucketStrikes, "bad"},
			read:    func(db *DB) error { _, err := db.Strikes("bad", time.Time{}); return err },
			where:   "not a 12-byte time key",
			healthy: func(db *DB) error { _, err := db.Strikes("good", time.Time{}); return err },
		},
		{
			name: "notice JSON", value: `nope`, key: seqKey(50), buckets: []string{bucketNotices},
			read:    func(db *DB) error { _, err := db.Notices(0, 0); return err },
			where:   "bucket notices",
			healthy: func(db *DB) error { _, err := db.Notices(0, 1); return err },
		},
		{
			name: "schema version", value: "\x01", key: []byte(keySchemaVersion), buckets: []string{bucketMeta},
			read: func(db *DB) error {
				db.Close()
				db2, err := Open(db.Path(), Options{})
				if err == nil {
					db2.Close()
				}
				return err
			},
			where: "bucket meta",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openTestDB(t)
			if err := db.PutAddin(Addin{ID: "good"}); err != nil {
				t.Fatal(err)
			}
			if err := db.AddStrikes([]governance.Strike{strike("good", t0, 1)}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AppendNotice(Notice{Title: "fine"}); err != nil {
				t.Fatal(err)
			}
			rawPut(t, db, []byte(tt.value), tt.key, tt.buckets...)
			err := tt.read(db)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.where) {
				t.Fatalf("read = %v, want ErrCorrupt mentioning %q", err, tt.where)
			}
			if errors.Is(err, ErrNotFound) {
				t.Errorf("a corrupt record reads as not found: %v", err)
			}
			if tt.healthy == nil {
				return
			}
			if err := tt.healthy(db); err != nil {
				t.Errorf("a healthy read failed next to the corrupt record: %v", err)
			}
			if got := rawGet(t, db, tt.key, tt.buckets...); string(got) != tt.value {
				t.Errorf("reading the corrupt record changed it to %q", got)
			}
		})
	}
}
