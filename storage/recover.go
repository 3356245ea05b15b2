package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// RecoverOptions tune Recover.
type RecoverOptions struct {
	// Timeout bounds the wait for another process's lock; zero or less means DefaultTimeout.
	Timeout time.Duration
	// Force rebuilds a file that checks healthy too (a fresh copy of every record).
	Force bool
	// Now names the damaged copy (addingov.db.damaged-<time>); nil means time.Now.
	Now func() time.Time
	// Progress, when set, is told how many of the file's pages have been read.
	Progress func(read, total uint64)
	Log      zerolog.Logger
}

// BucketReport is what Recover kept and lost of one top-level bucket.
type BucketReport struct {
	Bucket string `json:"bucket"`
	Kept   int    `json:"kept"`
	// LostPages is how many damaged pages of this bucket were skipped; LostRecords
	// counts the records on those whose header still said how many they held, and
	// LostUnknown is true when some did not (an index page, or a page damaged whole).
	LostPages   int  `json:"lost_pages"`
	LostRecords int  `json:"lost_records"`
	LostUnknown bool `json:"lost_unknown,omitempty"`
	Rebuilt     bool `json:"rebuilt,omitempty"` // an index rebuilt from the records kept
}

// RecoverReport is the outcome of Recover.
type RecoverReport struct {
	Path      string    `json:"path"`
	Diagnosis Diagnosis `json:"diagnosis"`
	// Recovered is false when nothing was done (the file was healthy).
	Recovered bool `json:"recovered"`
	// DamagedCopy is where the old file was moved, unchanged.
	DamagedCopy string         `json:"damaged_copy,omitempty"`
	Kept        int            `json:"kept"`
	LostPages   int            `json:"lost_pages"`
	LostRecords int            `json:"lost_records"`
	LostUnknown bool           `json:"lost_unknown,omitempty"`
	Buckets     []BucketReport `json:"buckets"`
}

// recoverBatch is how many records one transaction of the fresh file takes.
const recoverBatch = 10000

// Recover copies every record of the state file at path that can still be read into a
// fresh file, moves the old one beside it unchanged (path.damaged-<time>), and puts the
// fresh one at path. The old file is read with the bounds-checked page walk, so a damaged
// page or subtree is skipped and counted, never followed. The log's per-add-in index is
// rebuilt from the log entries kept rather than copied, so it names only entries that
// exist. A healthy file is left alone unless opts.Force; a directory or an unreadable file
// is refused (*UnusableError), because starting over would throw its records away.
func Recover(path string, opts RecoverOptions) (RecoverReport, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	rep := RecoverReport{Path: path}
	d, err := CheckFile(path, CheckOptions{Timeout: opts.Timeout, Log: opts.Log})
	if errors.Is(err, fs.ErrNotExist) {
		return rep, fmt.Errorf("recover %s: there is no state file there: nothing to recover (check --state-dir)", path)
	}
	if err != nil {
		return rep, err
	}
	rep.Diagnosis = d
	if d.Healthy && !opts.Force {
		return rep, nil
	}
	if d.Cause == CauseDirectory || d.Cause == CauseUnreadable {
		return rep, &UnusableError{Diagnosis: d}
	}
	tmp := path + ".recovering"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return rep, fmt.Errorf("recover %s: remove the leftover %s: %w", path, tmp, err)
	}
	if err := copyReadable(path, tmp, opts, &rep); err != nil {
		os.Remove(tmp)
		return rep, err
	}
	rep.DamagedCopy = fmt.Sprintf("%s.damaged-%s", path, opts.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(path, rep.DamagedCopy); err != nil {
		os.Remove(tmp)
		return rep, fmt.Errorf("recover %s: move it aside to %s: %w (nothing was changed)", path, rep.DamagedCopy, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return rep, fmt.Errorf("recover %s: put the recovered file in place: %w (the recovered file is %s, the old one %s: rename the first to %s)",
			path, err, tmp, rep.DamagedCopy, filepath.Base(path))
	}
	syncDir(filepath.Dir(path))
	rep.Recovered = true
	// Open it the way the daemon will: the check, then the schema migrations (which
	// also restore a lost schema version or bucket).
	db, err := Open(path, Options{Timeout: opts.Timeout, Log: opts.Log})
	if err != nil {
		return rep, fmt.Errorf("recover %s: the recovered file does not open: %w (the old file is kept as %s)", path, err, rep.DamagedCopy)
	}
	return rep, db.Close()
}

// copyReadable walks the file at path and writes every readable record into a new bbolt
// file at dst, filling in rep's counts.
func copyReadable(path, dst string, opts RecoverOptions, rep *RecoverReport) error {
	// Hold bbolt's shared lock where bbolt can open the file (it takes the lock before
	// it reads anything), so no daemon starts on it meanwhile.
	if bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: opts.Timeout}); err == nil {
		defer bdb.Close()
	} else if errors.Is(err, bolt.ErrTimeout) {
		return lockedError(path, opts.Timeout)
	}
	out, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: opts.Timeout})
	if err != nil {
		return fmt.Errorf("recover %s: create %s: %w", path, dst, err)
	}
	c := &copier{db: out, kept: map[string]int{}}
	err = c.walkInto(path, opts, rep)
	if err == nil {
		err = c.finish(opts.Log)
	} else if c.tx != nil {
		c.tx.Rollback()
	}
	if cerr := out.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("recover %s: close %s: %w", path, dst, cerr)
	}
	if err != nil {
		return err
	}
	rep.fill(c.kept, c.damage)
	return nil
}

// copier writes records into the fresh file in batches.
type copier struct {
	db      *bolt.DB
	tx      *bolt.Tx
	buckets map[string]*bolt.Bucket // by path joined with NUL, in the current tx
	n       int
	kept    map[string]int
	damage  []PageDamage
}

func (c *copier) walkInto(path string, opts RecoverOptions, rep *RecoverReport) error {
	f, size, err := statFile(path)
	if err != nil {
		return nil // nothing readable (a zero-byte file was refused earlier for lack of meta)
	}
	defer f.Close()
	sf, err := openStoreFile(f, size)
	if err != nil || !sf.metaOK {
		return nil
	}
	w := newWalker(sf)
	w.onBucket = func(p []string, seq uint64) error {
		if p[0] == bucketLogByAddin {
			return nil
		}
		b, err := c.bucket(p)
		if err != nil {
			return err
		}
		return b.SetSequence(seq)
	}
	w.onRecord = func(p []string, k, v []byte) error {
		if len(p) == 0 || p[0] == bucketLogByAddin {
			return nil // bbolt keeps no records at the root; the index is rebuilt
		}
		b, err := c.bucket(p)
		if err != nil {
			return err
		}
		if err := b.Put(k, v); err != nil {
			return fmt.Errorf("recover: copy a record of bucket %s: %w", pathName(p), err)
		}
		c.kept[p[0]]++
		if c.n++; c.n%recoverBatch == 0 {
			return c.commit()
		}
		return nil
	}
	if opts.Progress != nil {
		total := sf.meta.hwm
		step := total/20 + 1
		w.onPage = func(read int) {
			if uint64(read)%step == 0 {
				opts.Progress(uint64(read), total)
			}
		}
	}
	if err := w.walk(); err != nil {
		return err
	}
	for _, d := range w.damage {
		// The free list holds no records, and the index is rebuilt whole.
		if d.Kind != "freelist" && d.top != bucketLogByAddin {
			c.damage = append(c.damage, d)
		}
	}
	if opts.Progress != nil {
		opts.Progress(sf.meta.hwm, sf.meta.hwm)
	}
	return nil
}

// bucket returns the bucket at p in the current transaction, creating it (and the
// transaction) when needed.
func (c *copier) bucket(p []string) (*bolt.Bucket, error) {
	if c.tx == nil {
		tx, err := c.db.Begin(true)
		if err != nil {
			return nil, fmt.Errorf("recover: write the fresh file: %w", err)
		}
		c.tx, c.buckets = tx, map[string]*bolt.Bucket{}
	}
	key := strings.Join(p, "\x00")
	if b := c.buckets[key]; b != nil {
		return b, nil
	}
	var b *bolt.Bucket
	var err error
	if len(p) == 1 {
		b, err = c.tx.CreateBucketIfNotExists([]byte(p[0]))
	} else {
		var parent *bolt.Bucket
		if parent, err = c.bucket(p[:len(p)-1]); err == nil {
			b, err = parent.CreateBucketIfNotExists([]byte(p[len(p)-1]))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("recover: create bucket %s: %w", pathName(p), err)
	}
	c.buckets[key] = b
	return b, nil
}

func (c *copier) commit() error {
	if c.tx == nil {
		return nil
	}
	err := c.tx.Commit()
	c.tx = nil
	if err != nil {
		return fmt.Errorf("recover: write the fresh file: %w", err)
	}
	return nil
}

// finish commits the last batch and rebuilds what is derived: the buckets every state
// file has and the log's per-add-in index.
func (c *copier) finish(log zerolog.Logger) error {
	if err := c.commit(); err != nil {
		return err
	}
	return c.db.Update(func(tx *bolt.Tx) error {
		// Every bucket the schema has, in case a damaged page held one (both
		// migrations only create buckets that are missing).
		if err := createBuckets(tx, log); err != nil {
			return err
		}
		if err := createHistoryBuckets(tx, log); err != nil {
			return err
		}
		if err := indexLogByAddin(tx, log); err != nil {
			return err
		}
		n := 0
		idx := tx.Bucket([]byte(bucketLogByAddin))
		err := idx.ForEachBucket(func(k []byte) error {
			n += idx.Bucket(k).Stats().KeyN
			return nil
		})
		c.kept[bucketLogByAddin] = n
		return err
	})
}

// fill sums kept and lost per top-level bucket.
func (rep *RecoverReport) fill(kept map[string]int, damage []PageDamage) {
	by := map[string]*BucketReport{}
	get := func(name string) *BucketReport {
		if by[name] == nil {
			by[name] = &BucketReport{Bucket: name}
		}
		return by[name]
	}
	for name, n := range kept {
		get(pathName([]string{name})).Kept = n
		rep.Kept += n
	}
	get(bucketLogByAddin).Rebuilt = true
	for _, d := range damage {
		name := "(top level)"
		if d.top != "" {
			name = pathName([]string{d.top})
		}
		b := get(name)
		b.LostPages++
		rep.LostPages++
		if d.Records >= 0 {
			b.LostRecords += d.Records
			rep.LostRecords += d.Records
		} else {
			b.LostUnknown, rep.LostUnknown = true, true
		}
	}
	for _, b := range by {
		rep.Buckets = append(rep.Buckets, *b)
	}
	sort.Slice(rep.Buckets, func(i, j int) bool { return rep.Buckets[i].Bucket < rep.Buckets[j].Bucket })
}

// syncDir makes renames in dir durable where the system allows it (not on Windows,
// where a directory cannot be opened for sync; NTFS journals renames itself).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
