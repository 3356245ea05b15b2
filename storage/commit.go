package storage

import (
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Group commit. Every acknowledged write (strikes, decisions with their log entry and
// notice, state changes, notices, acknowledgements) goes through one queue: Queue*
// methods append a write in call order and return at once, so a caller holding a lock
// (the daemon's engine lock) fixes the order without waiting for the disk; Wait
// returns once the write is durable. Writes waiting together share one fsynced bbolt
// transaction and are applied in queue order.
//
// Leader and followers: the first waiter when no commit is running commits at once
// everything queued so far (a lone writer waits for nothing but its own commit);
// writers arriving while that commit runs queue up, and when it ends one of them
// commits them all. Unlike bbolt's Batch there is no delay window.
//
// A write function may run twice: when a write of a group fails, the group is rolled
// back and each of its writes is committed alone, in order, so one bad write costs only
// its own caller. Write functions therefore compute everything from tx (as Batch
// functions must).

// Pending is a write queued for the next group commit.
type Pending struct {
	q    *commitQueue
	fn   func(*bolt.Tx) error
	done bool
	err  error
}

// Wait blocks until the write is committed (durable) or failed, and returns its error.
// Every queued write must be waited for by someone: a queued write commits only when a
// waiter (its own or a later one) leads a commit.
func (p *Pending) Wait() error {
	if p.q == nil {
		return p.err // failed before it was queued
	}
	return p.q.wait(p)
}

// failed is a Pending for a write refused before it reached the queue.
func failed(err error) *Pending { return &Pending{done: true, err: err} }

type commitQueue struct {
	db *bolt.DB

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*Pending
	running bool // a leader is committing

	groups, writes uint64 // commits made and writes they held, for tests and benchmarks
}

func newCommitQueue(db *bolt.DB) *commitQueue {
	q := &commitQueue{db: db}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// queue appends a write; it does no I/O.
func (db *DB) queue(fn func(*bolt.Tx) error) *Pending {
	q := db.commits
	p := &Pending{q: q, fn: fn}
	q.mu.Lock()
	q.queue = append(q.queue, p)
	q.mu.Unlock()
	return p
}

// commit queues fn and waits for it: the synchronous form of every write.
func (db *DB) commit(fn func(*bolt.Tx) error) error { return db.queue(fn).Wait() }

func (q *commitQueue) wait(p *Pending) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !p.done {
		if q.running {
			q.cond.Wait()
			continue
		}
		group := q.queue
		q.queue = nil
		q.running = true
		q.mu.Unlock()
		errs := q.commitGroup(group)
		q.mu.Lock()
		q.groups++
		q.writes += uint64(len(group))
		for i, w := range group {
			w.done, w.err = true, errs[i]
		}
		q.running = false
		q.cond.Broadcast() // the done return; one of the others leads the next commit
	}
	return p.err
}

// commitGroup applies the writes in one transaction; if that fails, each alone.
func (q *commitQueue) commitGroup(group []*Pending) []error {
	errs := make([]error, len(group))
	err := q.db.Update(func(tx *bolt.Tx) error {
		for _, w := range group {
			if err := w.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(group) == 1 {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	for i, w := range group {
		errs[i] = q.db.Update(w.fn)
	}
	return errs
}

// wrapErr prefixes fn's error with what the write was.
func wrapErr(what string, fn func(*bolt.Tx) error) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
}

// CommitStats reports how many group commits were made and how many writes they held.
func (db *DB) CommitStats() (groups, writes uint64) {
	q := db.commits
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.groups, q.writes
}
