package registrypolicy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"addingov/governance"
)

// Notifier reports that a policy source may have changed: a file was written, a
// registry key was touched. It need not be exact; the Provider re-reads the source and
// reports only real differences.
type Notifier interface {
	// Run signals on changed, without blocking, each time the source may have changed,
	// until ctx is done; then it returns nil. It returns an error when it cannot watch.
	Run(ctx context.Context, changed chan<- struct{}) error
}

// ErrNoRegistry is returned where the Windows registry is asked for on another
// platform.
var ErrNoRegistry = errors.New("the Windows registry exists only on Windows: give the policy as a .reg file (--policy-file FILE.reg)")

// DefaultDebounce is how long a Provider waits after a change notification for more to
// arrive before re-reading: editors and Group Policy write several values in a burst.
const DefaultDebounce = 200 * time.Millisecond

// Provider holds the current effective policy and reloads it when its source changes.
// It implements governance.PolicySource. It is safe for concurrent use.
type Provider struct {
	load     func() (Store, error)
	log      zerolog.Logger
	notifier Notifier
	debounce time.Duration
	poll     time.Duration // 0: the policy's sampling interval; < 0: never

	users UserSource // nil: one policy for everyone

	reloadMu sync.Mutex // one reload at a time, so changes are reported once and in order
	cur      atomic.Pointer[Effective]
	perUser  atomic.Pointer[map[string]*Effective] // UserKey → that user's policy; nil without users
}

var _ governance.PolicySource = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithNotifier sets what tells the Provider its source may have changed.
func WithNotifier(n Notifier) Option { return func(p *Provider) { p.notifier = n } }

// WithDebounce sets the wait after a notification before re-reading (DefaultDebounce
// when not given).
func WithDebounce(d time.Duration) Option { return func(p *Provider) { p.debounce = d } }

// WithPollInterval makes Watch also re-read the source every d, as a safety net for
// notifications a platform drops. 0 (the default) polls at the policy's own sampling
// interval, so a change always arrives within one interval; a negative d never polls.
func WithPollInterval(d time.Duration) Option { return func(p *Provider) { p.poll = d } }

// WithUsers makes the Provider read each user's own policy from the hives users
// names, besides the machine's (see UserView). Without it the store's policy applies
// to everyone, as a .reg file's does.
func WithUsers(users UserSource) Option { return func(p *Provider) { p.users = users } }

// NewProvider loads the policy once through load and returns a Provider holding it.
// The initial load must succeed: a policy file with a syntax error stops the daemon
// with the file's error rather than governing with defaults the administrator did not
// intend.
func NewProvider(load func() (Store, error), log zerolog.Logger, opts ...Option) (*Provider, error) {
	p := &Provider{load: load, log: log, debounce: DefaultDebounce}
	for _, o := range opts {
		o(p)
	}
	s, err := load()
	if err != nil {
		return nil, err
	}
	machine, users := p.evaluate(s)
	p.cur.Store(machine)
	if users != nil {
		p.perUser.Store(&users)
	}
	return p, nil
}

// evaluate returns the machine view and, with a UserSource, every loaded user's policy.
func (p *Provider) evaluate(s Store) (*Effective, map[string]*Effective) {
	if p.users == nil {
		return Evaluate(s), nil
	}
	var machine *Effective
	p.users.ReadLocked("", func() { machine = Evaluate(MachineView(s)) })
	return machine, p.evaluateUsers(s)
}

// NewFileProvider governs with the .reg file at path, reloading it when it changes.
func NewFileProvider(path string, log zerolog.Logger, opts ...Option) (*Provider, error) {
	load := func() (Store, error) { return LoadRegFile(path) }
	return NewProvider(load, log, append([]Option{WithNotifier(FileNotifier{Path: path, Log: log})}, opts...)...)
}

// Policy implements governance.PolicySource: the machine view's. The Managed map is
// shared: read only.
func (p *Provider) Policy() governance.Policy { return p.cur.Load().Policy }

// Effective returns the current effective policy: the machine view when the Provider
// reads users' policy, else the one policy for everyone.
func (p *Provider) Effective() *Effective { return p.cur.Load() }

// For returns user's effective policy. Without a UserSource that is the one policy
// for everyone; for a user whose hive is not loaded (or "") it is the machine view,
// with a note saying so for a named user.
func (p *Provider) For(user string) *Effective {
	e, _ := p.Lookup(user)
	return e
}

// Lookup is For that also reports whether user's own policy was read.
func (p *Provider) Lookup(user string) (*Effective, bool) {
	m := p.perUser.Load()
	if m == nil {
		return p.cur.Load(), true
	}
	key := UserKey(user)
	if e, ok := (*m)[key]; ok {
		return e, true
	}
	if key == "" {
		return p.cur.Load(), false
	}
	return forUser(p.cur.Load(), key, noHiveNote(key)), false
}

// Users returns the users whose own policy the Provider holds, sorted; none without a
// UserSource.
func (p *Provider) Users() []string {
	m := p.perUser.Load()
	if m == nil {
		return nil
	}
	out := make([]string, 0, len(*m))
	for k := range *m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Reload re-reads the source now and returns the machine view (or the one policy)
// before and after and what changed; users' policies are re-read too (Watch reports
// their changes). On error the current policy stays in force.
func (p *Provider) Reload() (old, cur *Effective, changes []Change, err error) {
	updates, err := p.reload()
	old = p.cur.Load()
	if err != nil || len(updates) == 0 || updates[0].cur.User != "" {
		return old, old, nil, err
	}
	return updates[0].old, updates[0].cur, updates[0].changes, nil
}

// reload re-reads the source and returns every scope that changed: the machine view
// (or the one policy) first, then users by key.
func (p *Provider) reload() ([]userUpdate, error) {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	old := p.cur.Load()
	s, err := p.load()
	if err != nil {
		return nil, err
	}
	cur, users := p.evaluate(s)
	var out []userUpdate
	changes := cur.Diff(old)
	if len(changes) > 0 {
		out = append(out, userUpdate{old: old, cur: cur, changes: changes})
	} else {
		cur = old // nothing to report; keep the same snapshot
	}
	if users != nil {
		var oldUsers map[string]*Effective
		if m := p.perUser.Load(); m != nil {
			oldUsers = *m
		}
		for k, e := range users {
			if prev := oldUsers[k]; prev != nil && len(e.Diff(prev)) == 0 {
				users[k] = prev // unchanged: keep the same snapshot
			}
		}
		out = append(out, userUpdates(old, cur, oldUsers, users, changes)...)
		p.perUser.Store(&users)
	}
	p.cur.Store(cur)
	return out, nil
}

// Watch re-reads the source whenever the notifier reports a change (after the
// debounce) and at the poll interval, and calls onChange with the old and new policy
// and the differences each time something changed: once for the machine view (or the
// one policy), and once for each user whose own policy changed beyond that (new.User
// says whose; a user whose hive is no longer loaded falls back to the machine view). A reload that fails keeps the
// current policy and logs why. Watch returns nil when ctx is done, or an error when
// there is neither a working notifier nor polling.
func (p *Provider) Watch(ctx context.Context, onChange func(old, new *Effective, changes []Change)) error {
	signals := make(chan struct{}, 1)
	notifierDone := make(chan error, 1)
	if p.notifier != nil {
		go func() { notifierDone <- p.notifier.Run(ctx, signals) }()
	} else {
		notifierDone <- errors.New("no change notifier")
	}

	var debounce <-chan time.Time
	var debounceTimer *time.Timer
	poll := p.newPollTimer()
	defer func() {
		if debounceTimer != nil {
			debounceTimer.Stop()
		}
		if poll != nil {
			poll.Stop()
		}
	}()
	reload := func(why string) {
		updates, err := p.reload()
		if err != nil {
			p.log.Warn().Err(err).Str("event", "policy-reload-failed").Str("trigger", why).
				Msg("policy reload failed; the previous policy stays in force until the source is fixed")
			return
		}
		for _, u := range updates {
			p.log.Debug().Str("trigger", why).Str("user", u.cur.User).Int("changes", len(u.changes)).Msg("policy reloaded")
			if onChange != nil {
				onChange(u.old, u.cur, u.changes)
			}
		}
	}
	for {
		var pollC <-chan time.Time
		if poll != nil {
			pollC = poll.C
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-notifierDone:
			notifierDone = nil
			if ctx.Err() != nil {
				return nil
			}
			if poll == nil {
				return fmt.Errorf("watch policy: %w (and polling is off)", err)
			}
			p.log.Warn().Err(err).Msg("policy change notifications unavailable; polling instead")
		case <-signals:
			if debounceTimer == nil {
				debounceTimer = time.NewTimer(p.debounce)
			} else {
				debounceTimer.Reset(p.debounce)
			}
			debounce = debounceTimer.C
		case <-debounce:
			debounce = nil
			reload("notification")
		case <-pollC:
			reload("poll")
			poll.Reset(p.pollInterval())
		}
	}
}

func (p *Provider) newPollTimer() *time.Timer {
	if p.poll < 0 {
		return nil
	}
	return time.NewTimer(p.pollInterval())
}

func (p *Provider) pollInterval() time.Duration {
	if p.poll > 0 {
		return p.poll
	}
	return p.ShortestInterval()
}

// ShortestInterval is the shortest sampling interval any held policy asks for (the
// machine view's and every loaded user's), so that every user's add-ins are checked at
// least as often as that user's policy says and a change is seen within one interval.
func (p *Provider) ShortestInterval() time.Duration {
	d := p.cur.Load().Policy.Thresholds.Interval
	if m := p.perUser.Load(); m != nil {
		for _, e := range *m {
			if i := e.Policy.Thresholds.Interval; i > 0 && (d <= 0 || i < d) {
				d = i
			}
		}
	}
	if d > 0 {
		return d
	}
	return governance.DefaultThresholds().Interval
}

// signal sends on ch unless a signal is already pending.
func signal(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
