package storage

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AppendNotice stores n with the next sequence number and returns it as stored. A
// missing level is info, a missing time the database clock's. Concurrent callers share
// one fsync (the group commit).
func (db *DB) AppendNotice(n Notice) (Notice, error) {
	n, err := normalizeNotice(n, db.now())
	if err != nil {
		return Notice{}, fmt.Errorf("store notice: %w", err)
	}
	var stored Notice
	err = db.commit(func(tx *bolt.Tx) error {
		var err error
		stored, err = appendNotice(tx, n)
		return err
	})
	if err != nil {
		return Notice{}, fmt.Errorf("store notice: %w", err)
	}
	return stored, nil
}

// Notices returns the notices numbered after afterSeq, oldest first, at most limit of
// them (limit <= 0: all).
func (db *DB) Notices(afterSeq uint64, limit int) ([]Notice, error) {
	var out []Notice
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if afterSeq == ^uint64(0) {
			return nil
		}
		c := tx.Bucket([]byte(bucketNotices)).Cursor()
		for k, v := c.Seek(seqKey(afterSeq + 1)); k != nil; k, v = c.Next() {
			if limit > 0 && len(out) == limit {
				break
			}
			n, err := decodeNotice(k, v)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read notices: %w", err)
	}
	return out, nil
}

// LastNoticeSeq is the number of the last notice ever stored (0 when none), also when
// that notice has since been pruned.
func (db *DB) LastNoticeSeq() (uint64, error) {
	var seq uint64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		seq = tx.Bucket([]byte(bucketNotices)).Sequence()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read the last notice number: %w", err)
	}
	return seq, nil
}

// PruneNotices deletes notices older than before and returns how many. Numbering goes
// on where it was, so acknowledgements stay valid.
func (db *DB) PruneNotices(before time.Time) (int, error) {
	var n int
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketNotices))
		var keys [][]byte
		err := b.ForEach(func(k, v []byte) error {
			nt, err := decodeNotice(k, v)
			if err != nil {
				// An unreadable notice cannot be dated; keep it rather than guess.
				db.log.Warn().Err(err).Msg("keeping an unreadable notice")
				return nil
			}
			if nt.Time.Before(before) {
				keys = append(keys, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune notices: %w", err)
	}
	return n, nil
}

// AckNotices records that user has seen every notice up to seq. It never moves
// backwards (a late, older acknowledgement is ignored) and never past the last notice
// stored, so a confused client cannot silence notices not yet raised.
func (db *DB) AckNotices(user string, seq uint64) error {
	if err := checkID("user", user); err != nil {
		return fmt.Errorf("acknowledge notices: %w", err)
	}
	err := db.commit(func(tx *bolt.Tx) error {
		if last := tx.Bucket([]byte(bucketNotices)).Sequence(); seq > last {
			seq = last
		}
		acks := tx.Bucket([]byte(bucketNoticeAcks))
		cur, err := noticeAck(acks, user)
		if err != nil {
			// Replacing an unreadable acknowledgement is a repair: the worst case is
			// that this user sees some notices again.
			db.log.Warn().Err(err).Str("user", user).Msg("replacing an unreadable notice acknowledgement")
			cur = 0
		}
		if seq <= cur {
			return nil
		}
		return acks.Put([]byte(user), seqKey(seq))
	})
	if err != nil {
		return fmt.Errorf("acknowledge notices for %s: %w", user, err)
	}
	return nil
}

// NoticeAck is the last notice user acknowledged (0 when none).
func (db *DB) NoticeAck(user string) (uint64, error) {
	if err := checkID("user", user); err != nil {
		return 0, fmt.Errorf("read notice acknowledgement: %w", err)
	}
	var seq uint64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		seq, err = noticeAck(tx.Bucket([]byte(bucketNoticeAcks)), user)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("read notice acknowledgement of %s: %w", user, err)
	}
	return seq, nil
}

// noticeAck reads user's acknowledgement from the notice_acks bucket.
func noticeAck(acks *bolt.Bucket, user string) (uint64, error) {
	v := acks.Get([]byte(user))
	if v == nil {
		return 0, nil
	}
	seq, ok := decodeUint64(v)
	if !ok {
		return 0, corruptError(bucketNoticeAcks, []byte(user), fmt.Errorf("value is %d bytes, not 8", len(v)))
	}
	return seq, nil
}

// appendNotice numbers and writes n (normalized) inside tx. NextSequence is rolled back
// with the transaction, so a re-run assigns the same number.
func appendNotice(tx *bolt.Tx, n Notice) (Notice, error) {
	b := tx.Bucket([]byte(bucketNotices))
	seq, err := b.NextSequence()
	if err != nil {
		return Notice{}, err
	}
	v, err := json.Marshal(n)
	if err != nil {
		return Notice{}, err
	}
	if err := b.Put(seqKey(seq), v); err != nil {
		return Notice{}, err
	}
	n.Seq = seq
	return n, nil
}
