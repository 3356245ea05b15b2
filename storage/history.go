package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"addingov/governance"
)

// HistoryPoint is one sampling tick's figures for one add-in, kept for the history
// chart: a governance.Sample without what is the same for every add-in but the device's
// memory use.
type HistoryPoint struct {
	AddinID             string    `json:"-"`
	Time                time.Time `json:"-"`
	CPUPercent          float64   `json:"cpu"`
	MemoryBytes         uint64    `json:"mem"`
	DeviceMemoryPercent float64   `json:"dev_mem,omitempty"`
	PIDs                []int32   `json:"pids,omitempty"`
}

// PointFromSample is the history point of a governance sample.
func PointFromSample(s governance.Sample) HistoryPoint {
	return HistoryPoint{AddinID: s.AddinID, Time: s.Time, CPUPercent: s.CPUPercent, MemoryBytes: s.MemoryBytes,
		DeviceMemoryPercent: s.DeviceMemoryPercent, PIDs: s.PIDs}
}

// ActivationRecord is one activation's outcome, kept for `addingov addins show`.
type ActivationRecord struct {
	AddinID   string    `json:"-"`
	Time      time.Time `json:"-"`
	LatencyMS float64   `json:"latency_ms"`
	Failed    bool      `json:"failed,omitempty"`
	Reason    string    `json:"reason,omitempty"`
}

// RecordFromActivation is the stored form of an activation outcome.
func RecordFromActivation(a governance.Activation) ActivationRecord {
	return ActivationRecord{AddinID: a.AddinID, Time: a.Time, LatencyMS: float64(a.Latency) / float64(time.Millisecond),
		Failed: a.Failed, Reason: a.Reason}
}

// maxHistoryReason bounds a stored activation failure reason.
const maxHistoryReason = 256

// AppendHistory stores one tick's points and the activations since the last tick in one
// fsynced transaction. The daemon calls it once per tick, so a kill -9 loses at most the
// tick in flight; governance decisions never depend on it.
func (db *DB) AppendHistory(points []HistoryPoint, acts []ActivationRecord) error {
	if len(points) == 0 && len(acts) == 0 {
		return nil
	}
	now := db.now()
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		for _, p := range points {
			if err := putTimed(tx, bucketHistory, p.AddinID, p.Time, now, p); err != nil {
				return err
			}
		}
		for _, a := range acts {
			if len(a.Reason) > maxHistoryReason {
				a.Reason = a.Reason[:maxHistoryReason] + "…"
			}
			if err := putTimed(tx, bucketActivations, a.AddinID, a.Time, now, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store history: %w", err)
	}
	return nil
}

// putTimed stores v under root/<id>/<time key>.
func putTimed(tx *bolt.Tx, root, id string, t, now time.Time, v any) error {
	if err := checkID("add-in id", id); err != nil {
		return err
	}
	if t.IsZero() {
		t = now
	}
	b, err := tx.Bucket([]byte(root)).CreateBucketIfNotExists([]byte(id))
	if err != nil {
		return err
	}
	k, err := nextTimeKey(b, t)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, raw)
}

// History returns addinID's points at or after since, oldest first; with limit > 0, the
// newest limit of them.
func (db *DB) History(addinID string, since time.Time, limit int) ([]HistoryPoint, error) {
	var out []HistoryPoint
	err := readTimed(db, bucketHistory, addinID, since, limit, func(t time.Time, v []byte) error {
		var p HistoryPoint
		if err := json.Unmarshal(v, &p); err != nil {
			return err
		}
		p.AddinID, p.Time = addinID, t
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the history of %s: %w", addinID, err)
	}
	return out, nil
}

// Activations returns addinID's recorded activations at or after since, oldest first;
// with limit > 0, the newest limit of them.
func (db *DB) Activations(addinID string, since time.Time, limit int) ([]ActivationRecord, error) {
	var out []ActivationRecord
	err := readTimed(db, bucketActivations, addinID, since, limit, func(t time.Time, v []byte) error {
		var a ActivationRecord
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		a.AddinID, a.Time = addinID, t
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the activations of %s: %w", addinID, err)
	}
	return out, nil
}

// readTimed walks root/<id> from since (or, with limit, the newest limit records from
// since) in time order.
func readTimed(db *DB, root, id string, since time.Time, limit int, each func(time.Time, []byte) error) error {
	if err := checkID("add-in id", id); err != nil {
		return err
	}
	return db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(root)).Bucket([]byte(id))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		low := boundKey(since)
		k, v := c.Seek(low)
		if limit > 0 {
			// The first of the newest limit keys at or after low.
			var first []byte
			n := 0
			for kk, _ := c.Last(); kk != nil && bytes.Compare(kk, low) >= 0 && n < limit; kk, _ = c.Prev() {
				first, n = kk, n+1
			}
			if first == nil {
				return nil
			}
			k, v = c.Seek(first)
		}
		for ; k != nil; k, v = c.Next() {
			nanos, _, ok := splitTimeKey(k)
			if !ok {
				return fmt.Errorf("malformed key %x", k)
			}
			if err := each(time.Unix(0, nanos).UTC(), v); err != nil {
				return fmt.Errorf("record %x: %w", k, err)
			}
		}
		return nil
	})
}

// PruneHistory deletes history points and activation records older than before and
// returns how many it deleted.
func (db *DB) PruneHistory(before time.Time) (int, error) {
	var n int
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		bound := boundKey(before)
		for _, root := range []string{bucketHistory, bucketActivations} {
			m, err := pruneNested(tx.Bucket([]byte(root)), bound)
			if err != nil {
				return err
			}
			n += m
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune history: %w", err)
	}
	return n, nil
}
