package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"addingov/governance"
	bolt "go.etcd.io/bbolt"
)

// AddStrikes stores strikes, each under its own add-in, all or none. A strike without a
// time is stamped with the database clock. Concurrent callers share one fsync (the
// group commit, commit.go).
func (db *DB) AddStrikes(strikes []governance.Strike) error { return db.QueueStrikes(strikes).Wait() }

// QueueStrikes is AddStrikes queued: it returns at once, and Wait returns once the
// strikes are durable.
func (db *DB) QueueStrikes(strikes []governance.Strike) *Pending {
	if len(strikes) == 0 {
		return failed(nil)
	}
	ss, err := db.normalizeStrikes(strikes)
	if err != nil {
		return failed(fmt.Errorf("store strikes: %w", err))
	}
	return db.queue(wrapErr("store strikes", func(tx *bolt.Tx) error { return putStrikes(tx, ss) }))
}

// Strikes returns the strikes of addinID at or after since, oldest first.
func (db *DB) Strikes(addinID string, since time.Time) ([]governance.Strike, error) {
	if err := checkID("add-in id", addinID); err != nil {
		return nil, fmt.Errorf("read strikes: %w", err)
	}
	var out []governance.Strike
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketStrikes)).Bucket([]byte(addinID))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(boundKey(since)); k != nil; k, v = c.Next() {
			s, err := decodeStrike(addinID, k, v)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read strikes of %s: %w", addinID, err)
	}
	return out, nil
}

// ClearStrikes forgets every strike of addinID (a user turned it back on: it starts
// afresh). An add-in without strikes is not an error.
func (db *DB) ClearStrikes(addinID string) error {
	if err := checkID("add-in id", addinID); err != nil {
		return fmt.Errorf("clear strikes: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return deleteSubBucket(tx.Bucket([]byte(bucketStrikes)), addinID)
	})
	if err != nil {
		return fmt.Errorf("clear strikes of %s: %w", addinID, err)
	}
	return nil
}

// PruneStrikes deletes every strike older than before (they no longer count in any
// window) and returns how many it deleted.
func (db *DB) PruneStrikes(before time.Time) (int, error) {
	var n int
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		var err error
		n, err = pruneNested(tx.Bucket([]byte(bucketStrikes)), boundKey(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune strikes: %w", err)
	}
	return n, nil
}

// normalizeStrikes validates and copies strikes, stamping missing times once, outside
// any transaction, so that a re-run transaction writes the same thing.
func (db *DB) normalizeStrikes(strikes []governance.Strike) ([]governance.Strike, error) {
	now := db.now()
	out := make([]governance.Strike, len(strikes))
	for i, s := range strikes {
		var err error
		if out[i], err = normalizeStrike(s, now); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// putStrikes writes strikes inside tx, computing each key from what tx already holds.
func putStrikes(tx *bolt.Tx, strikes []governance.Strike) error {
	root := tx.Bucket([]byte(bucketStrikes))
	for _, s := range strikes {
		b, err := root.CreateBucketIfNotExists([]byte(s.AddinID))
		if err != nil {
			return fmt.Errorf("strikes bucket of %s: %w", s.AddinID, err)
		}
		k, err := nextTimeKey(b, s.Time)
		if err != nil {
			return fmt.Errorf("strike for %s: %w", s.AddinID, err)
		}
		v, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("strike for %s: %w", s.AddinID, err)
		}
		if err := b.Put(k, v); err != nil {
			return fmt.Errorf("strike for %s: %w", s.AddinID, err)
		}
	}
	return nil
}

// pruneNested deletes, in every sub-bucket of root, the keys below bound, and drops
// sub-buckets left empty. It returns how many keys it deleted.
func pruneNested(root *bolt.Bucket, bound []byte) (int, error) {
	var names [][]byte
	if err := root.ForEachBucket(func(k []byte) error {
		names = append(names, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return 0, err
	}
	total := 0
	for _, name := range names {
		b := root.Bucket(name)
		n, err := pruneBelow(b, bound)
		if err != nil {
			return total, fmt.Errorf("%s: %w", name, err)
		}
		total += n
		if k, _ := b.Cursor().First(); k == nil {
			if err := root.DeleteBucket(name); err != nil {
				return total, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return total, nil
}

// pruneBelow deletes the keys of b that sort before bound and returns how many.
func pruneBelow(b *bolt.Bucket, bound []byte) (int, error) {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, bound) < 0; k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// settleExempt deletes an add-in's stored strikes of metric m up to and including t:
// governance stops counting them after an exempt decision, so a restart must not count
// them again.
func settleExempt(tx *bolt.Tx, addinID string, m governance.Metric, t time.Time) error {
	b := tx.Bucket([]byte(bucketStrikes)).Bucket([]byte(addinID))
	if b == nil {
		return nil
	}
	bound := boundKey(t.Add(time.Nanosecond))
	var doomed [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil && bytes.Compare(k, bound) < 0; k, v = c.Next() {
		s, err := decodeStrike(addinID, k, v)
		if err != nil || s.Metric == m {
			// An unreadable strike cannot be counted either: drop it with the rest.
			doomed = append(doomed, append([]byte(nil), k...))
		}
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("settle exempt strikes of %s: %w", addinID, err)
		}
	}
	return nil
}
