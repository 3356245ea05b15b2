package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"addingov/localapi"
	"addingov/storage"
)

// Action is something the user can do from a notice, as a desktop notification's
// button or a dialog offers it.
type Action string

const (
	// ActionEnable turns the add-in back on (offered where the daemon lets the user).
	ActionEnable Action = "enable"
	// ActionDetails shows why, the evidence and when.
	ActionDetails Action = "details"
)

// actionTimeout bounds what one action may take (a daemon call).
const actionTimeout = 30 * time.Second

// Label is the action's button text.
func (a Action) Label() string {
	switch a {
	case ActionEnable:
		return "Turn back on"
	case ActionDetails:
		return "Details"
	}
	return string(a)
}

// NoticeActions are the actions n offers: details for any notice about an add-in, and
// turning it back on when the notice says the user may.
func NoticeActions(n storage.Notice) []Action {
	if n.AddinID == "" {
		return nil
	}
	if n.UserCanEnable {
		return []Action{ActionEnable, ActionDetails}
	}
	return []Action{ActionDetails}
}

// Reply is what an action's outcome shows the user.
type Reply struct {
	Title, Text string
	Failed      bool
}

// Actor carries out a notice's actions; the Agent is one. Notifiers that offer actions
// call it when the user picks one.
type Actor interface {
	Act(ctx context.Context, n storage.Notice, a Action) Reply
}

// Interactive is a Notifier whose notices offer actions. The agent hands it itself as
// the Actor before the first notice.
type Interactive interface {
	SetActor(Actor)
}

// ActionSource is what actions need from the daemon; *localapi.Client implements it.
type ActionSource interface {
	SetEnabled(ctx context.Context, id string, enable bool, req localapi.StateRequest) (localapi.Addin, error)
	Log(ctx context.Context, q url.Values) (localapi.LogPage, error)
}

var _ ActionSource = (*localapi.Client)(nil)

// Act implements Actor against the daemon the agent is connected to. It never asks
// the user to type anything: failures say what happened and whom to ask.
func (a *Agent) Act(ctx context.Context, n storage.Notice, act Action) Reply {
	name := n.AddinName
	if name == "" {
		name = n.AddinID
	}
	src, _, err := a.opts.Connect(ctx)
	if err != nil {
		return Reply{Title: AppName, Text: "The add-in service cannot be reached right now; try again in a minute.", Failed: true}
	}
	as, ok := src.(ActionSource)
	if !ok {
		return Reply{Title: AppName, Text: "This version of the add-in service does not support actions from notices.", Failed: true}
	}
	switch act {
	case ActionEnable:
		if !n.UserCanEnable {
			return Reply{Title: name, Text: "Only your administrator can turn " + name + " back on.", Failed: true}
		}
		_, err := as.SetEnabled(ctx, n.AddinID, true, localapi.StateRequest{Reason: "turned back on from the notice"})
		if err != nil {
			a.log.Warn().Err(err).Str("addin", n.AddinID).Msg("turning an add-in back on from its notice failed")
			return Reply{Title: name, Text: enableFailure(name, err), Failed: true}
		}
		a.log.Info().Str("addin", n.AddinID).Msg("add-in turned back on from its notice")
		return Reply{Title: name + " is on again", Text: name + " will load the next time you start the program that uses it."}
	case ActionDetails:
		return a.details(ctx, as, n, name)
	}
	return Reply{Title: AppName, Text: fmt.Sprintf("Unknown action %q.", act), Failed: true}
}

// enableFailure says why turning an add-in on failed, in words for a desktop user (the
// daemon's own messages are for the CLI and may name commands).
func enableFailure(name string, err error) string {
	var ae *localapi.Error
	if errors.As(err, &ae) {
		switch ae.Status {
		case http.StatusForbidden, http.StatusConflict:
			return "Only your administrator can turn " + name + " back on. Ask your IT department if you need it."
		case http.StatusNotFound:
			return name + " is no longer installed."
		}
	}
	return name + " could not be turned back on: the add-in service did not answer. Try again in a minute."
}

// details finds the log entry the notice was raised for and describes it.
func (a *Agent) details(ctx context.Context, as ActionSource, n storage.Notice, name string) Reply {
	q := url.Values{"addin": {n.AddinID}, "limit": {"20"}}
	if !n.Time.IsZero() {
		q.Set("since", n.Time.Add(-time.Minute).UTC().Format(time.RFC3339Nano))
	}
	page, err := as.Log(ctx, q)
	if err != nil {
		return Reply{Title: title(n), Text: oneLineKeepBreaks(n.Text)}
	}
	var best *storage.LogEntry
	for i := range page.Entries {
		e := &page.Entries[i]
		if e.Action != storage.ActionDisable && e.Action != storage.ActionBlock {
			continue
		}
		if best == nil || absDur(e.Time.Sub(n.Time)) < absDur(best.Time.Sub(n.Time)) {
			best = e
		}
	}
	if best == nil {
		return Reply{Title: title(n), Text: oneLineKeepBreaks(n.Text)}
	}
	return Reply{Title: "Why " + name + " was turned off", Text: DescribeEntry(*best)}
}

// DescribeEntry says in plain words when and why an add-in was turned off, with the
// figures that caused it.
func DescribeEntry(e storage.LogEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "When: %s\n", e.Time.Local().Format("Mon 2 Jan 2006 15:04:05"))
	if e.Reason != "" {
		fmt.Fprintf(&b, "Why: %s\n", oneLine(e.Reason))
	}
	if e.Unit != "" {
		fmt.Fprintf(&b, "Measured: %s, limit %s\n", figure(e.Value, e.Unit), figure(e.Threshold, e.Unit))
	}
	if len(e.Evidence) > 0 {
		b.WriteString("Evidence:\n")
		for i, ev := range e.Evidence {
			if i == 10 {
				fmt.Fprintf(&b, "  … and %d more\n", len(e.Evidence)-i)
				break
			}
			fmt.Fprintf(&b, "  %s  %s", ev.Time.Local().Format("15:04:05"), figure(ev.Value, ev.Unit))
			if ev.Detail != "" {
				fmt.Fprintf(&b, "  %s", oneLine(ev.Detail))
			}
			b.WriteString("\n")
		}
	}
	if e.By != "" {
		fmt.Fprintf(&b, "By: %s\n", oneLine(e.By))
	}
	return strings.TrimRight(b.String(), "\n")
}

func figure(v float64, unit string) string {
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	switch unit {
	case "%", "percent":
		return s + " %"
	case "":
		return s
	}
	return s + " " + oneLine(unit)
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
