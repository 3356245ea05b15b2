package storage

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"addingov/governance"
	bolt "go.etcd.io/bbolt"
)

// TestConcurrentWritersAreAllStored drives the batched writers from many goroutines:
// every write lands exactly once, with distinct keys and gap-free notice numbers.
func TestConcurrentWritersAreAllStored(t *testing.T) {
	db, _ := openTestDB(t)
	const writers, each = 16, 10
	var wg sync.WaitGroup
	ids := make(chan string, writers*each)
	seqs := make(chan uint64, writers*each)
	errs := make(chan error, 3*writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// Every writer uses the same time: keys must still be distinct.
				e, err := db.AppendLog(LogEntry{Time: t0, AddinID: fmt.Sprintf("a%d", w%3), Action: "x", Detail: fmt.Sprintf("%d-%d", w, i)})
				errs <- err
				ids <- e.ID
				n, err := db.AppendNotice(Notice{Title: fmt.Sprintf("%d-%d", w, i)})
				errs <- err
				seqs <- n.Seq
				errs <- db.AddStrikes([]governance.Strike{strike(fmt.Sprintf("a%d", w%3), t0, float64(i))})
			}
		}()
	}
	wg.Wait()
	close(ids)
	close(seqs)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	seenID := map[string]bool{}
	for id := range ids {
		if seenID[id] {
			t.Errorf("log ID %s returned twice", id)
		}
		seenID[id] = true
	}
	seenSeq := map[uint64]bool{}
	for s := range seqs {
		seenSeq[s] = true
	}
	for s := uint64(1); s <= writers*each; s++ {
		if !seenSeq[s] {
			t.Errorf("notice seq %d never returned", s)
		}
	}
	es, _, _ := db.Log(LogQuery{})
	if len(es) != writers*each {
		t.Errorf("%d log entries, want %d", len(es), writers*each)
	}
	for _, e := range es {
		if !seenID[e.ID] {
			t.Errorf("stored entry %s was never returned to a writer", e.ID)
		}
	}
	var strikes int
	for a := range 3 {
		ss, _ := db.Strikes(fmt.Sprintf("a%d", a), time.Time{})
		strikes += len(ss)
	}
	if strikes != writers*each {
		t.Errorf("%d strikes, want %d", strikes, writers*each)
	}
	if err := db.Check(); err != nil {
		t.Error(err)
	}
}

// errRollback aborts a transaction on purpose.
var errRollback = errors.New("rollback")

// TestBatchFunctionsAreIdempotent runs each batched transaction body once in a
// transaction that is then rolled back, as bbolt's Batch does when another call in the
// batch fails, and then for real: the result must be the same as a single run.
func TestBatchFunctionsAreIdempotent(t *testing.T) {
	tests := []struct {
		name  string
		run   func(tx *bolt.Tx) (string, error) // the body; returns what the caller gets
		check func(t *testing.T, db *DB)
	}{
		{
			name: "appendLog",
			run: func(tx *bolt.Tx) (string, error) {
				e, err := appendLog(tx, LogEntry{Time: t0, AddinID: "a", Action: "x"})
				return e.ID, err
			},
			check: func(t *testing.T, db *DB) {
				if es, _, _ := db.Log(LogQuery{AddinID: "a"}); len(es) != 1 {
					t.Errorf("%d entries, want 1", len(es))
				}
			},
		},
		{
			name: "appendNotice",
			run: func(tx *bolt.Tx) (string, error) {
				n, err := appendNotice(tx, Notice{Title: "t", Level: NoticeInfo, Time: t0})
				return fmt.Sprint(n.Seq), err
			},
			check: func(t *testing.T, db *DB) {
				if seq, _ := db.LastNoticeSeq(); seq != 1 {
					t.Errorf("last seq %d, want 1", seq)
				}
			},
		},
		{
			name: "putStrikes",
			run: func(tx *bolt.Tx) (string, error) {
				return "", putStrikes(tx, []governance.Strike{strike("a", t0, 1), strike("a", t0, 2)})
			},
			check: func(t *testing.T, db *DB) {
				if ss, _ := db.Strikes("a", time.Time{}); len(ss) != 2 {
					t.Errorf("%d strikes, want 2", len(ss))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openTestDB(t)
			var first, second string
			err := db.bolt.Update(func(tx *bolt.Tx) error {
				var err error
				if first, err = tt.run(tx); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatalf("first run: %v", err)
			}
			err = db.bolt.Update(func(tx *bolt.Tx) error {
				var err error
				second, err = tt.run(tx)
				return err
			})
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			if first != second {
				t.Errorf("the re-run returned %q, the rolled-back run %q: callers would get a key that is not stored", second, first)
			}
			tt.check(t, db)
		})
	}
}
