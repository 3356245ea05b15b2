package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// LogQuery selects disable-log entries. Zero fields select everything.
type LogQuery struct {
	Since   time.Time // entries at or after this time
	Until   time.Time // entries before this time
	AddinID string    // one add-in's entries (served from the by-add-in index)
	Reason  string    // whole-word match in any case, e.g. "cpu"
	Action  string    // whole-word match in any case, e.g. "disable"
	Limit   int       // at most this many entries; 0 means no limit
	Cursor  string    // resume after the entry with this ID (a previous page's next)
	// Newest returns the entries newest first: with Limit, the Limit newest ones, and
	// Cursor then resumes before (older than) the entry it names.
	Newest bool
}

// AppendLog stores e and returns it with its ID. A missing time is stamped with the
// database clock. Concurrent callers share one fsync (the group commit).
func (db *DB) AppendLog(e LogEntry) (LogEntry, error) {
	stored, _, err := db.AppendLogNotice(e, nil)
	return stored, err
}

// AppendLogNotice stores e and, when n is not nil, the notice about it, in one
// transaction, and returns both as stored.
func (db *DB) AppendLogNotice(e LogEntry, n *Notice) (LogEntry, *Notice, error) {
	now := db.now()
	e, err := normalizeLogEntry(e, now)
	if err != nil {
		return LogEntry{}, nil, fmt.Errorf("append to the log: %w", err)
	}
	if n, err = normalizeNoticeFor(n, e.AddinID, e.Time); err != nil {
		return LogEntry{}, nil, fmt.Errorf("append to the log: %w", err)
	}
	var stored LogEntry
	var storedNotice *Notice
	err = db.commit(func(tx *bolt.Tx) error {
		var err error
		stored, storedNotice, err = appendLogNotice(tx, e, n)
		return err
	})
	if err != nil {
		return LogEntry{}, nil, fmt.Errorf("append to the log: %w", err)
	}
	return stored, storedNotice, nil
}

// AppendLogBulk stores many entries in one transaction (an import, or a benchmark's
// history) and returns how many it stored. Entries are normalized as AppendLog does;
// one invalid entry stores none of them.
func (db *DB) AppendLogBulk(entries []LogEntry) (int, error) {
	now := db.now()
	norm := make([]LogEntry, len(entries))
	for i, e := range entries {
		var err error
		if norm[i], err = normalizeLogEntry(e, now); err != nil {
			return 0, fmt.Errorf("append to the log: entry %d: %w", i, err)
		}
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, e := range norm {
			if _, err := appendLog(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("append to the log: %w", err)
	}
	return len(norm), nil
}

// Log returns the entries q selects, oldest first (newest first with q.Newest). When q.Limit cut the answer short,
// next is the cursor for the following page; it is "" when there is nothing more.
func (db *DB) Log(q LogQuery) (entries []LogEntry, next string, err error) {
	if q.Limit < 0 {
		return nil, "", fmt.Errorf("read the log: limit %d is negative: use 0 for no limit", q.Limit)
	}
	var after []byte
	if q.Cursor != "" {
		if after, err = parseCursor(q.Cursor); err != nil {
			return nil, "", fmt.Errorf("read the log: %w", err)
		}
	}
	if q.AddinID != "" {
		if err := checkID("add-in id", q.AddinID); err != nil {
			return nil, "", fmt.Errorf("read the log: %w", err)
		}
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		entries, next, err = queryLog(tx, q, after)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("read the log: %w", err)
	}
	return entries, next, nil
}

// PruneLog deletes the entries older than before (past retention) and their index
// entries, and returns how many log entries it deleted.
func (db *DB) PruneLog(before time.Time) (int, error) {
	var n int
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		bound := boundKey(before)
		var err error
		if n, err = pruneBelow(tx.Bucket([]byte(bucketLog)), bound); err != nil {
			return err
		}
		_, err = pruneNested(tx.Bucket([]byte(bucketLogByAddin)), bound)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune the log: %w", err)
	}
	return n, nil
}

// appendLog writes e (normalized) inside tx with a key computed from tx, indexes it by
// add-in, and returns it with its ID.
func appendLog(tx *bolt.Tx, e LogEntry) (LogEntry, error) {
	b := tx.Bucket([]byte(bucketLog))
	k, err := nextTimeKey(b, e.Time)
	if err != nil {
		return LogEntry{}, err
	}
	v, err := json.Marshal(e)
	if err != nil {
		return LogEntry{}, err
	}
	if err := b.Put(k, v); err != nil {
		return LogEntry{}, err
	}
	if e.AddinID != "" {
		if err := indexLogEntry(tx.Bucket([]byte(bucketLogByAddin)), e.AddinID, k); err != nil {
			return LogEntry{}, err
		}
	}
	e.ID = formatCursor(k)
	return e, nil
}

// queryLog runs q in tx. The keys come from the log itself or, for one add-in, from its
// index bucket; either way they are time keys, so Since, Until and the cursor become a
// seek and a stop.
func queryLog(tx *bolt.Tx, q LogQuery, after []byte) ([]LogEntry, string, error) {
	logB := tx.Bucket([]byte(bucketLog))
	keys := logB
	if q.AddinID != "" {
		keys = tx.Bucket([]byte(bucketLogByAddin)).Bucket([]byte(q.AddinID))
		if keys == nil {
			return nil, "", nil
		}
	}
	start := boundKey(q.Since)
	if after != nil && bytes.Compare(after, start) >= 0 {
		start = after
	}
	var stop []byte
	if !q.Until.IsZero() {
		stop = boundKey(q.Until)
	}
	var out []LogEntry
	var next string
	// visit filters one key's entry into out; stop ends the walk.
	visit := func(k []byte) (stop bool, err error) {
		v := logB.Get(k)
		if v == nil {
			// An index key whose entry is gone (pruned by an older build): nothing to show.
			return false, nil
		}
		e, err := decodeLogEntry(k, v)
		if err != nil {
			return true, err
		}
		if (q.Reason != "" && !strings.EqualFold(e.Reason, q.Reason)) || (q.Action != "" && !strings.EqualFold(e.Action, q.Action)) {
			return false, nil
		}
		if q.AddinID != "" && e.AddinID != q.AddinID {
			return false, nil
		}
		if q.Limit > 0 && len(out) == q.Limit {
			next = out[len(out)-1].ID
			return true, nil
		}
		out = append(out, e)
		return false, nil
	}
	c := keys.Cursor()
	if q.Newest {
		// Walk back from the newest key below upper (until, or the cursor: both
		// exclusive) down to since.
		upper := stop
		if after != nil && (upper == nil || bytes.Compare(after, upper) < 0) {
			upper = after
		}
		low := boundKey(q.Since)
		k, _ := c.Last()
		if upper != nil {
			if k, _ = c.Seek(upper); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		}
		for ; k != nil && bytes.Compare(k, low) >= 0; k, _ = c.Prev() {
			if done, err := visit(k); err != nil {
				return nil, "", err
			} else if done {
				break
			}
		}
		return out, next, nil
	}
	for k, _ := c.Seek(start); k != nil; k, _ = c.Next() {
		if after != nil && bytes.Compare(k, after) <= 0 {
			continue
		}
		if stop != nil && bytes.Compare(k, stop) >= 0 {
			break
		}
		if done, err := visit(k); err != nil {
			return nil, "", err
		} else if done {
			break
		}
	}
	return out, next, nil
}

// appendLogNotice appends e and, when n is not nil, the notice, inside tx.
func appendLogNotice(tx *bolt.Tx, e LogEntry, n *Notice) (LogEntry, *Notice, error) {
	stored, err := appendLog(tx, e)
	if err != nil {
		return LogEntry{}, nil, fmt.Errorf("append to the log: %w", err)
	}
	if n == nil {
		return stored, nil, nil
	}
	sn, err := appendNotice(tx, *n)
	if err != nil {
		return LogEntry{}, nil, fmt.Errorf("store notice: %w", err)
	}
	return stored, &sn, nil
}
