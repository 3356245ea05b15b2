package storage

import (
	"encoding/json"
	"fmt"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// Bucket names (see the package documentation for the tree).
const (
	bucketMeta       = "meta"
	bucketAddins     = "addins"
	bucketStrikes    = "strikes"
	bucketLog        = "log"
	bucketLogByAddin = "log_by_addin"
	bucketNotices    = "notices"
	bucketNoticeAcks = "notice_acks"
	bucketGrants     = "grants"
	// Added by migration 3.
	bucketHistory     = "history"
	bucketActivations = "activations"
)

// keySchemaVersion in the meta bucket holds the version of the last migration applied.
const keySchemaVersion = "schema_version"

// migration upgrades the database from version-1 to version. It runs inside the
// transaction that also records the new version, so a failed migration leaves the file
// as it was.
type migration struct {
	version uint64
	name    string
	migrate func(tx *bolt.Tx, log zerolog.Logger) error
}

// migrations is the ordered schema history. Append only: a shipped migration never
// changes, because databases in the field have already run it. Every entry needs a test
// in migrationTests (migrations_test.go).
var migrations = []migration{
	{version: 1, name: "create the buckets", migrate: createBuckets},
	{version: 2, name: "index the disable log by add-in", migrate: indexLogByAddin},
	{version: 3, name: "keep each add-in's sample and activation history", migrate: createHistoryBuckets},
}

// schemaVersion is the version a database has after every migration.
func schemaVersion() uint64 { return migrations[len(migrations)-1].version }

// createBuckets is migration 1: the original layout.
func createBuckets(tx *bolt.Tx, _ zerolog.Logger) error {
	for _, name := range []string{bucketAddins, bucketStrikes, bucketLog, bucketNotices, bucketNoticeAcks, bucketGrants} {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// createHistoryBuckets is migration 3: history and activations, filled from then on.
func createHistoryBuckets(tx *bolt.Tx, _ zerolog.Logger) error {
	for _, name := range []string{bucketHistory, bucketActivations} {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// indexLogByAddin is migration 2: log_by_addin, back-filled from the existing log so
// per-add-in queries find old entries too. An entry that cannot be decoded is left out
// of the index (and reported): it stays in the log, and refusing to open the database
// over it would lose everything else.
func indexLogByAddin(tx *bolt.Tx, log zerolog.Logger) error {
	idx, err := tx.CreateBucketIfNotExists([]byte(bucketLogByAddin))
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketLogByAddin, err)
	}
	entries := tx.Bucket([]byte(bucketLog))
	if entries == nil {
		return fmt.Errorf("bucket %s is missing", bucketLog)
	}
	return entries.ForEach(func(k, v []byte) error {
		var e struct {
			AddinID string `json:"addin_id"`
		}
		if _, _, ok := splitTimeKey(k); !ok || json.Unmarshal(v, &e) != nil {
			log.Warn().Str("event", "storage-problem").Hex("key", k).Msg("log entry cannot be decoded; leaving it out of the add-in index")
			return nil
		}
		if e.AddinID == "" {
			return nil
		}
		if err := checkID("add-in id", e.AddinID); err != nil {
			log.Warn().Str("event", "storage-problem").Hex("key", k).Err(err).Msg("log entry names an unusable add-in id; leaving it out of the add-in index")
			return nil
		}
		return indexLogEntry(idx, e.AddinID, k)
	})
}

// indexLogEntry records that log/<key> belongs to addinID.
func indexLogEntry(idx *bolt.Bucket, addinID string, key []byte) error {
	b, err := idx.CreateBucketIfNotExists([]byte(addinID))
	if err != nil {
		return fmt.Errorf("index log entry %x under %s: %w", key, addinID, err)
	}
	return b.Put(key, []byte{})
}

// migrate brings the database up to the last of ms in tx, returning the versions before
// and after. A database newer than ms is refused: this build would misread it.
func migrate(tx *bolt.Tx, ms []migration, log zerolog.Logger) (from, to uint64, err error) {
	meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
	if err != nil {
		return 0, 0, fmt.Errorf("create bucket %s: %w", bucketMeta, err)
	}
	if v := meta.Get([]byte(keySchemaVersion)); v != nil {
		var ok bool
		if from, ok = decodeUint64(v); !ok {
			return 0, 0, corruptError(bucketMeta, []byte(keySchemaVersion), fmt.Errorf("schema version is %d bytes, not 8", len(v)))
		}
	}
	to = from
	if n := len(ms); n > 0 && from > ms[n-1].version {
		return from, from, fmt.Errorf("the database has schema version %d, newer than this build understands (%d): run a newer addingovd, or point --state-dir at a different directory", from, ms[n-1].version)
	}
	for _, m := range ms {
		if m.version <= from {
			continue
		}
		if err := m.migrate(tx, log); err != nil {
			return from, to, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		to = m.version
		log.Info().Uint64("version", m.version).Str("migration", m.name).Msg("migrated state database")
	}
	if to != from {
		if err := meta.Put([]byte(keySchemaVersion), seqKey(to)); err != nil {
			return from, to, fmt.Errorf("record schema version %d: %w", to, err)
		}
	}
	return from, to, nil
}
