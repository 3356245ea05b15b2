package storage

import (
	"errors"
	"fmt"
	"time"

	"addingov/governance"
	bolt "go.etcd.io/bbolt"
)

// ByGovernance is the By of changes the governance engine makes.
const ByGovernance = "governance"

// ApplyDecision stores everything a governance decision means in one transaction, so a
// crash leaves all of it or none: for a disable, the add-in's new state (creating a
// minimal record for an add-in not yet known, so the disable survives a restart); the
// strikes (for an exempt decision, the strikes of that metric it settles are deleted, as
// governance stops counting them); one log entry with the evidence; and, when notice is
// not nil, one notice. It returns the stored log entry and notice.
func (db *DB) ApplyDecision(d governance.Decision, strikes []governance.Strike, notice *Notice) (LogEntry, *Notice, error) {
	if err := checkID("decision's add-in id", d.AddinID); err != nil {
		return LogEntry{}, nil, fmt.Errorf("store decision: %w", err)
	}
	if d.Action != governance.ActionDisable && d.Action != governance.ActionExempt {
		return LogEntry{}, nil, fmt.Errorf("store decision for %s: unknown action %q: use disable or exempt", d.AddinID, d.Action)
	}
	now := db.now()
	if d.Time.IsZero() {
		d.Time = now
	}
	ss, err := db.normalizeStrikes(strikes)
	if err != nil {
		return LogEntry{}, nil, fmt.Errorf("store decision for %s: %w", d.AddinID, err)
	}
	entry, err := normalizeLogEntry(LogEntry{
		Time: d.Time, AddinID: d.AddinID, Action: string(d.Action), Reason: string(d.Reason),
		Value: d.Value, Threshold: d.Threshold, Unit: d.Unit, Evidence: d.Evidence,
		By: ByGovernance, Detail: d.Summary,
	}, now)
	if err != nil {
		return LogEntry{}, nil, fmt.Errorf("store decision for %s: %w", d.AddinID, err)
	}
	n, err := normalizeNoticeFor(notice, d.AddinID, d.Time)
	if err != nil {
		return LogEntry{}, nil, fmt.Errorf("store decision for %s: %w", d.AddinID, err)
	}

	var stored LogEntry
	var storedNotice *Notice
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		a, err := getAddin(tx, d.AddinID)
		switch {
		case errors.Is(err, ErrNotFound):
			a = Addin{ID: d.AddinID, Name: d.AddinID, State: governance.StateEnabled}
			if n != nil && n.AddinName != "" {
				a.Name = n.AddinName
			}
		case err != nil:
			// A corrupt record must not block the disable: it is rewritten below with
			// what is known, and the log keeps the history.
			if d.Action != governance.ActionDisable {
				return err
			}
			db.log.Warn().Err(err).Str("addin", d.AddinID).Msg("rewriting an unreadable add-in record to store a disable")
			a = Addin{ID: d.AddinID, Name: d.AddinID}
		}
		entry := entry
		entry.AddinName = a.Name
		if d.Action == governance.ActionDisable {
			a.State, a.StateReason, a.Since, a.By = governance.StateDisabled, decisionReason(d), d.Time, ByGovernance
			a.PolicyOverride = false
			if err := putAddin(tx, a); err != nil {
				return fmt.Errorf("store its state: %w", err)
			}
		}
		if err := putStrikes(tx, ss); err != nil {
			return err
		}
		if d.Action == governance.ActionExempt {
			if err := settleExempt(tx, d.AddinID, d.Reason, d.Time); err != nil {
				return err
			}
		}
		stored, storedNotice, err = appendLogNotice(tx, entry, n)
		return err
	})
	if err != nil {
		return LogEntry{}, nil, fmt.Errorf("store decision for %s: %w", d.AddinID, err)
	}
	return stored, storedNotice, nil
}

// SetState changes the state of add-in id (which must exist: ErrNotFound otherwise) and
// appends the log entry saying so, in one transaction; with a notice, that too. The
// action logged is enable, disable or block, and unblock when leaving blocked for
// enabled.
func (db *DB) SetState(id string, state governance.State, reason, by string, notice *Notice) (LogEntry, error) {
	return db.ChangeState(id, state, reason, by, notice, StateOptions{})
}

// StateOptions are what a state change does besides the state, in its transaction.
type StateOptions struct {
	// ClearStrikes deletes the add-in's strikes (a re-enable starts afresh).
	ClearStrikes bool
	// PolicyOverride marks an administrator's enable despite a policy block.
	PolicyOverride bool
}

// ChangeState is SetState with options, all in one transaction.
func (db *DB) ChangeState(id string, state governance.State, reason, by string, notice *Notice, opts StateOptions) (LogEntry, error) {
	if err := checkID("add-in id", id); err != nil {
		return LogEntry{}, fmt.Errorf("change state: %w", err)
	}
	if err := checkState(state); err != nil {
		return LogEntry{}, fmt.Errorf("change state of %s: %w", id, err)
	}
	now := db.now()
	n, err := normalizeNoticeFor(notice, id, now)
	if err != nil {
		return LogEntry{}, fmt.Errorf("change state of %s: %w", id, err)
	}
	var stored LogEntry
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		a, err := getAddin(tx, id)
		if err != nil {
			return err
		}
		action := stateAction(a.State, state)
		a.State, a.StateReason, a.Since, a.By = state, reason, now, by
		a.PolicyOverride = state == governance.StateEnabled && (opts.PolicyOverride || a.PolicyOverride)
		if err := putAddin(tx, a); err != nil {
			return err
		}
		if opts.ClearStrikes {
			if err := deleteSubBucket(tx.Bucket([]byte(bucketStrikes)), id); err != nil {
				return fmt.Errorf("clear strikes: %w", err)
			}
		}
		entry, err := normalizeLogEntry(LogEntry{Time: now, AddinID: id, AddinName: a.Name, Action: action, Reason: ReasonManual,
			By: by, Detail: reason}, now)
		if err != nil {
			return err
		}
		stored, _, err = appendLogNotice(tx, entry, n)
		return err
	})
	if err != nil {
		return LogEntry{}, fmt.Errorf("change state of %s: %w", id, err)
	}
	return stored, nil
}

// normalizeNoticeFor validates an optional notice about addinID, defaulting its add-in
// to addinID and its time to at.
func normalizeNoticeFor(notice *Notice, addinID string, at time.Time) (*Notice, error) {
	if notice == nil {
		return nil, nil
	}
	n := *notice
	if n.AddinID == "" {
		n.AddinID = addinID
	}
	n, err := normalizeNotice(n, at)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// decisionReason is the add-in's StateReason after a disable: the metric, then the
// plain-words account when governance gave one.
func decisionReason(d governance.Decision) string {
	if d.Summary == "" {
		return string(d.Reason)
	}
	return string(d.Reason) + ": " + d.Summary
}

// stateAction names the log action of a change from old to new.
func stateAction(old, new governance.State) string {
	switch {
	case new == governance.StateBlocked:
		return ActionBlock
	case old == governance.StateBlocked && new == governance.StateEnabled:
		return ActionUnblock
	case new == governance.StateDisabled:
		return ActionDisable
	}
	return ActionEnable
}
