package monitor

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Root is one process bound to an add-in (not its descendants), as the daemon stores it
// so that a restart can bind the same process again.
type Root struct {
	AddinID    string
	PID        int32
	CreateTime int64 // milliseconds since the Unix epoch, as ProcessHandle reports it
}

// Roots returns every bound process, ordered by add-in id then pid.
func (s *Sampler) Roots() []Root {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Root
	for id, a := range s.addins {
		for _, r := range a.roots {
			out = append(out, Root{AddinID: id, PID: r.pid, CreateTime: r.createTime})
		}
	}
	slices.SortFunc(out, func(a, b Root) int {
		return cmp.Or(strings.Compare(a.AddinID, b.AddinID), cmp.Compare(a.PID, b.PID))
	})
	return out
}

// Rebind binds r's process again if it still runs: the same pid with the same creation
// time. A process that exited, or whose pid now names another process, is an error
// wrapping ErrNoProcess, and nothing is bound.
func (s *Sampler) Rebind(r Root) error {
	h, err := s.src.Open(r.PID)
	if err != nil {
		return fmt.Errorf("re-bind add-in %q to pid %d: %w", r.AddinID, r.PID, err)
	}
	if h.CreateTime() != r.CreateTime {
		closeHandle(h)
		return fmt.Errorf("re-bind add-in %q to pid %d: the pid now names a process started at %s, not the one bound (started %s): %w",
			r.AddinID, r.PID, time.UnixMilli(h.CreateTime()).UTC().Format(time.RFC3339), time.UnixMilli(r.CreateTime).UTC().Format(time.RFC3339), ErrNoProcess)
	}
	s.bindHandle(r.AddinID, h)
	return nil
}

// LiveActivation is an activation that is started or ready and has not ended, as the
// daemon stores it across a restart.
type LiveActivation struct {
	ID      string
	AddinID string
	PID     int32
	Ready   bool   // false: started, with no ready report yet
	Owner   string // the uid or SID of the user whose host started it
	Started time.Time
}

// LiveActivations returns every live activation, oldest first.
func (t *Tracker) LiveActivations() []LiveActivation {
	t.mu.Lock()
	defer t.mu.Unlock()
	live := make([]*activation, 0, len(t.live))
	for _, a := range t.live {
		live = append(live, a)
	}
	sortBySeq(live)
	out := make([]LiveActivation, 0, len(live))
	for _, a := range live {
		out = append(out, LiveActivation{ID: a.id, AddinID: a.addinID, PID: a.pid, Ready: a.state == stateReady, Started: a.started, Owner: a.owner})
	}
	return out
}

// Resume restores a ready activation a previous daemon was tracking, under its old id,
// so the host's end report is still accepted and an exit of its process still counts
// as a crash. Only ready activations are resumed: a started one's outcome was due while
// the daemon was down (the host's report failed), so it is neither timed out nor kept.
func (t *Tracker) Resume(la LiveActivation) error {
	if !la.Ready {
		return fmt.Errorf("resume activation %q: it had no ready report; its outcome is unknown", la.ID)
	}
	if la.ID == "" || la.AddinID == "" {
		return fmt.Errorf("resume activation %q of %q: the id and add-in id are required", la.ID, la.AddinID)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.byID[la.ID]; ok {
		return fmt.Errorf("resume activation %q: an activation with that id exists", la.ID)
	}
	t.seq++
	t.addLocked(&activation{id: la.ID, addinID: la.AddinID, owner: la.Owner, pid: la.PID, seq: t.seq, started: la.Started, state: stateReady})
	return nil
}
