package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/rs/zerolog"

	"addingov/storage"
)

// Notifier shows one notice to the user. Notify returns only once the notice has been
// handed to whatever shows it; an error means the user did not get it, and the agent
// will try again later rather than acknowledge it.
type Notifier interface {
	Notify(ctx context.Context, n storage.Notice) error
	// Name says where notices go ("dbus", "terminal", "windows", …), for logs.
	Name() string
}

// Fallback delivers through Primary, and through Secondary when Primary fails (the
// notification service went away, the session bus restarted). The failure is logged
// once per run of failures, not per notice.
type Fallback struct {
	Primary, Secondary Notifier
	Log                zerolog.Logger

	mu      sync.Mutex
	failing bool // the last Primary attempt failed
}

var _ Notifier = (*Fallback)(nil)

// SetActor implements Interactive for whichever of its notifiers offer actions.
func (f *Fallback) SetActor(a Actor) { setActor(a, f.Primary, f.Secondary) }

func setActor(a Actor, ns ...Notifier) {
	for _, n := range ns {
		if in, ok := n.(Interactive); ok {
			in.SetActor(a)
		}
	}
}

// Name implements Notifier.
func (f *Fallback) Name() string {
	return f.Primary.Name() + ", else " + f.Secondary.Name()
}

// Notify implements Notifier.
func (f *Fallback) Notify(ctx context.Context, n storage.Notice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.Primary.Notify(ctx, n)
	if err == nil {
		if f.failing {
			f.Log.Info().Str("notifier", f.Primary.Name()).Msg("desktop notifications work again")
			f.failing = false
		}
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if !f.failing {
		f.Log.Warn().Err(err).Str("notifier", f.Primary.Name()).Str("instead", f.Secondary.Name()).
			Msg("cannot show desktop notifications; showing notices another way")
		f.failing = true
	}
	if err2 := f.Secondary.Notify(ctx, n); err2 != nil {
		return errors.Join(err, err2)
	}
	return nil
}

// Tee delivers each notice through every notifier in order (for example the desktop and
// JSON Lines for a script) and fails when any of them fails.
type Tee []Notifier

var _ Notifier = Tee(nil)

// SetActor implements Interactive for whichever of its notifiers offer actions.
func (t Tee) SetActor(a Actor) { setActor(a, t...) }

// Name implements Notifier.
func (t Tee) Name() string {
	s := ""
	for i, n := range t {
		if i > 0 {
			s += " and "
		}
		s += n.Name()
	}
	return s
}

// Notify implements Notifier.
func (t Tee) Notify(ctx context.Context, n storage.Notice) error {
	for _, x := range t {
		if err := x.Notify(ctx, n); err != nil {
			return fmt.Errorf("%s: %w", x.Name(), err)
		}
	}
	return nil
}

// title is the notice's headline, never empty.
func title(n storage.Notice) string {
	switch {
	case n.Title != "":
		return n.Title
	case n.AddinName != "":
		return n.AddinName
	case n.AddinID != "":
		return n.AddinID
	}
	return "addingov"
}
