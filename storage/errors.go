package storage

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned (wrapped) when a requested add-in does not exist.
var ErrNotFound = errors.New("not found")

// ErrCorrupt is returned (wrapped) when a stored record cannot be decoded. The record is
// left in place and the rest of the database stays readable.
var ErrCorrupt = errors.New("corrupt record")

// ErrLocked is returned (wrapped, as a *LockedError) when another process holds the
// database open.
var ErrLocked = errors.New("state database in use by another process")

// corruptError describes an undecodable record: which bucket, which key, and why.
func corruptError(bucket string, key []byte, err error) error {
	return fmt.Errorf("%w in bucket %s at key %q: %v (the other records are intact; restore the state database from a backup to recover this one)",
		ErrCorrupt, bucket, key, err)
}
