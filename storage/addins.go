package storage

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// PutAddin creates or replaces the record of a.ID. An empty State is stored as enabled.
func (db *DB) PutAddin(a Addin) error {
	a, err := normalizeAddin(a)
	if err != nil {
		return fmt.Errorf("store add-in: %w", err)
	}
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return putAddin(tx, a) }); err != nil {
		return fmt.Errorf("store add-in %s: %w", a.ID, err)
	}
	return nil
}

// Addin returns the record of id, or an error wrapping ErrNotFound.
func (db *DB) Addin(id string) (Addin, error) {
	if err := checkID("add-in id", id); err != nil {
		return Addin{}, fmt.Errorf("read add-in: %w", err)
	}
	var a Addin
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		a, err = getAddin(tx, id)
		return err
	})
	if err != nil {
		return Addin{}, fmt.Errorf("read add-in %s: %w", id, err)
	}
	return a, nil
}

// Addins returns every add-in record, sorted by id.
func (db *DB) Addins() ([]Addin, error) {
	var out []Addin
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketAddins)).ForEach(func(k, v []byte) error {
			a, err := decodeAddin(k, v)
			if err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list add-ins: %w", err)
	}
	return out, nil
}

// DeleteAddin removes the record of id with its strikes and grants. Its log entries stay:
// the log is history. An unknown id returns an error wrapping ErrNotFound.
func (db *DB) DeleteAddin(id string) error {
	if err := checkID("add-in id", id); err != nil {
		return fmt.Errorf("delete add-in: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		addins := tx.Bucket([]byte(bucketAddins))
		if addins.Get([]byte(id)) == nil {
			return ErrNotFound
		}
		if err := addins.Delete([]byte(id)); err != nil {
			return err
		}
		for _, name := range []string{bucketStrikes, bucketGrants} {
			if err := deleteSubBucket(tx.Bucket([]byte(name)), id); err != nil {
				return fmt.Errorf("delete its %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete add-in %s: %w", id, err)
	}
	return nil
}

// getAddin reads id inside tx; the JSON decode copies everything out of bbolt's memory.
func getAddin(tx *bolt.Tx, id string) (Addin, error) {
	v := tx.Bucket([]byte(bucketAddins)).Get([]byte(id))
	if v == nil {
		return Addin{}, ErrNotFound
	}
	return decodeAddin([]byte(id), v)
}

// putAddin writes a inside tx.
func putAddin(tx *bolt.Tx, a Addin) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return tx.Bucket([]byte(bucketAddins)).Put([]byte(a.ID), v)
}

// deleteSubBucket removes parent/name if it exists.
func deleteSubBucket(parent *bolt.Bucket, name string) error {
	if parent.Bucket([]byte(name)) == nil {
		return nil
	}
	return parent.DeleteBucket([]byte(name))
}
