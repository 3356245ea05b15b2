package storage

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"addingov/storage/storagetest"
	bolt "go.etcd.io/bbolt"
)

// allRecords reads every record of a healthy file through bbolt, keyed by bucket path and
// key, leaving out the rebuilt log index.
func allRecords(t testing.TB, path string) map[string]string {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(prefix+string(k)+"/", b.Bucket(k))
			}
			out[prefix+"\x00"+string(k)] = string(v)
			return nil
		})
	}
	err = bdb.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if string(name) == bucketLogByAddin {
				return nil
			}
			return walk(string(name)+"/", b)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIssue12_CorruptStore_RecoverKeepsReadableRecords damages one page of the log and
// recovers: every record a read can reach is in the fresh file byte for byte, exactly the
// damaged page's records are missing and counted, the index names only kept entries, the
// notice sequence survives, and the damaged file is kept beside it unchanged.
func TestIssue12_CorruptStore_RecoverKeepsReadableRecords(t *testing.T) {
	path := buildDamageStore(t)
	want := allRecords(t, path)
	sf, pages := treePages(t, path)
	leaf := findPage(t, pages, bucketLog, "leaf")
	for _, k := range leaf.keys {
		delete(want, bucketLog+"/\x00"+string(k))
	}
	storagetest.Scribble(t, path, int64(leaf.id)*int64(sf.pageSize), sf.pageSize)
	damagedHash := storagetest.Hash(t, path)

	var progress []uint64
	now := time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)
	rep, err := Recover(path, RecoverOptions{Now: func() time.Time { return now }, Progress: func(read, total uint64) { progress = append(progress, read) }})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Recovered || rep.Diagnosis.Cause != CauseLeaf {
		t.Fatalf("report %+v", rep)
	}
	if rep.DamagedCopy != path+".damaged-20261202T160000Z" || storagetest.Hash(t, rep.DamagedCopy) != damagedHash {
		t.Errorf("damaged copy %s is missing or changed", rep.DamagedCopy)
	}
	got := allRecords(t, path)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("record %q: got %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("record %q was not readable before and is in the recovered file", k)
		}
	}
	var logRep BucketReport
	for _, b := range rep.Buckets {
		if b.Bucket == bucketLog {
			logRep = b
		}
	}
	if logRep.Kept != storeRecords[bucketLog]-len(leaf.keys) || logRep.LostPages != 1 || logRep.LostRecords != 0 || !logRep.LostUnknown {
		// The page was damaged whole, so its header no longer says how many it held.
		t.Errorf("log report %+v, want %d kept and 1 page lost (count unknown)", logRep, storeRecords[bucketLog]-len(leaf.keys))
	}
	if len(progress) == 0 || progress[len(progress)-1] != sf.meta.hwm {
		t.Errorf("progress %v does not end at the file's %d pages", progress, sf.meta.hwm)
	}

	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if seq, err := db.LastNoticeSeq(); err != nil || seq != uint64(storeRecords[bucketNotices]) {
		t.Errorf("LastNoticeSeq = %d, %v; want %d", seq, err, storeRecords[bucketNotices])
	}
	entries, _, err := db.Log(LogQuery{AddinID: "addin-03"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := want[bucketLog+"/\x00"+string(mustCursor(t, e.ID))]; !ok {
			t.Errorf("the rebuilt index names entry %s, which was lost", e.ID)
		}
	}
	if n := (storeRecords[bucketLog] - len(leaf.keys)) / 7; len(entries) < n {
		t.Errorf("addin-03 has %d log entries after recovery, want about %d", len(entries), n)
	}
}

func mustCursor(t testing.TB, id string) []byte {
	t.Helper()
	k, err := parseCursor(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestIssue12_CorruptStore_RecoverEachShape recovers every damage shape: the fresh file
// opens, the damaged one is kept unchanged, and where no record page was hit nothing is
// lost.
func TestIssue12_CorruptStore_RecoverEachShape(t *testing.T) {
	lossless := map[string]bool{"MetaOne": true, "FreelistPage": true}
	for _, s := range damageShapes {
		t.Run(s.name, func(t *testing.T) {
			path := buildDamageStore(t)
			want := allRecords(t, path)
			s.damage(t, path)
			before := storagetest.Hash(t, path)
			rep, err := Recover(path, RecoverOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Recovered || rep.Diagnosis.Cause != s.cause {
				t.Fatalf("report %+v", rep)
			}
			if storagetest.Hash(t, rep.DamagedCopy) != before {
				t.Error("the damaged copy differs from the damaged file")
			}
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatalf("the recovered file does not open: %v", err)
			}
			db.Close()
			got := allRecords(t, path)
			for k, v := range got {
				if w, ok := want[k]; !ok || w != v {
					t.Errorf("record %q = %q is not one the file had", k, v)
				}
			}
			if lossless[s.name] && (len(got) != len(want) || rep.LostPages != 0) {
				t.Errorf("kept %d of %d records (report %+v)", len(got), len(want), rep)
			}
		})
	}
}

// TestIssue12_CorruptStore_RecoverHealthyIsANoop: a healthy file is left alone (unless
// forced), and a missing one is an error that says so.
func TestIssue12_CorruptStore_RecoverHealthyIsANoop(t *testing.T) {
	path := buildDamageStore(t)
	before := storagetest.Hash(t, path)
	rep, err := Recover(path, RecoverOptions{})
	if err != nil || rep.Recovered || !rep.Diagnosis.Healthy {
		t.Fatalf("Recover = %+v, %v", rep, err)
	}
	if storagetest.Hash(t, path) != before {
		t.Error("Recover changed a healthy file")
	}
	rep, err = Recover(path, RecoverOptions{Force: true})
	if err != nil || !rep.Recovered || rep.LostPages != 0 {
		t.Fatalf("forced Recover = %+v, %v", rep, err)
	}
	if _, err := os.Stat(rep.DamagedCopy); err != nil {
		t.Error(err)
	}
	_, err = Recover(path+".missing", RecoverOptions{})
	if err == nil || !strings.Contains(err.Error(), "nothing to recover") {
		t.Errorf("Recover of a missing file = %v", err)
	}
	if storagetest.Hash(t, rep.DamagedCopy) != before {
		t.Error("the forced copy kept aside differs from the original")
	}
	if errors.Is(err, ErrUnusable) {
		t.Error("a missing file is reported as unusable")
	}
}
