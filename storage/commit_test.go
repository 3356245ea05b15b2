package storage

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"addingov/governance"
	bolt "go.etcd.io/bbolt"
)

// TestQueuedWritesCommitInQueueOrder queues writes in one order, waits for them from
// many goroutines at once, and finds them stored in the queue's order, all in one
// commit (they were queued before anyone led one).
func TestQueuedWritesCommitInQueueOrder(t *testing.T) {
	db, _ := openTestDB(t)
	if err := db.PutAddin(Addin{ID: "x", Name: "X"}); err != nil {
		t.Fatal(err)
	}
	g0, w0 := db.CommitStats()
	var pending []*Pending
	for i := range 40 {
		state := governance.StateDisabled
		if i%2 == 1 {
			state = governance.StateEnabled
		}
		pending = append(pending, db.QueueChangeState("x", state, fmt.Sprint(i), "test", nil, StateOptions{}).Pending)
	}
	var wg sync.WaitGroup
	for i := len(pending) - 1; i >= 0; i-- { // waiters start in the reverse order
		wg.Add(1)
		go func(p *Pending) {
			defer wg.Done()
			if err := p.Wait(); err != nil {
				t.Error(err)
			}
		}(pending[i])
	}
	wg.Wait()
	if g, w := db.CommitStats(); g-g0 != 1 || w-w0 != 40 {
		t.Errorf("%d commits held %d writes, want 1 and 40", g-g0, w-w0)
	}
	es, _, err := db.Log(LogQuery{AddinID: "x"})
	if err != nil || len(es) != 40 {
		t.Fatalf("log: %d entries, %v", len(es), err)
	}
	for i, e := range es {
		if e.Detail != fmt.Sprint(i) {
			t.Fatalf("entry %d has detail %q: not in queue order", i, e.Detail)
		}
	}
	if a, _ := db.Addin("x"); a.State != governance.StateEnabled || a.StateReason != "39" {
		t.Errorf("final state %s (%s), want the last write's: enabled (39)", a.State, a.StateReason)
	}
}

// TestFailedWriteFailsOnlyItsCaller: one write of a group fails; the others commit, and
// nothing of the failed one is stored.
func TestFailedWriteFailsOnlyItsCaller(t *testing.T) {
	db, _ := openTestDB(t)
	for _, id := range []string{"a", "c"} {
		if err := db.PutAddin(Addin{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	a := db.QueueChangeState("a", governance.StateDisabled, "r", "test", nil, StateOptions{})
	b := db.QueueChangeState("missing", governance.StateDisabled, "r", "test", nil, StateOptions{})
	boom := errors.New("boom")
	half := db.queue(func(tx *bolt.Tx) error {
		if _, err := appendLog(tx, LogEntry{Time: t0, Action: "half"}); err != nil {
			return err
		}
		return boom
	})
	c := db.QueueChangeState("c", governance.StateDisabled, "r", "test", nil, StateOptions{})
	if err := c.Wait(); err != nil {
		t.Fatalf("c: %v", err)
	}
	if err := a.Wait(); err != nil {
		t.Errorf("a: %v", err)
	}
	if err := b.Wait(); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing add-in: %v, want ErrNotFound", err)
	}
	if err := half.Wait(); !errors.Is(err, boom) {
		t.Errorf("failing write: %v, want its error", err)
	}
	es, _, err := db.Log(LogQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].AddinID != "a" || es[1].AddinID != "c" {
		t.Errorf("log = %+v, want a's and c's entries only", es)
	}
}

// TestValidationErrorNeedsNoCommit: a write refused before it is queued fails at once.
func TestValidationErrorNeedsNoCommit(t *testing.T) {
	db, _ := openTestDB(t)
	g0, _ := db.CommitStats()
	if err := db.QueueDecision(governance.Decision{AddinID: "x", Action: "explode", Time: time.Now()}, nil, nil).Wait(); err == nil {
		t.Error("unknown action accepted")
	}
	if err := db.QueueStrikes(nil).Wait(); err != nil {
		t.Errorf("no strikes: %v", err)
	}
	if g, _ := db.CommitStats(); g != g0 {
		t.Errorf("%d commits for writes that stored nothing", g-g0)
	}
}
