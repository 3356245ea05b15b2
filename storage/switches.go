package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketSwitches holds host switches addingov changed (see the package doc). It is
// created on first use, so databases of every schema version take it without a
// migration.
const bucketSwitches = "host_switches"

// PutSwitch records the host switch addingov is about to change for addinID (for
// Office: the user's LoadBehavior as it was). data is opaque (package office owns its
// format) and fsynced before PutSwitch returns.
func (db *DB) PutSwitch(addinID string, data []byte) error {
	if err := checkID("add-in id", addinID); err != nil {
		return fmt.Errorf("save a host switch: %w", err)
	}
	v := append([]byte{}, data...)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucketSwitches))
		if err != nil {
			return err
		}
		return b.Put([]byte(addinID), v)
	})
	if err != nil {
		return fmt.Errorf("save the host switch of %s: %w", addinID, err)
	}
	return nil
}

// Switch returns what PutSwitch saved for addinID; ok is false when nothing is saved.
func (db *DB) Switch(addinID string) (data []byte, ok bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(bucketSwitches)); b != nil {
			if v := b.Get([]byte(addinID)); v != nil {
				data, ok = append([]byte{}, v...), true
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read the host switch of %s: %w", addinID, err)
	}
	return data, ok, nil
}

// DeleteSwitch forgets the saved switch of addinID (nothing saved: no error).
func (db *DB) DeleteSwitch(addinID string) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(bucketSwitches)); b != nil {
			return b.Delete([]byte(addinID))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget the host switch of %s: %w", addinID, err)
	}
	return nil
}
