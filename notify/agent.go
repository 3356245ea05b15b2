package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"addingov/localapi"
	"addingov/storage"
)

// Source is what the agent needs from the daemon; *localapi.Client implements it.
type Source interface {
	Status(ctx context.Context) (localapi.Status, error)
	Notices(ctx context.Context, after uint64, limit int) ([]storage.Notice, error)
	FollowNotices(ctx context.Context, after uint64, fn func(storage.Notice) error) error
	AckNotices(ctx context.Context, seq uint64) error
	// NoticeAck is the caller's last acknowledged notice as the daemon stores it, or
	// localapi.ErrNoticeAckUnsupported.
	NoticeAck(ctx context.Context) (uint64, error)
}

var _ Source = (*localapi.Client)(nil)

// Connect finds the daemon: it returns a Source and the daemon's address, which keys
// the agent's state. It is called again for every reconnection, so a daemon that
// starts after the agent (or moves) is found.
type Connect func(ctx context.Context) (Source, string, error)

// Options configure an Agent.
type Options struct {
	Connect  Connect
	Notifier Notifier
	// State remembers the last notice shown per daemon; nil means NewMemoryState().
	State *State
	Log   zerolog.Logger
	// MinBackoff and MaxBackoff bound the wait between reconnections (defaults 500ms
	// and 30s); the wait doubles after each failure.
	MinBackoff, MaxBackoff time.Duration
	// MaxAge skips, without showing, notices older than this when they arrive (a user's
	// first agent start on a machine with a long history); they are still acknowledged.
	// 0 shows every notice.
	MaxAge time.Duration
	// Now is the clock for MaxAge; nil means time.Now.
	Now func() time.Time
}

// Agent delivers the daemon's notices to one user, each once.
type Agent struct {
	opts Options
	log  zerolog.Logger

	// after is the last notice handled on the current connection.
	after uint64
	// stateFailing mutes repeated state-file errors.
	stateFailing bool
}

// Page size for fetching pending notices in Once.
const pageSize = 1000

// NewAgent checks opts and returns an agent.
func NewAgent(opts Options) (*Agent, error) {
	if opts.Connect == nil {
		return nil, errors.New("notify: Options.Connect is required")
	}
	if opts.Notifier == nil {
		return nil, errors.New("notify: Options.Notifier is required")
	}
	if opts.State == nil {
		opts.State = NewMemoryState()
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(30*time.Second, opts.MinBackoff)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &Agent{opts: opts, log: opts.Log}
	if in, ok := opts.Notifier.(Interactive); ok {
		in.SetActor(a) // the notifier's buttons act through this agent's daemon connection
	}
	return a, nil
}

// Once delivers every pending notice and returns how many were shown. An unreachable
// daemon is an error (localapi.IsUnreachable reports it).
func (a *Agent) Once(ctx context.Context) (int, error) {
	src, addr, err := a.opts.Connect(ctx)
	if err != nil {
		return 0, err
	}
	if err := a.resume(ctx, src, addr); err != nil {
		return 0, err
	}
	shown := 0
	for {
		ns, err := src.Notices(ctx, a.after, pageSize)
		if err != nil {
			return shown, fmt.Errorf("fetch notices: %w", err)
		}
		for _, n := range ns {
			ok, err := a.deliver(ctx, src, addr, n)
			if err != nil {
				return shown, err
			}
			if ok {
				shown++
			}
		}
		if len(ns) < pageSize {
			return shown, nil
		}
	}
}

// Run follows the notice stream until ctx ends, reconnecting with backoff whenever the
// daemon is unreachable or restarts. It returns nil when ctx ends.
func (a *Agent) Run(ctx context.Context) error {
	wait := a.opts.MinBackoff
	lost := false // a connection problem was already logged at warning level
	for {
		started := time.Now()
		err := a.session(ctx, &lost)
		if ctx.Err() != nil {
			return nil
		}
		// A connection that held for a while was healthy: start the backoff afresh.
		if time.Since(started) >= a.opts.MaxBackoff {
			wait = a.opts.MinBackoff
		}
		ev := a.log.Debug()
		if !lost {
			ev = a.log.Warn()
			lost = true
		}
		ev.Err(err).Dur("retry_in", wait).Msg("lost the daemon's notice stream; reconnecting")
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, a.opts.MaxBackoff)
	}
}

// session connects once, resumes and follows the stream until it breaks.
func (a *Agent) session(ctx context.Context, lost *bool) error {
	src, addr, err := a.opts.Connect(ctx)
	if err != nil {
		return err
	}
	if err := a.resume(ctx, src, addr); err != nil {
		return err
	}
	a.log.Info().Str("daemon", addr).Uint64("after", a.after).Str("via", a.opts.Notifier.Name()).
		Msg("following notices")
	*lost = false
	return src.FollowNotices(ctx, a.after, func(n storage.Notice) error {
		_, err := a.deliver(ctx, src, addr, n)
		return err
	})
}

// resume finds where this user left off: the later of the daemon's acknowledgement and
// the state file, unless the daemon has fewer notices than that (its database was
// reset), in which case its own acknowledgement wins.
func (a *Agent) resume(ctx context.Context, src Source, addr string) error {
	local := a.opts.State.Seq(addr)
	server, err := src.NoticeAck(ctx)
	switch {
	case errors.Is(err, localapi.ErrNoticeAckUnsupported):
		a.log.Debug().Msg("the daemon does not report acknowledgements; resuming from the state file")
		server = 0
	case err != nil:
		return fmt.Errorf("ask the daemon where this user left off: %w", err)
	}
	st, err := src.Status(ctx)
	if err != nil {
		return fmt.Errorf("ask the daemon for its status: %w", err)
	}
	after := max(local, server)
	if after > st.LastNotice {
		after = min(server, st.LastNotice)
		a.log.Warn().Uint64("seen", local).Uint64("daemon_last", st.LastNotice).
			Msg("the daemon has fewer notices than this agent has seen (its state was reset); starting again from its record")
		if err := a.opts.State.Reset(addr, after); err != nil {
			a.stateError(err)
		}
	}
	a.after = after
	if server < after {
		// The daemon missed our last acknowledgement (it was down): catch it up.
		if err := src.AckNotices(ctx, after); err != nil {
			a.log.Debug().Err(err).Msg("acknowledge notices")
		}
	}
	return nil
}

// deliver shows n unless it was already handled, then records and acknowledges it.
// It reports whether n was shown. An error means n was not shown and is not recorded.
func (a *Agent) deliver(ctx context.Context, src Source, addr string, n storage.Notice) (bool, error) {
	if n.Seq <= a.after {
		return false, nil
	}
	shown := true
	if a.opts.MaxAge > 0 && !n.Time.IsZero() && a.opts.Now().Sub(n.Time) > a.opts.MaxAge {
		a.log.Debug().Uint64("seq", n.Seq).Time("raised", n.Time).Msg("skipping an old notice")
		shown = false
	} else if err := a.opts.Notifier.Notify(ctx, n); err != nil {
		return false, fmt.Errorf("show notice %d: %w", n.Seq, err)
	}
	a.after = n.Seq
	if err := a.opts.State.Advance(addr, n.Seq); err != nil {
		a.stateError(err)
	} else {
		a.stateFailing = false
	}
	if err := src.AckNotices(ctx, n.Seq); err != nil {
		// Not fatal: the state file has it, and resume re-sends the acknowledgement.
		a.log.Debug().Err(err).Uint64("seq", n.Seq).Msg("acknowledge notice")
	}
	if shown {
		a.log.Debug().Uint64("seq", n.Seq).Str("addin", n.AddinID).Msg("notice shown")
	}
	return shown, nil
}

func (a *Agent) stateError(err error) {
	if a.stateFailing {
		return
	}
	a.stateFailing = true
	a.log.Error().Err(err).Str("state", a.opts.State.Path()).
		Msg("cannot record shown notices; the daemon's acknowledgement still prevents repeats while it is reachable")
}
