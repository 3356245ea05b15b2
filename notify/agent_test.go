package notify_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"addingov/localapi"
	"addingov/notify"
	"addingov/notify/notifytest"
)

const fakeAddr = "/run/addingov/addingovd.sock"

func TestAgentOnceResumesFromTheLaterRecord(t *testing.T) {
	tests := []struct {
		name         string
		notices      int
		local        uint64 // the state file's position
		server       uint64 // the daemon's acknowledgement
		ackSupported bool
		wantShown    []uint64
		wantState    uint64
		wantAcked    uint64
	}{
		{name: "first run shows everything", notices: 3, wantShown: []uint64{1, 2, 3}, ackSupported: true, wantState: 3, wantAcked: 3},
		{name: "daemon record ahead of file", notices: 3, server: 2, ackSupported: true, wantShown: []uint64{3}, wantState: 3, wantAcked: 3},
		{name: "file ahead of daemon record", notices: 3, local: 2, server: 1, ackSupported: true, wantShown: []uint64{3}, wantState: 3, wantAcked: 3},
		{name: "daemon without ack endpoint uses the file", notices: 3, local: 2, wantShown: []uint64{3}, wantState: 3, wantAcked: 3},
		{name: "all seen: nothing shown, daemon caught up", notices: 3, local: 3, ackSupported: true, wantShown: nil, wantState: 3, wantAcked: 3},
		{name: "daemon database reset: start again", notices: 2, local: 10, ackSupported: true, wantShown: []uint64{1, 2}, wantState: 2, wantAcked: 2},
		{name: "nothing raised yet", notices: 0, ackSupported: true, wantShown: nil, wantState: 0, wantAcked: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFakeSource(tt.notices)
			src.ackSupported = tt.ackSupported
			src.acked = tt.server
			state, err := notify.LoadState(filepath.Join(t.TempDir(), "agent.seq"))
			if err != nil {
				t.Fatal(err)
			}
			if err := state.Reset(fakeAddr, tt.local); err != nil {
				t.Fatal(err)
			}
			rec := notifytest.NewRecorder()
			a, err := notify.NewAgent(notify.Options{Connect: connectTo(src, fakeAddr), Notifier: rec, State: state})
			if err != nil {
				t.Fatal(err)
			}
			n, err := a.Once(context.Background())
			if err != nil {
				t.Fatalf("Once: %v", err)
			}
			if got := rec.Seqs(); !slices.Equal(got, tt.wantShown) {
				t.Errorf("shown %v, want %v", got, tt.wantShown)
			}
			if n != len(tt.wantShown) {
				t.Errorf("Once returned %d, want %d", n, len(tt.wantShown))
			}
			if got := state.Seq(fakeAddr); got != tt.wantState {
				t.Errorf("state %d, want %d", got, tt.wantState)
			}
			reloaded, err := notify.LoadState(state.Path())
			if err != nil {
				t.Fatal(err)
			}
			if got := reloaded.Seq(fakeAddr); got != tt.wantState {
				t.Errorf("state on disk %d, want %d", got, tt.wantState)
			}
			if got := src.ackedSeq(); got != tt.wantAcked {
				t.Errorf("daemon acknowledged %d, want %d", got, tt.wantAcked)
			}
		})
	}
}

func TestAgentOnceNeverRedelivers(t *testing.T) {
	src := newFakeSource(2)
	statePath := filepath.Join(t.TempDir(), "agent.seq")
	run := func() []uint64 {
		t.Helper()
		state, err := notify.LoadState(statePath)
		if err != nil {
			t.Fatal(err)
		}
		rec := notifytest.NewRecorder()
		a, err := notify.NewAgent(notify.Options{Connect: connectTo(src, fakeAddr), Notifier: rec, State: state})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
		return rec.Seqs()
	}
	steps := []struct {
		name   string
		before func()
		want   []uint64
	}{
		{name: "first start", want: []uint64{1, 2}},
		{name: "restart", want: nil},
		{name: "restart after a new notice", before: func() { src.add() }, want: []uint64{3}},
		{name: "restart after the daemon lost its acks", before: func() { src.acked = 0 }, want: nil},
		{name: "restart after the state file was lost", before: func() { _ = removeFile(statePath) }, want: nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.before != nil {
				s.before()
			}
			if got := run(); !slices.Equal(got, s.want) {
				t.Errorf("shown %v, want %v", got, s.want)
			}
		})
	}
}

func TestAgentDoesNotRecordWhatItCouldNotShow(t *testing.T) {
	src := newFakeSource(2)
	state := notify.NewMemoryState()
	rec := notifytest.NewRecorder()
	rec.Fail(errors.New("notification service gone"))
	a, err := notify.NewAgent(notify.Options{Connect: connectTo(src, fakeAddr), Notifier: rec, State: state})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Once(context.Background()); err == nil {
		t.Fatalf("Once with a failing notifier: err = %v, want an error", err)
	}
	if state.Seq(fakeAddr) != 0 || src.ackedSeq() != 0 {
		t.Fatalf("after a failed delivery: state %d, acked %d; want both 0", state.Seq(fakeAddr), src.ackedSeq())
	}
	rec.Fail(nil)
	if _, err := a.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rec.Seqs(); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("after the notifier recovered: shown %v, want [1 2]", got)
	}
}

func TestAgentSkipsOldNoticesButRecordsThem(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	src := newFakeSource(3)
	src.notices[0].Time = now.Add(-30 * 24 * time.Hour) // too old
	src.notices[1].Time = now.Add(-time.Hour)
	// notices[2] has no time: shown.
	rec := notifytest.NewRecorder()
	state := notify.NewMemoryState()
	a, err := notify.NewAgent(notify.Options{Connect: connectTo(src, fakeAddr), Notifier: rec, State: state,
		MaxAge: 7 * 24 * time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	n, err := a.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Seqs(); n != 2 || !slices.Equal(got, []uint64{2, 3}) {
		t.Errorf("shown %v (count %d), want [2 3] (2)", got, n)
	}
	if state.Seq(fakeAddr) != 3 || src.ackedSeq() != 3 {
		t.Errorf("state %d, acked %d; want 3 and 3", state.Seq(fakeAddr), src.ackedSeq())
	}
}

func TestAgentRunFollowsAndReconnects(t *testing.T) {
	src := newFakeSource(1)
	var connects atomic.Int32
	connect := func(ctx context.Context) (notify.Source, string, error) {
		// The daemon is down for the first two attempts.
		if connects.Add(1) <= 2 {
			return nil, "", &localapi.UnreachableError{Addr: fakeAddr, Err: errors.New("connection refused")}
		}
		return src, fakeAddr, nil
	}
	rec := notifytest.NewRecorder()
	state := notify.NewMemoryState()
	a, err := notify.NewAgent(notify.Options{Connect: connect, Notifier: rec, State: state,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()

	if got := seqs(rec.WaitFor(1, 10*time.Second)); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("after the daemon came up: shown %v, want [1]", got)
	}
	src.add()
	if got := seqs(rec.WaitFor(2, 10*time.Second)); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("after a new notice: shown %v, want [1 2]", got)
	}
	follows := src.followCount()
	src.breakStream() // the daemon restarts
	waitUntil(t, func() bool { return src.followCount() > follows }, "the agent to reconnect")
	src.add()
	if got := seqs(rec.WaitFor(3, 10*time.Second)); !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Fatalf("after reconnecting: shown %v, want [1 2 3]", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if connects.Load() < 4 {
		t.Errorf("connected %d times, want at least 4 (two failures, one session, one reconnection)", connects.Load())
	}
	if state.Seq(fakeAddr) != 3 || src.ackedSeq() != 3 {
		t.Errorf("state %d, acked %d; want 3 and 3", state.Seq(fakeAddr), src.ackedSeq())
	}
}

func TestAgentOnceUnreachable(t *testing.T) {
	connect := func(ctx context.Context) (notify.Source, string, error) {
		return nil, "", &localapi.UnreachableError{Addr: fakeAddr, Err: errors.New("connection refused")}
	}
	a, err := notify.NewAgent(notify.Options{Connect: connect, Notifier: notifytest.NewRecorder()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Once(context.Background()); !localapi.IsUnreachable(err) {
		t.Fatalf("Once with no daemon: %v, want an unreachable error", err)
	}
}

func TestNewAgentRequiresConnectAndNotifier(t *testing.T) {
	tests := []struct {
		name string
		opts notify.Options
	}{
		{name: "no connect", opts: notify.Options{Notifier: notifytest.NewRecorder()}},
		{name: "no notifier", opts: notify.Options{Connect: connectTo(newFakeSource(0), fakeAddr)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := notify.NewAgent(tt.opts); err == nil {
				t.Fatal("NewAgent accepted incomplete options")
			}
		})
	}
}
