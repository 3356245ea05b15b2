package monitor

import (
	"cmp"
	"container/heap"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"addingov/governance"
)

// ErrUnknownActivation means no activation has the given id (it never existed, or it
// finished long enough ago to be forgotten). The local API answers it with 404.
var ErrUnknownActivation = errors.New("unknown activation")

// ErrActivationFinished means the activation already has its outcome (ready, failed,
// timed out, crashed or ended), so a second outcome is refused. The local API answers
// it with 409.
var ErrActivationFinished = errors.New("activation already finished")

// ReasonTimeout is the failure reason of an activation with no ready report within
// governance.HostUnresponsive.
const ReasonTimeout = "timeout"

// maxReasonBytes caps a host-supplied failure reason: it is stored in the disable log
// and shown to support engineers, and a host must not be able to fill either.
const maxReasonBytes = 256

// finishedRetention is how long a finished activation is remembered, so a late or
// repeated report gets ErrActivationFinished rather than ErrUnknownActivation.
const finishedRetention = 10 * time.Minute

type activationState int

const (
	stateStarted activationState = iota
	stateReady
	stateFailed
	stateEnded
	stateCrashed
)

func (s activationState) String() string {
	switch s {
	case stateStarted:
		return "started"
	case stateReady:
		return "ready"
	case stateFailed:
		return "failed"
	case stateEnded:
		return "ended"
	case stateCrashed:
		return "crashed"
	}
	return fmt.Sprintf("activationState(%d)", int(s))
}

// live reports whether the add-in is (still) running in this activation.
func (s activationState) live() bool { return s == stateStarted || s == stateReady }

type activation struct {
	id       string
	addinID  string
	owner    string // who started it (the host's uid or SID), "" when not recorded
	pid      int32
	seq      uint64
	started  time.Time
	state    activationState
	finished time.Time // when it stopped being live, for retention
}

// Tracker follows activations from a host's start report to ready, failure, timeout,
// end or crash. It is safe for concurrent use: the local API reports host events from
// its handlers while the daemon loop expires activations and turns exits into crashes.
type Tracker struct {
	clock func() time.Time

	mu   sync.Mutex
	seq  uint64
	byID map[string]*activation // every activation remembered, live or finished
	// live holds the activations of byID that are started or ready, and finished the
	// others ordered by when they finished, so the per-report work (Live, Crashes,
	// LiveActivations, Expire) is proportional to the live activations, not to the
	// thousands finished in the last ten minutes.
	live     map[string]*activation
	finished finishedHeap
}

// NewTracker returns a Tracker reading time from clock. Pass time.Now: its readings
// carry the monotonic clock, so latencies are immune to wall-clock changes.
func NewTracker(clock func() time.Time) *Tracker {
	if clock == nil {
		clock = time.Now
	}
	return &Tracker{clock: clock, byID: make(map[string]*activation), live: make(map[string]*activation)}
}

// Start records that a host is activating addinID in process pid (0 when the host does
// not say) and returns the new activation's id.
func (t *Tracker) Start(addinID string, pid int32) string { return t.StartFor("", addinID, pid) }

// StartFor is Start for an activation that owner (the reporting host's uid or SID)
// started; Owner returns it, so only that host's user may report the outcome.
func (t *Tracker) StartFor(owner, addinID string, pid int32) string {
	now := t.clock()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	id := fmt.Sprintf("act-%d-%s", t.seq, randomSuffix())
	t.addLocked(&activation{id: id, addinID: addinID, owner: owner, pid: pid, seq: t.seq, started: now})
	return id
}

// Owner returns who started the activation (as given to StartFor), or an error
// wrapping ErrUnknownActivation.
func (t *Tracker) Owner(activationID string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.byID[activationID]
	if a == nil {
		return "", unknownActivation(activationID)
	}
	return a.owner, nil
}

// Ready records that the activation completed and returns its timing.
func (t *Tracker) Ready(activationID string) (governance.Activation, error) {
	now := t.clock()
	t.mu.Lock()
	defer t.mu.Unlock()
	a, err := t.startedLocked(activationID, "ready")
	if err != nil {
		return governance.Activation{}, err
	}
	a.state = stateReady
	return a.observation(now, false, ""), nil
}

// Fail records that the activation failed for reason and returns the failed activation.
// An empty reason is recorded as "failed"; a long one is shortened.
func (t *Tracker) Fail(activationID, reason string) (governance.Activation, error) {
	now := t.clock()
	t.mu.Lock()
	defer t.mu.Unlock()
	a, err := t.startedLocked(activationID, "fail")
	if err != nil {
		return governance.Activation{}, err
	}
	t.finishLocked(a, stateFailed, now)
	return a.observation(now, true, cleanReason(reason)), nil
}

// End records that the host closed the add-in normally: its process exiting later is
// not a crash. Ending a finished activation is a no-op, so a host may always end what
// it started.
func (t *Tracker) End(activationID string) error {
	now := t.clock()
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.byID[activationID]
	if a == nil {
		return unknownActivation(activationID)
	}
	if a.state.live() {
		t.finishLocked(a, stateEnded, now)
	}
	return nil
}

// Expire fails every activation started at least governance.HostUnresponsive before
// now without a ready report, with reason "timeout", and returns them oldest first. It
// also forgets activations finished long ago.
func (t *Tracker) Expire(now time.Time) []governance.Activation {
	t.mu.Lock()
	defer t.mu.Unlock()
	var expired []*activation
	for _, a := range t.live {
		if a.state == stateStarted && now.Sub(a.started) >= governance.HostUnresponsive {
			expired = append(expired, a)
		}
	}
	for _, a := range expired {
		t.finishLocked(a, stateFailed, now)
	}
	// Forget the activations finished longest ago (not those timed out just now).
	for len(t.finished) > 0 {
		a := t.finished[0]
		if now.Sub(a.finished) < finishedRetention {
			break
		}
		heap.Pop(&t.finished)
		delete(t.byID, a.id)
	}
	sortBySeq(expired)
	out := make([]governance.Activation, 0, len(expired))
	for _, a := range expired {
		out = append(out, a.observation(now, true, ReasonTimeout))
	}
	return out
}

// Live returns the most recent activation of addinID in process pid that is started or
// ready and has not ended, failed or crashed.
func (t *Tracker) Live(addinID string, pid int32) (activationID string, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var best *activation
	for _, a := range t.live {
		if a.addinID == addinID && a.pid == pid && (best == nil || a.seq > best.seq) {
			best = a
		}
	}
	if best == nil {
		return "", false
	}
	return best.id, true
}

// Crashes turns sampler exits into crashes. An exit of a process with a live
// activation of the same add-in (started or ready, not ended) is one crash, however
// many activations were live in it; those activations are then closed. An exit with
// no live activation is a normal shutdown and yields nothing.
func (t *Tracker) Crashes(exits []Exit) []governance.Crash {
	t.mu.Lock()
	defer t.mu.Unlock()
	var crashes []governance.Crash
	for _, e := range exits {
		crashed := false
		for _, a := range t.live {
			if a.addinID == e.AddinID && a.pid == e.PID {
				t.finishLocked(a, stateCrashed, e.Time) // deleting during range is allowed
				crashed = true
			}
		}
		if crashed {
			crashes = append(crashes, governance.Crash{AddinID: e.AddinID, PID: e.PID, Time: e.Time, ExitCode: e.ExitCode})
		}
	}
	return crashes
}

// addLocked remembers a live activation.
func (t *Tracker) addLocked(a *activation) {
	t.byID[a.id] = a
	t.live[a.id] = a
}

// finishLocked gives a live activation its outcome state at when.
func (t *Tracker) finishLocked(a *activation, state activationState, when time.Time) {
	a.state, a.finished = state, when
	delete(t.live, a.id)
	heap.Push(&t.finished, a)
}

// finishedHeap orders finished activations by when they finished, earliest first, for
// Expire to forget them.
type finishedHeap []*activation

func (h finishedHeap) Len() int           { return len(h) }
func (h finishedHeap) Less(i, j int) bool { return h[i].finished.Before(h[j].finished) }
func (h finishedHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *finishedHeap) Push(x any)        { *h = append(*h, x.(*activation)) }
func (h *finishedHeap) Pop() any {
	old := *h
	a := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return a
}

// startedLocked returns the activation if it awaits its outcome.
func (t *Tracker) startedLocked(id, event string) (*activation, error) {
	a := t.byID[id]
	if a == nil {
		return nil, unknownActivation(id)
	}
	if a.state != stateStarted {
		return nil, fmt.Errorf("%s activation %q: %w (it is %s); report each activation's outcome once",
			event, id, ErrActivationFinished, a.state)
	}
	return a, nil
}

// observation is the activation's outcome as governance takes it. Time is when the
// activation started; Latency runs from start to the outcome.
func (a *activation) observation(now time.Time, failed bool, reason string) governance.Activation {
	return governance.Activation{
		AddinID:      a.addinID,
		ActivationID: a.id,
		Time:         a.started,
		Latency:      now.Sub(a.started),
		Failed:       failed,
		Reason:       reason,
	}
}

func unknownActivation(id string) error {
	return fmt.Errorf("activation %q: %w; start an activation first and use the id it returns", id, ErrUnknownActivation)
}

// cleanReason keeps a host's failure reason printable and short.
func cleanReason(reason string) string {
	reason = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, reason))
	if reason == "" {
		return "failed"
	}
	if len(reason) > maxReasonBytes {
		cut := maxReasonBytes
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut] + "…"
	}
	return reason
}

// randomSuffix makes activation ids unguessable, so one host cannot report on
// another's activation by counting.
func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

func sortBySeq(as []*activation) {
	slices.SortFunc(as, func(a, b *activation) int { return cmp.Compare(a.seq, b.seq) })
}
