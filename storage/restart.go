package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// What the daemon keeps so that a restart forgets nothing it governs: the processes it
// samples (bindings) and the policy it last applied. Both buckets are created by their
// first write, so databases of every schema version read them as empty until then.
const (
	bucketBindings = "bindings"
	bucketDaemon   = "daemon"
	keyPolicySeen  = "policy_seen"
)

// Binding is one process the daemon samples for an add-in, as stored across restarts.
// (PID, CreateTime) identifies the process: pids are reused, creation times of one pid
// are not, so a restarted daemon re-binds only a process with both unchanged.
type Binding struct {
	AddinID    string    `json:"-"`
	PID        int32     `json:"-"`
	CreateTime int64     `json:"create_time"` // milliseconds since the Unix epoch
	BoundAt    time.Time `json:"bound_at"`
	// The host's activation live in the process when stored, if any.
	ActivationID      string    `json:"activation_id,omitempty"`
	ActivationReady   bool      `json:"activation_ready,omitempty"` // false: started, no ready report yet
	ActivationStarted time.Time `json:"activation_started,omitzero"`
	// ActivationOwner is the uid or SID of the user whose host started it: only that
	// user (or an administrator) may report its outcome after the restart too.
	ActivationOwner string `json:"activation_owner,omitempty"`
}

// ReplaceBindings stores bs as the complete set of bindings, all or none.
func (db *DB) ReplaceBindings(bs []Binding) error { return db.QueueReplaceBindings(bs).Wait() }

// QueueReplaceBindings is ReplaceBindings queued for the group commit (commit.go): it
// returns at once, and Wait returns once the bindings are durable.
func (db *DB) QueueReplaceBindings(bs []Binding) *Pending {
	vs, err := encodeBindings(bs)
	if err != nil {
		return failed(err)
	}
	return db.queue(wrapErr("store bindings", func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucketBindings)) != nil {
			if err := tx.DeleteBucket([]byte(bucketBindings)); err != nil {
				return err
			}
		}
		return putBindings(tx, bs, vs)
	}))
}

// QueueUpdateBindings changes the stored bindings by put (added or changed ones) and
// gone (removed ones, by add-in and pid), all or none, queued like QueueReplaceBindings.
// A daemon that keeps the set it last queued sends only the difference, so a change of
// one binding costs one write however many processes it samples.
func (db *DB) QueueUpdateBindings(put, gone []Binding) *Pending {
	vs, err := encodeBindings(put)
	if err != nil {
		return failed(err)
	}
	for _, b := range gone {
		if err := checkID("add-in id", b.AddinID); err != nil {
			return failed(fmt.Errorf("store bindings: %w", err))
		}
	}
	return db.queue(wrapErr("store bindings", func(tx *bolt.Tx) error {
		if root := tx.Bucket([]byte(bucketBindings)); root != nil {
			for _, b := range gone {
				sub := root.Bucket([]byte(b.AddinID))
				if sub == nil {
					continue
				}
				if err := sub.Delete(pidKey(b.PID)); err != nil {
					return err
				}
				if k, _ := sub.Cursor().First(); k == nil {
					if err := root.DeleteBucket([]byte(b.AddinID)); err != nil {
						return err
					}
				}
			}
		}
		return putBindings(tx, put, vs)
	}))
}

// encodeBindings checks bs and encodes each, before anything is queued.
func encodeBindings(bs []Binding) ([][]byte, error) {
	vs := make([][]byte, len(bs))
	for i, b := range bs {
		if err := checkID("add-in id", b.AddinID); err != nil {
			return nil, fmt.Errorf("store bindings: %w", err)
		}
		if b.PID <= 0 {
			return nil, fmt.Errorf("store bindings: add-in %s: pid %d is not a process id", b.AddinID, b.PID)
		}
		v, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("store bindings: %w", err)
		}
		vs[i] = v
	}
	return vs, nil
}

// putBindings stores bs (encoded as vs), creating the buckets they need.
func putBindings(tx *bolt.Tx, bs []Binding, vs [][]byte) error {
	if len(bs) == 0 && tx.Bucket([]byte(bucketBindings)) != nil {
		return nil
	}
	root, err := tx.CreateBucketIfNotExists([]byte(bucketBindings))
	if err != nil {
		return err
	}
	for i, b := range bs {
		sub, err := root.CreateBucketIfNotExists([]byte(b.AddinID))
		if err != nil {
			return err
		}
		if err := sub.Put(pidKey(b.PID), vs[i]); err != nil {
			return err
		}
	}
	return nil
}

// Bindings returns the stored bindings, ordered by add-in id then pid. A record that
// cannot be decoded is left out and named in the error, which comes with the others.
func (db *DB) Bindings() ([]Binding, error) {
	var out []Binding
	var bad []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte(bucketBindings))
		if root == nil {
			return nil
		}
		return root.ForEachBucket(func(id []byte) error {
			return root.Bucket(id).ForEach(func(k, v []byte) error {
				b, err := decodeBinding(string(id), k, v)
				if err != nil {
					bad = append(bad, err.Error())
					return nil
				}
				out = append(out, b)
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read bindings: %w", err)
	}
	slices.SortFunc(out, func(a, b Binding) int {
		if c := strings.Compare(a.AddinID, b.AddinID); c != 0 {
			return c
		}
		return int(a.PID) - int(b.PID)
	})
	if len(bad) > 0 {
		return out, fmt.Errorf("skipped %d unreadable bindings (their processes are found again by the next activation or discovery): %s",
			len(bad), strings.Join(bad, "; "))
	}
	return out, nil
}

func pidKey(pid int32) []byte {
	k := make([]byte, 4)
	binary.BigEndian.PutUint32(k, uint32(pid))
	return k
}

// decodeBinding reads one stored binding; its add-in id and pid come from its keys.
func decodeBinding(addinID string, k, v []byte) (Binding, error) {
	if len(k) != 4 {
		return Binding{}, fmt.Errorf("binding of %q: key of %d bytes, want 4", addinID, len(k))
	}
	pid := int32(binary.BigEndian.Uint32(k))
	if pid <= 0 {
		return Binding{}, fmt.Errorf("binding of %q: pid %d is not a process id", addinID, pid)
	}
	var b Binding
	if err := json.Unmarshal(v, &b); err != nil {
		return Binding{}, fmt.Errorf("binding of %q pid %d: %w", addinID, pid, err)
	}
	b.AddinID, b.PID = addinID, pid
	return b, nil
}

// PolicySeen is the policy the daemon last applied, so that a change made while it was
// down is logged and noticed at its next start like one made while it runs.
type PolicySeen struct {
	// Values maps each setting (and each managed add-in) that differs from the built-in
	// default to its value as people read it.
	Values map[string]string `json:"values"`
	// Blocked lists the add-ins policy blocked, sorted.
	Blocked []string `json:"blocked"`
}

// ErrNoPolicySeen means no policy was stored yet (the first start of a daemon that
// keeps it).
var ErrNoPolicySeen = errors.New("no policy stored yet")

// PolicySeen returns the stored policy, or ErrNoPolicySeen.
func (db *DB) PolicySeen() (PolicySeen, error) {
	var p PolicySeen
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketDaemon))
		if b == nil {
			return ErrNoPolicySeen
		}
		v := b.Get([]byte(keyPolicySeen))
		if v == nil {
			return ErrNoPolicySeen
		}
		return json.Unmarshal(v, &p)
	})
	if err != nil && !errors.Is(err, ErrNoPolicySeen) {
		return PolicySeen{}, fmt.Errorf("read the policy last applied: %w", err)
	}
	return p, err
}

// PutPolicySeen stores p as the policy last applied.
func (db *DB) PutPolicySeen(p PolicySeen) error {
	v, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("store the policy last applied: %w", err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucketDaemon))
		if err != nil {
			return err
		}
		return b.Put([]byte(keyPolicySeen), v)
	})
	if err != nil {
		return fmt.Errorf("store the policy last applied: %w", err)
	}
	return nil
}
