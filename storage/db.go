package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"addingov/governance"
	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// FileName is the state file's name in the daemon's state directory.
const FileName = "addingov.db"

// DefaultTimeout is how long Open waits for another process to release the database.
const DefaultTimeout = 2 * time.Second

// Options tune Open. The zero value is the production setting.
type Options struct {
	// Timeout bounds the wait for the file lock; zero or less means DefaultTimeout.
	// (bbolt itself would wait forever.)
	Timeout time.Duration
	// Clock stamps records given without a time and the state changes of SetState;
	// nil means the system clock.
	Clock governance.Clock
	// Log receives migrations and storage problems; the zero value discards them.
	Log zerolog.Logger
}

// DB is the open state database. Its methods are safe for concurrent use.
type DB struct {
	bolt    *bolt.DB
	path    string
	clock   governance.Clock
	log     zerolog.Logger
	pidFile string
	commits *commitQueue // acknowledged writes, committed in groups (commit.go)

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating when missing) the state database at path and brings its schema
// up to date. When another process holds it, Open fails after opts.Timeout with a
// *LockedError naming that process.
func Open(path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("open state database: no path given")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Clock == nil {
		opts.Clock = governance.SystemClock{}
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open state database %s: create its directory: %w", path, err)
		}
	}
	// Check before bbolt opens the file for writing: that open (and the first write)
	// would fault on some damage and write meta pages into the damaged file.
	d, err := CheckFile(path, CheckOptions{Timeout: opts.Timeout, Log: opts.Log})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// A new state file.
	case err != nil:
		return nil, err
	case !d.Healthy:
		opts.Log.Error().Str("event", "storage-problem").Str("path", path).Str("cause", string(d.Cause)).
			Interface("damaged_pages", d.Damage).Msg("state database is damaged; not opening it for writing")
		return nil, &UnusableError{Diagnosis: d}
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, lockedError(path, opts.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open state database %s: %w (run `addingovd check` to see what is wrong with it)", path, err)
	}
	db := &DB{bolt: bdb, path: path, clock: opts.Clock, log: opts.Log, pidFile: pidFilePath(path), commits: newCommitQueue(bdb)}
	if err := writePIDFile(db.pidFile); err != nil {
		// The pid file only improves the message a second process gets; the lock itself
		// is what protects the database.
		db.log.Warn().Err(err).Str("path", db.pidFile).Msg("cannot record this process in the pid file")
	}
	var from, to uint64
	err = bdb.Update(func(tx *bolt.Tx) error {
		var err error
		from, to, err = migrate(tx, migrations, db.log)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open state database %s: %w", path, err)
	}
	if from != to {
		db.log.Info().Str("path", path).Uint64("from", from).Uint64("to", to).Msg("state database schema upgraded")
	}
	return db, nil
}

// Close releases the database and its pid file. Calling it again returns the first
// result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		removePIDFile(db.pidFile)
		if err := db.bolt.Close(); err != nil {
			db.closeErr = fmt.Errorf("close state database %s: %w", db.path, err)
		}
	})
	return db.closeErr
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// Check verifies the file's internal consistency (page reachability, free list, key
// order) and returns every problem found, joined; nil means consistent. It runs in a
// write transaction that it rolls back, because bbolt's check is only safe alongside
// other writers that way; writers wait until it is done.
func (db *DB) Check() error {
	tx, err := db.bolt.Begin(true)
	if err != nil {
		return fmt.Errorf("check state database %s: %w", db.path, err)
	}
	defer tx.Rollback()
	var msgs []string
	for err := range tx.Check() {
		msgs = append(msgs, err.Error())
	}
	if len(msgs) > 0 {
		return fmt.Errorf("state database %s is inconsistent: %s", db.path, strings.Join(msgs, "; "))
	}
	return nil
}

// now is the database's clock, used only outside transactions so that a transaction
// bbolt re-runs sees the same time.
func (db *DB) now() time.Time { return db.clock.Now() }
