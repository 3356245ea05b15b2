package notify_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"addingov/daemon/daemontest"
	"addingov/localapi"
	"addingov/notify"
	"addingov/notify/notifytest"
	"addingov/storage"
)

// testDaemon is a real daemon on a temporary state directory and socket.
type testDaemon struct {
	*daemontest.Daemon
	t *testing.T
}

func newTestDaemon(t *testing.T) *testDaemon {
	t.Helper()
	return &testDaemon{Daemon: daemontest.Start(t, daemontest.Options{}), t: t}
}

func (td *testDaemon) client() *localapi.Client {
	return localapi.NewClient(localapi.NewTransport(localapi.ListenOptions{}), td.Address)
}

func (td *testDaemon) connect(context.Context) (notify.Source, string, error) {
	return td.client(), td.Address, nil
}

// appendNotice stores a notice directly, as governance would.
func (td *testDaemon) appendNotice(id string) uint64 {
	td.t.Helper()
	n, err := td.DB().AppendNotice(storage.Notice{Time: time.Now(), AddinID: id, AddinName: id,
		Level: storage.NoticeWarning, Title: id + " was turned off", Text: "test"})
	if err != nil {
		td.t.Fatal(err)
	}
	return n.Seq
}

// failActivations makes the daemon itself turn an add-in off (three failed
// activations, the default limit), which raises a notice and wakes the stream.
func (td *testDaemon) failActivations(id string) {
	td.t.Helper()
	ctx := context.Background()
	c := td.client()
	for i := range 3 {
		r, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: id, PID: int32(os.Getpid()), Name: id})
		if err != nil {
			td.t.Fatalf("activation %d of %s: %v", i, id, err)
		}
		if !r.MayActivate {
			td.t.Fatalf("activation %d of %s refused: %s", i, id, r.Reason)
		}
		if _, err := c.ActivationEvent(ctx, r.ActivationID, "fail", "test failure"); err != nil {
			td.t.Fatalf("fail activation %d of %s: %v", i, id, err)
		}
	}
}

func (td *testDaemon) ackedByUs() uint64 {
	td.t.Helper()
	seq, err := td.DB().NoticeAck(strconv.Itoa(os.Geteuid()))
	if err != nil {
		td.t.Fatal(err)
	}
	return seq
}

func runOnce(t *testing.T, td *testDaemon, statePath string) []uint64 {
	t.Helper()
	state, err := notify.LoadState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	rec := notifytest.NewRecorder()
	a, err := notify.NewAgent(notify.Options{Connect: td.connect, Notifier: rec, State: state})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Once(context.Background()); err != nil {
		t.Fatalf("agent --once: %v", err)
	}
	return rec.Seqs()
}

func TestAgentWithRealDaemonDeliversEachNoticeOnce(t *testing.T) {
	tests := []struct {
		name string
		// loseStateFile deletes the agent's file before each restart: only the
		// daemon's record is left.
		loseStateFile bool
	}{
		{name: "daemon record and state file"},
		{name: "daemon record only (state file lost)", loseStateFile: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := newTestDaemon(t)
			statePath := filepath.Join(t.TempDir(), "agent.seq")
			restart := func() {
				if tt.loseStateFile {
					os.Remove(statePath)
				}
			}
			td.appendNotice("a")
			td.appendNotice("b")
			if got := runOnce(t, td, statePath); !slices.Equal(got, []uint64{1, 2}) {
				t.Fatalf("first start: shown %v, want [1 2]", got)
			}
			if got := td.ackedByUs(); got != 2 {
				t.Errorf("the daemon stored acknowledgement %d, want 2", got)
			}
			restart()
			if got := runOnce(t, td, statePath); len(got) != 0 {
				t.Fatalf("restart: shown %v again", got)
			}
			td.appendNotice("c")
			restart()
			if got := runOnce(t, td, statePath); !slices.Equal(got, []uint64{3}) {
				t.Fatalf("restart after a new notice: shown %v, want [3]", got)
			}
			td.Restart()
			restart()
			if got := runOnce(t, td, statePath); len(got) != 0 {
				t.Fatalf("after the daemon restarted: shown %v again", got)
			}
		})
	}
}

func TestAgentWithRealDaemonFollowsAcrossDaemonRestarts(t *testing.T) {
	td := newTestDaemon(t)
	td.appendNotice("old")
	statePath := filepath.Join(t.TempDir(), "agent.seq")
	if got := runOnce(t, td, statePath); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("pending notice: shown %v, want [1]", got)
	}

	state, err := notify.LoadState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	rec := notifytest.NewRecorder()
	a, err := notify.NewAgent(notify.Options{Connect: td.connect, Notifier: rec, State: state,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	}()

	td.failActivations("slow-one")
	shown := rec.WaitFor(1, 15*time.Second)
	if len(shown) != 1 || shown[0].Seq != 2 || shown[0].AddinID != "slow-one" {
		t.Fatalf("after governance turned slow-one off: shown %+v, want notice 2 for slow-one", shown)
	}

	td.Restart()
	td.failActivations("slow-two")
	shown = rec.WaitFor(2, 15*time.Second)
	if got := seqs(shown); !slices.Equal(got, []uint64{2, 3}) {
		t.Fatalf("after the daemon restarted: shown %v, want [2 3] (no repeats, nothing lost)", got)
	}
	if shown[1].AddinID != "slow-two" {
		t.Errorf("notice 3 is for %q, want slow-two", shown[1].AddinID)
	}
	waitUntil(t, func() bool { return td.ackedByUs() == 3 }, "the agent to acknowledge notice 3")
}
