package daemon

import (
	"addingov/office"
	"context"
	"encoding/json"
	"strings"
	"time"

	"addingov/governance"
	"addingov/localapi"
	"addingov/registrypolicy"
)

// PolicyFor is the effective policy the caller's requests are judged under: the
// caller's own (on Windows, machine policy over the caller's user policy); the
// machine view for a caller the transport could not identify.
func (d *Daemon) PolicyFor(caller localapi.Caller) *registrypolicy.Effective {
	user := ""
	if caller.Known {
		user = caller.UID
	}
	e, _ := d.cfg.Policy.Lookup(user)
	return e
}

// Policy implements localapi.Backend: the caller's effective policy, or, with user (a
// SID, uid or account name), that user's; only administrators may ask for another
// user's.
func (d *Daemon) Policy(ctx context.Context, user string) (json.RawMessage, error) {
	caller := localapi.CallerFrom(ctx)
	if strings.TrimSpace(user) == "" {
		return d.policyView(d.PolicyFor(caller)).JSON()
	}
	key, err := resolveUser(strings.TrimSpace(user))
	if err != nil {
		return nil, localapi.NotFound("%v", err)
	}
	if !caller.Admin && !(caller.Known && strings.EqualFold(key, caller.UID)) {
		return nil, localapi.Forbidden("only an administrator may see another user's policy (%s): run `addingov policy` without --user for your own", user)
	}
	e, _ := d.cfg.Policy.Lookup(key)
	return d.policyView(e).JSON()
}

// policyView is an effective policy as the daemon applies it: a command-line
// --interval shows as its own source, above the policy's value.
func (d *Daemon) policyView(e *registrypolicy.Effective) registrypolicy.View {
	v := e.View()
	if inv, ok := d.OfficeInventory(); ok {
		v.MatchOffice(office.ProgIDs(inv))
	}
	if d.cfg.Interval > 0 {
		v.Override(registrypolicy.AlertIntervalSeconds, d.cfg.Interval.Seconds(), "addingovd --interval "+d.cfg.Interval.String())
	}
	return v
}

// policies are the machine view and every loaded user's effective policy.
func (d *Daemon) policies() []governance.Policy {
	out := []governance.Policy{d.cfg.Policy.Policy()}
	for _, u := range d.cfg.Policy.Users() {
		if e, ok := d.cfg.Policy.Lookup(u); ok {
			out = append(out, e.Policy)
		}
	}
	return out
}

// longestWindows are the longest strike window and log retention any policy in force
// asks for: stored strikes and log entries are pruned only when no user's policy
// counts them any more (each add-in's engine record applies its own owner's window).
func (d *Daemon) longestWindows() governance.Thresholds {
	var t governance.Thresholds
	for _, p := range d.policies() {
		t.StrikeWindow = max(t.StrikeWindow, p.Thresholds.StrikeWindow)
		t.LogRetention = max(t.LogRetention, p.Thresholds.LogRetention)
	}
	return t
}

// shortestInterval is the shortest sampling interval any policy in force asks for, so
// that every user's add-ins are sampled at least as often as that user's policy says.
func (d *Daemon) shortestInterval() time.Duration {
	var d0 time.Duration
	for _, p := range d.policies() {
		if i := p.Thresholds.Interval; i > 0 && (d0 == 0 || i < d0) {
			d0 = i
		}
	}
	if d0 == 0 {
		return governance.DefaultThresholds().Interval
	}
	return d0
}
