package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// PutGrant creates or replaces grant grantID of addinID. data is stored as given (the
// permissions package owns its format) and not retained.
func (db *DB) PutGrant(addinID, grantID string, data []byte) error {
	if err := checkGrantIDs(addinID, grantID); err != nil {
		return fmt.Errorf("store grant: %w", err)
	}
	v := append([]byte{}, data...)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket([]byte(bucketGrants)).CreateBucketIfNotExists([]byte(addinID))
		if err != nil {
			return err
		}
		return b.Put([]byte(grantID), v)
	})
	if err != nil {
		return fmt.Errorf("store grant %s of %s: %w", grantID, addinID, err)
	}
	return nil
}

// Grants returns the grants of addinID ordered by grant id (none: an empty result).
func (db *DB) Grants(addinID string) ([]GrantRecord, error) {
	if err := checkID("add-in id", addinID); err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	var out []GrantRecord
	err := db.bolt.View(func(tx *bolt.Tx) error {
		out = appendGrants(out, tx.Bucket([]byte(bucketGrants)).Bucket([]byte(addinID)), addinID)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read grants of %s: %w", addinID, err)
	}
	return out, nil
}

// AllGrants returns every grant ordered by add-in id, then grant id.
func (db *DB) AllGrants() ([]GrantRecord, error) {
	var out []GrantRecord
	err := db.bolt.View(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte(bucketGrants))
		return root.ForEachBucket(func(k []byte) error {
			out = appendGrants(out, root.Bucket(k), string(k))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	return out, nil
}

// DeleteGrant removes grant grantID of addinID; one that does not exist is not an error.
func (db *DB) DeleteGrant(addinID, grantID string) error {
	if err := checkGrantIDs(addinID, grantID); err != nil {
		return fmt.Errorf("delete grant: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte(bucketGrants))
		b := root.Bucket([]byte(addinID))
		if b == nil {
			return nil
		}
		if err := b.Delete([]byte(grantID)); err != nil {
			return err
		}
		if k, _ := b.Cursor().First(); k == nil {
			return root.DeleteBucket([]byte(addinID))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete grant %s of %s: %w", grantID, addinID, err)
	}
	return nil
}

func checkGrantIDs(addinID, grantID string) error {
	if err := checkID("add-in id", addinID); err != nil {
		return err
	}
	return checkID("grant id", grantID)
}

// appendGrants copies the grants in b (nil: none) out of bbolt's memory.
func appendGrants(out []GrantRecord, b *bolt.Bucket, addinID string) []GrantRecord {
	if b == nil {
		return out
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			continue // a nested bucket: not written by this package
		}
		out = append(out, GrantRecord{AddinID: addinID, GrantID: string(k), Data: append([]byte{}, v...)})
	}
	return out
}
