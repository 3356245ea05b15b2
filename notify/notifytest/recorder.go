// Package notifytest provides a fake notify.Notifier that records what it was asked to
// show, for tests of the agent and of code that uses it.
package notifytest

import (
	"context"
	"sync"
	"time"

	"addingov/storage"
)

// Recorder is a Notifier that records every notice it shows. Fail makes it fail, to
// test what happens when the desktop refuses a notice.
type Recorder struct {
	mu      sync.Mutex
	shown   []storage.Notice
	fail    error
	changed chan struct{}
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{changed: make(chan struct{})} }

// Name implements notify.Notifier.
func (r *Recorder) Name() string { return "recorder" }

// Notify implements notify.Notifier.
func (r *Recorder) Notify(ctx context.Context, n storage.Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.shown = append(r.shown, n)
	close(r.changed)
	r.changed = make(chan struct{})
	return nil
}

// Fail makes every following Notify return err; nil makes it succeed again.
func (r *Recorder) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// Shown returns the notices shown so far, in order.
func (r *Recorder) Shown() []storage.Notice {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]storage.Notice(nil), r.shown...)
}

// Seqs returns the sequence numbers shown so far, in order.
func (r *Recorder) Seqs() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	seqs := make([]uint64, len(r.shown))
	for i, n := range r.shown {
		seqs[i] = n.Seq
	}
	return seqs
}

// WaitFor waits until at least n notices were shown or timeout passes, and returns
// what was shown. It is for tests that follow a stream, where delivery happens on
// another goroutine.
func (r *Recorder) WaitFor(n int, timeout time.Duration) []storage.Notice {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		if len(r.shown) >= n {
			out := append([]storage.Notice(nil), r.shown...)
			r.mu.Unlock()
			return out
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return r.Shown()
		}
	}
}
