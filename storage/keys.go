package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// timeKeyLen is the length of a time key: 8 bytes of UnixNano and 4 of sequence.
const timeKeyLen = 12

// The range of times a time key can hold: UnixNano is defined from 1678 to 2262, and
// keys before 1970 would not sort as unsigned big-endian bytes.
var (
	minKeyTime = time.Unix(0, 0)
	maxKeyTime = time.Unix(0, math.MaxInt64)
)

// checkKeyTime reports whether t can be encoded in a time key.
func checkKeyTime(t time.Time) error {
	if t.Before(minKeyTime) || t.After(maxKeyTime) {
		return fmt.Errorf("time %s is outside the storable range (1970 to 2262)", t.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// makeTimeKey encodes t (which checkKeyTime accepted) and seq.
func makeTimeKey(t time.Time, seq uint32) []byte {
	k := make([]byte, timeKeyLen)
	binary.BigEndian.PutUint64(k[:8], uint64(t.UnixNano()))
	binary.BigEndian.PutUint32(k[8:], seq)
	return k
}

// boundKey is the smallest time key at or after t, clamped into the storable range, for
// range scans: every record stored at or after t has a key >= boundKey(t).
func boundKey(t time.Time) []byte {
	switch {
	case t.Before(minKeyTime):
		t = minKeyTime
	case t.After(maxKeyTime):
		t = maxKeyTime
	}
	return makeTimeKey(t, 0)
}

// splitTimeKey decodes a time key; ok is false when k is not one.
func splitTimeKey(k []byte) (nanos int64, seq uint32, ok bool) {
	if len(k) != timeKeyLen {
		return 0, 0, false
	}
	n := binary.BigEndian.Uint64(k[:8])
	if n > math.MaxInt64 {
		return 0, 0, false
	}
	return int64(n), binary.BigEndian.Uint32(k[8:]), true
}

// nextTimeKey returns the key for a new record at t in b: t's nanosecond with a sequence
// one past the last record already stored at that nanosecond. It reads b, so it is
// computed inside the transaction that writes the record; re-running the transaction
// (as bbolt's Batch may) computes the same key again.
func nextTimeKey(b *bolt.Bucket, t time.Time) ([]byte, error) {
	if err := checkKeyTime(t); err != nil {
		return nil, err
	}
	last := makeTimeKey(t, math.MaxUint32)
	c := b.Cursor()
	k, _ := c.Seek(last)
	if bytes.Equal(k, last) {
		return nil, fmt.Errorf("more than %d records at the same nanosecond %s", uint64(math.MaxUint32)+1, t.UTC().Format(time.RFC3339Nano))
	}
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	var seq uint32
	if len(k) == timeKeyLen && bytes.Equal(k[:8], last[:8]) {
		seq = binary.BigEndian.Uint32(k[8:]) + 1
	}
	return makeTimeKey(t, seq), nil
}

// formatCursor is a time key as the string a LogEntry carries in ID.
func formatCursor(k []byte) string { return hex.EncodeToString(k) }

// ErrBadCursor is returned (wrapped) for a log cursor that no page ever handed out: the
// caller's mistake, not the database's.
var ErrBadCursor = errors.New("invalid log cursor")

// ValidateCursor checks that s is a log paging cursor (a LogEntry ID) without reading
// the database.
func ValidateCursor(s string) error {
	_, err := parseCursor(s)
	return err
}

// parseCursor reads a LogEntry ID (a paging cursor) back into its time key.
func parseCursor(s string) ([]byte, error) {
	k, err := hex.DecodeString(s)
	if err == nil {
		if _, _, ok := splitTimeKey(k); ok {
			return k, nil
		}
	}
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return nil, fmt.Errorf("%w %q: pass the next value (or an entry id) from a previous page", ErrBadCursor, s)
}

// seqKey encodes a notice number.
func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}

// decodeUint64 reads an 8-byte big-endian number; ok is false for any other length.
func decodeUint64(v []byte) (uint64, bool) {
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}
