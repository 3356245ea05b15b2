// Package storage keeps addingov's durable state in one bbolt file (addingov.db in the
// daemon's state directory): the add-ins it governs, their strikes, the disable log, the
// business-bar notices and who has seen them, and the permission grants.
//
// Every acknowledged write is fsynced before the call returns, and every operation that
// must be all-or-nothing (a decision's new state, strikes, log entry and notice) is one
// bbolt transaction. Only one process may have the file open; a second one gets an error
// naming the first (see LockedError).
//
// Bucket layout (schema version 3; migrations.go lists how each version came about):
//
//	meta
//	│ schema_version → uint64 big-endian: the last migration applied
//	addins
//	│ <add-in id> → JSON Addin
//	strikes
//	│ <add-in id>/                     one bucket per add-in
//	│   <time key> → JSON governance.Strike
//	log                                the disable log, oldest first
//	│ <time key> → JSON LogEntry
//	log_by_addin                       index of log, so one add-in's entries need no full scan
//	│ <add-in id>/
//	│   <time key> → empty (the entry is log/<time key>)
//	notices                            bucket sequence = the last notice number ever issued
//	│ <seq> → JSON Notice; seq is uint64 big-endian
//	notice_acks
//	│ <user> → uint64 big-endian: the last notice seq the user acknowledged
//	grants
//	│ <add-in id>/
//	│   <grant id> → opaque JSON owned by package permissions
//	host_switches                      created on first use (no migration)
//	│ <add-in id> → opaque JSON owned by package office: the host switch addingov
//	│               changed (a user's LoadBehavior as it was), so enable restores it
//	history                            CPU and memory per tick, kept HistoryRetentionHours
//	│ <add-in id>/
//	│   <time key> → JSON HistoryPoint
//	activations                        activation outcomes, kept as long as history
//	│ <add-in id>/
//	│   <time key> → JSON ActivationRecord
//	bindings                           created by the first write (restart.go)
//	│ <add-in id>/                     the processes sampled for each add-in
//	│   <pid uint32 big-endian> → JSON Binding: creation time, live activation
//	daemon                             created by the first write (restart.go)
//	│ policy_seen → JSON PolicySeen: the policy last applied, and what it blocked
//
// A <time key> is 12 bytes: the record's time as UnixNano (int64, big-endian, so keys
// sort by time) followed by a uint32 big-endian sequence that tells apart records with
// the same nanosecond. Times before 1970 or after 2262 cannot be keyed and are refused.
// A log entry's ID is its time key in hex, which is also the paging cursor of Log.
//
// A damaged file is never written to: Open first runs CheckFile, which reads every page
// with bounds checks (pages.go, walk.go) and runs bbolt's Tx.Check read-only in a child
// process (child.go), and refuses an unusable file with an *UnusableError naming the
// Cause and what to do. Recover copies every record that can still be read into a fresh
// file and keeps the damaged one beside it; it rebuilds log_by_addin from the log.
//
// Records carry no copy of their key: a log entry's ID and a notice's Seq are filled in
// from the key when read, so a record can never disagree with where it is stored.
package storage
