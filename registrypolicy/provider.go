package registrypolicy

import (
	"context"
	"errors"
	"fmt"
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

	reloadMu sync.Mutex // one reload at a time, so changes are reported once and in order
	cur      atomic.Pointer[Effective]
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
	p.cur.Store(Evaluate(s))
	return p, nil
}

// NewFileProvider governs with the .reg file at path, reloading it when it changes.
func NewFileProvider(path string, log zerolog.Logger, opts ...Option) (*Provider, error) {
	load := func() (Store, error) { return LoadRegFile(path) }
	return NewProvider(load, log, append([]Option{WithNotifier(FileNotifier{Path: path, Log: log})}, opts...)...)
}

// Policy implements governance.PolicySource. The Managed map is shared: read only.
func (p *Provider) Policy() governance.Policy { return p.cur.Load().Policy }

// Effective returns the current effective policy.
func (p *Provider) Effective() *Effective { return p.cur.Load() }

// Reload re-reads the source now and returns the policy before and after and what
// changed. On error the current policy stays in force.
func (p *Provider) Reload() (old, cur *Effective, changes []Change, err error) {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	old = p.cur.Load()
	s, err := p.load()
	if err != nil {
		return old, old, nil, err
	}
	cur = Evaluate(s)
	changes = cur.Diff(old)
	if len(changes) > 0 {
		p.cur.Store(cur)
	} else {
		cur = old // nothing to report; keep the same snapshot
	}
	return old, cur, changes, nil
}

// Watch re-reads the source whenever the notifier reports a change (after the
// debounce) and at the poll interval, and calls onChange with the old and new policy
// and the differences each time something changed. A reload that fails keeps the
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
		old, cur, changes, err := p.Reload()
		if err != nil {
			p.log.Warn().Err(err).Str("event", "policy-reload-failed").Str("trigger", why).
				Msg("policy reload failed; the previous policy stays in force until the source is fixed")
			return
		}
		if len(changes) == 0 {
			return
		}
		p.log.Debug().Str("trigger", why).Int("changes", len(changes)).Msg("policy reloaded")
		if onChange != nil {
			onChange(old, cur, changes)
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
	if d := p.cur.Load().Policy.Thresholds.Interval; d > 0 {
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
