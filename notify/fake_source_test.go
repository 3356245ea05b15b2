package notify_test

import (
	"context"
	"errors"
	"sync"

	"addingov/localapi"
	"addingov/notify"
	"addingov/storage"
)

// fakeSource is an in-memory daemon: a notice list, per-user acknowledgement, and a
// stream that can be broken to test reconnection.
type fakeSource struct {
	mu           sync.Mutex
	notices      []storage.Notice
	acked        uint64
	ackSupported bool
	acks         []uint64 // every AckNotices call, in order
	added        chan struct{}
	broken       chan struct{} // closed to break the current stream
	follows      int
}

func newFakeSource(n int) *fakeSource {
	f := &fakeSource{ackSupported: true, added: make(chan struct{}), broken: make(chan struct{})}
	for range n {
		f.add()
	}
	return f
}

// add appends a notice with the next sequence number and wakes streams.
func (f *fakeSource) add() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq := uint64(len(f.notices) + 1)
	f.notices = append(f.notices, storage.Notice{Seq: seq, AddinID: "addin", Title: "notice", Text: "text"})
	close(f.added)
	f.added = make(chan struct{})
	return seq
}

// breakStream ends the current FollowNotices call with an error.
func (f *fakeSource) breakStream() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.broken)
	f.broken = make(chan struct{})
}

func (f *fakeSource) Status(ctx context.Context) (localapi.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return localapi.Status{LastNotice: uint64(len(f.notices))}, nil
}

func (f *fakeSource) Notices(ctx context.Context, after uint64, limit int) ([]storage.Notice, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []storage.Notice
	for _, n := range f.notices {
		if n.Seq > after && len(out) < limit {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeSource) FollowNotices(ctx context.Context, after uint64, fn func(storage.Notice) error) error {
	f.mu.Lock()
	f.follows++
	broken := f.broken
	f.mu.Unlock()
	for {
		f.mu.Lock()
		added := f.added
		f.mu.Unlock()
		ns, _ := f.Notices(ctx, after, 1<<30)
		for _, n := range ns {
			if err := fn(n); err != nil {
				return err
			}
			after = n.Seq
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-broken:
			return errors.New("notice stream: the daemon closed the connection")
		case <-added:
		}
	}
}

func (f *fakeSource) AckNotices(ctx context.Context, seq uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acks = append(f.acks, seq)
	f.acked = max(f.acked, seq)
	return nil
}

func (f *fakeSource) NoticeAck(ctx context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ackSupported {
		return 0, localapi.ErrNoticeAckUnsupported
	}
	return f.acked, nil
}

func (f *fakeSource) ackedSeq() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.acked
}

func (f *fakeSource) followCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.follows
}

// connectTo returns a Connect for src at a fixed address.
func connectTo(src notify.Source, addr string) notify.Connect {
	return func(context.Context) (notify.Source, string, error) { return src, addr, nil }
}
