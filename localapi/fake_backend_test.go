package localapi

import (
	"context"
	"encoding/json"
	"sync"

	"addingov/storage"
)

// fakeBackend is a Backend over maps, recording the callers it saw.
type fakeBackend struct {
	mu      sync.Mutex
	addins  map[string]Addin
	notices []storage.Notice
	signal  chan struct{}
	callers []Caller
	acked   uint64
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{
		addins: map[string]Addin{"contoso-crm": {ID: "contoso-crm", Name: "Contoso CRM", State: "enabled"}},
		signal: make(chan struct{}),
	}
}

func (f *fakeBackend) seen(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.callers = append(f.callers, CallerFrom(ctx))
}

func (f *fakeBackend) Status(ctx context.Context) (Status, error) {
	f.seen(ctx)
	return Status{Version: "test", Caller: CallerFrom(ctx)}, nil
}

func (f *fakeBackend) Addins(ctx context.Context) ([]Addin, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Addin
	for _, a := range f.addins {
		out = append(out, a)
	}
	return out, nil
}

func (f *fakeBackend) Addin(ctx context.Context, id string) (Addin, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.addins[id]
	if !ok {
		return a, NotFound("no add-in %q", id)
	}
	return a, nil
}

func (f *fakeBackend) SetEnabled(ctx context.Context, id string, enable bool, req StateRequest) (Addin, error) {
	if req.Everyone {
		return Addin{}, Forbidden("this fake never allows changes for everyone: needs an administrator")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.addins[id]
	if !ok {
		return a, NotFound("no add-in %q", id)
	}
	a.State = map[bool]string{true: "enabled", false: "disabled"}[enable]
	f.addins[id] = a
	return a, nil
}

func (f *fakeBackend) StartActivation(ctx context.Context, req ActivationRequest) (ActivationResponse, error) {
	return ActivationResponse{ActivationID: "act-1", MayActivate: true}, nil
}

func (f *fakeBackend) ReadyActivation(ctx context.Context, id string) (ActivationResult, error) {
	if id != "act-1" {
		return ActivationResult{}, NotFound("no activation %q", id)
	}
	return ActivationResult{ActivationID: id}, nil
}

func (f *fakeBackend) FailActivation(ctx context.Context, id, reason string) (ActivationResult, error) {
	return ActivationResult{ActivationID: id}, nil
}

func (f *fakeBackend) EndActivation(ctx context.Context, id string) (ActivationResult, error) {
	return ActivationResult{ActivationID: id}, nil
}

func (f *fakeBackend) Log(ctx context.Context, q storage.LogQuery) (LogPage, error) {
	return LogPage{Entries: []storage.LogEntry{{AddinID: q.AddinID, Reason: q.Reason}}}, nil
}

func (f *fakeBackend) Notices(ctx context.Context, after uint64, limit int) ([]storage.Notice, error) {
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

func (f *fakeBackend) NoticeSignal() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.signal
}

func (f *fakeBackend) addNotice(text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices = append(f.notices, storage.Notice{Seq: uint64(len(f.notices) + 1), Text: text})
	close(f.signal)
	f.signal = make(chan struct{})
}

func (f *fakeBackend) AckNotices(ctx context.Context, seq uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acked = seq
	return nil
}

func (f *fakeBackend) NoticeAck(ctx context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.acked, nil
}

func (f *fakeBackend) Policy(ctx context.Context, user string) (json.RawMessage, error) {
	return json.RawMessage(`{"settings":[]}`), nil
}
