package notify_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"addingov/notify"
	"addingov/storage"
)

// clicker is a desktop notifier whose user picks every action a notice offers, in
// order, as soon as it is shown.
type clicker struct {
	actor notify.Actor

	mu      sync.Mutex
	offered map[uint64][]notify.Action
	replies map[notify.Action]notify.Reply
}

var _ notify.Interactive = (*clicker)(nil)

func (c *clicker) SetActor(a notify.Actor) { c.actor = a }
func (c *clicker) Name() string            { return "clicker" }
func (c *clicker) Notify(ctx context.Context, n storage.Notice) error {
	acts := notify.NoticeActions(n)
	c.mu.Lock()
	c.offered[n.Seq] = acts
	c.mu.Unlock()
	for _, a := range acts {
		r := c.actor.Act(ctx, n, a)
		c.mu.Lock()
		c.replies[a] = r
		c.mu.Unlock()
	}
	return nil
}

// The user turns an add-in back on from its notice: the agent calls the real daemon's
// enable, and the details action describes the disable from the log.
func TestNoticeActionsReachTheDaemon(t *testing.T) {
	td := newTestDaemon(t)
	ctx := context.Background()
	td.failActivations("slow-one")
	a, err := td.client().Addin(ctx, "slow-one")
	if err != nil || a.State != "disabled" {
		t.Fatalf("slow-one = %+v, %v; want disabled", a, err)
	}
	c := &clicker{offered: map[uint64][]notify.Action{}, replies: map[notify.Action]notify.Reply{}}
	agent, err := notify.NewAgent(notify.Options{Connect: td.connect, Notifier: c})
	if err != nil {
		t.Fatal(err)
	}
	if c.actor == nil {
		t.Fatal("the agent did not hand itself to an interactive notifier")
	}
	if _, err := agent.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.offered[1]; len(got) != 2 || got[0] != notify.ActionEnable || got[1] != notify.ActionDetails {
		t.Fatalf("actions offered = %v, want [enable details]", got)
	}
	if r := c.replies[notify.ActionEnable]; r.Failed || !strings.Contains(r.Title, "is on again") {
		t.Fatalf("enable reply = %+v", r)
	}
	if a, err := td.client().Addin(ctx, "slow-one"); err != nil || a.State != "enabled" {
		t.Fatalf("after Turn back on: %+v, %v; want enabled", a, err)
	}
	d := c.replies[notify.ActionDetails]
	for _, want := range []string{"When: ", "Why: ", "Evidence:", "test failure"} {
		if !strings.Contains(d.Text, want) {
			t.Errorf("details %q lack %q", d.Text, want)
		}
	}
	for _, r := range c.replies {
		if strings.Contains(r.Text, "addingov ") || strings.Contains(r.Text, "`") {
			t.Errorf("a reply asks the user to type a command: %+v", r)
		}
	}
}

// A notice the user may not act on offers only the details, and a forced enable is
// refused in plain words.
func TestNoticeWithoutEnable(t *testing.T) {
	td := newTestDaemon(t)
	ctx := context.Background()
	seq := td.appendNotice("blocked-one") // UserCanEnable is false, as for a policy block
	c := &clicker{offered: map[uint64][]notify.Action{}, replies: map[notify.Action]notify.Reply{}}
	agent, err := notify.NewAgent(notify.Options{Connect: td.connect, Notifier: c})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.offered[seq]; len(got) != 1 || got[0] != notify.ActionDetails {
		t.Fatalf("actions offered = %v, want [details]", got)
	}
	r := agent.Act(ctx, storage.Notice{AddinID: "blocked-one", AddinName: "Blocked"}, notify.ActionEnable)
	if !r.Failed || !strings.Contains(r.Text, "administrator") {
		t.Fatalf("forced enable reply = %+v, want a refusal naming the administrator", r)
	}
}
