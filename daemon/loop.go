package daemon

import (
	"context"
	"strings"
	"time"

	"addingov/governance"
	"addingov/registrypolicy"
	"addingov/storage"
)

// pruneEvery is how often strikes outside the window and log entries past retention
// are deleted.
const pruneEvery = time.Hour

// loop samples every interval (re-read each tick, so a policy change applies at the
// next tick) and prunes old data every hour.
func (d *Daemon) loop(ctx context.Context) {
	d.prune()
	lastPrune := time.Now()
	timer := time.NewTimer(d.interval())
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		d.tick(d.clock.Now())
		if time.Since(lastPrune) >= pruneEvery {
			d.prune()
			lastPrune = time.Now()
		}
		timer.Reset(d.interval())
	}
}

func (d *Daemon) interval() time.Duration {
	if d.cfg.Interval > 0 {
		return d.cfg.Interval
	}
	return d.shortestInterval()
}

// tick runs one sampling round: samples, exits (crashes), activation timeouts and
// discovery, each fed to governance.
func (d *Daemon) tick(now time.Time) {
	d.smu.Lock()
	res := d.sampler.Tick(now)
	d.smu.Unlock()

	crashes := d.tracker.Crashes(res.Exits)
	expired := d.tracker.Expire(time.Now())

	var writes []*ackWrite
	d.mu.Lock()
	for _, s := range res.Samples {
		d.last[s.AddinID] = s
		writes = append(writes, d.queueResultLocked(d.engine.ObserveSample(s)))
	}
	for _, c := range crashes {
		d.log.Warn().Str("addin", c.AddinID).Int32("pid", c.PID).Int("exit_code", c.ExitCode).Msg("add-in crashed")
		writes = append(writes, d.queueResultLocked(d.engine.ObserveCrash(c)))
	}
	for _, a := range expired {
		d.history.addActivation(a)
		writes = append(writes, d.queueResultLocked(d.engine.ObserveActivation(a)))
	}
	d.mu.Unlock()
	_ = d.finish(writes...) // each failure is logged
	d.saveHistory(res.Samples)

	for _, e := range res.Exits {
		d.log.Debug().Str("addin", e.AddinID).Int32("pid", e.PID).Msg("add-in process exited")
	}
	if d.discover != nil {
		d.runDiscovery()
	}
	d.saveBindings()
}

func (d *Daemon) prune() {
	t := d.longestWindows()
	now := d.clock.Now()
	if n, err := d.db.PruneStrikes(now.Add(-t.StrikeWindow)); err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("prune strikes")
	} else if n > 0 {
		d.log.Debug().Int("strikes", n).Msg("pruned strikes outside the window")
	}
	if n, err := d.db.PruneNotices(now.Add(-t.LogRetention)); err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("prune notices")
	} else if n > 0 {
		d.log.Info().Int("notices", n).Msg("pruned notices past retention")
	}
	d.pruneHistory(t, now)
	if n, err := d.db.PruneLog(now.Add(-t.LogRetention)); err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("prune log")
	} else if n > 0 {
		d.log.Info().Int("entries", n).Msg("pruned log entries past retention")
	}
}

// onPolicyChange records a policy change and applies its effect on add-in states.
func (d *Daemon) onPolicyChange(old, cur *registrypolicy.Effective, changes []registrypolicy.Change) {
	if len(changes) == 0 {
		return
	}
	parts := make([]string, len(changes))
	for i, c := range changes {
		parts[i] = c.String()
	}
	detail := strings.Join(parts, "; ")
	if _, err := d.db.AppendLog(storage.LogEntry{Time: d.clock.Now(), Action: "policy-changed", By: policyBy(cur), Detail: detail}); err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("log policy change")
	}
	ev := d.log.Info().Str("event", "policy-changed").Strs("changes", parts)
	if cur.User != "" {
		ev = ev.Str("user", cur.User)
	}
	ev.Msg("policy changed")
	d.reconcileBlocked()
}

// reconcileBlocked logs and announces add-ins that policy newly blocks or unblocks.
// The changes are worked out under d.mu and stored after it, each log entry with its
// notice in one transaction.
func (d *Daemon) reconcileBlocked() {
	addins, err := d.db.Addins()
	if err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("list add-ins")
		return
	}
	type change struct {
		entry  storage.LogEntry
		notice *storage.Notice
	}
	var changes []change
	now := d.clock.Now()
	d.mu.Lock()
	for _, a := range addins {
		st, why := d.engine.EffectiveState(a.ID)
		blocked := st == governance.StateBlocked
		if blocked == d.blocked[a.ID] {
			continue
		}
		d.blocked[a.ID] = blocked
		c := change{entry: storage.LogEntry{Time: now, AddinID: a.ID, AddinName: a.Name, Action: storage.ActionUnblock,
			Reason: storage.ReasonPolicy, Detail: "policy no longer blocks it", By: "policy"}}
		if blocked {
			c.entry.Action, c.entry.Detail = storage.ActionBlock, why
			c.notice = blockNotice(a.Name, a.ID, why)
			c.notice.Time = now
		}
		changes = append(changes, c)
	}
	d.mu.Unlock()
	for _, c := range changes {
		if _, n, err := d.db.AppendLogNotice(c.entry, c.notice); err != nil {
			d.log.Error().Err(err).Str("event", "storage-problem").Str("addin", c.entry.AddinID).Msg("log a policy block")
			continue
		} else if n != nil {
			d.notices.Notify()
		}
		d.log.Warn().Str("event", "addin-"+c.entry.Action).Str("addin", c.entry.AddinID).Str("reason", c.entry.Detail).
			Msg("policy changed an add-in's state")
	}
	d.rememberPolicy()
}

// policyBy is who a policy-changed log entry names: the policy, or a user's policy.
func policyBy(e *registrypolicy.Effective) string {
	if e.User != "" {
		return "policy of " + e.User
	}
	return "policy"
}
