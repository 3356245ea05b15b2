package storage

import (
	"encoding/json"
	"fmt"
	"time"

	"addingov/governance"
)

// Addin is the stored record of one add-in: what it is, who installed it, and its
// governance state with the why, when and who of the last change.
type Addin struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Version     string           `json:"version,omitempty"`
	Provider    string           `json:"provider,omitempty"`
	Kind        string           `json:"kind,omitempty"`       // manifest kind, e.g. "mail", "taskpane"
	Permission  string           `json:"permission,omitempty"` // requested permission, as displayed
	State       governance.State `json:"state"`
	StateReason string           `json:"state_reason,omitempty"`
	Since       time.Time        `json:"since"`
	// By is who made the last state change: "governance", "policy", "administrator" or
	// a user name.
	By string `json:"by,omitempty"`
	// Scope is "user" (installed for Owner only) or "machine" (for every user).
	Scope          string `json:"scope,omitempty"`
	Owner          string `json:"owner,omitempty"` // user who installed or registered it; may be empty
	ManifestDigest string `json:"manifest_digest,omitempty"`
	Manifest       []byte `json:"manifest,omitempty"` // the raw manifest, when known
	// PolicyOverride records that an administrator turned the add-in on for this
	// machine although policy blocks it. Any later disable clears it.
	PolicyOverride bool `json:"policy_override,omitempty"`
}

// The add-in scopes Addin.Scope accepts (empty means unknown).
const (
	ScopeUser    = "user"
	ScopeMachine = "machine"
)

// Log actions written by this package. Callers may log other actions (install,
// remove, policy-changed, …): Action is free text, but keep it a short lowercase token so
// `addingov log --action` can filter on it.
const (
	ActionDisable = string(governance.ActionDisable)
	ActionExempt  = string(governance.ActionExempt)
	ActionEnable  = "enable"
	ActionBlock   = "block"
	ActionUnblock = "unblock"
)

// Log reasons that are not governance metrics. A disable or exempt entry's reason is the
// governance.Metric; a state change someone made by hand has ReasonManual (their words
// go to Detail), and one policy made has ReasonPolicy (the rule goes to Detail).
const (
	ReasonManual = "manual"
	ReasonPolicy = "policy"
)

// LogActions lists every action the daemon writes, for `addingov log --action`.
var LogActions = []string{ActionDisable, ActionExempt, ActionEnable, ActionBlock, ActionUnblock,
	"policy-changed", "install", "remove", "grant", "regrant"}

// LogReasons lists every reason the daemon writes, for `addingov log --reason`.
func LogReasons() []string {
	out := make([]string, 0, len(governance.Metrics)+5)
	for _, m := range governance.Metrics {
		out = append(out, string(m))
	}
	return append(out, ReasonManual, ReasonPolicy, "remove", "regrant", "on-the-fly")
}

// LogEntry is one line of the disable log.
type LogEntry struct {
	// ID is the entry's key as a string; it orders entries by time and is the cursor
	// to resume a LogQuery after this entry. Assigned by the database.
	ID        string    `json:"id,omitempty"`
	Time      time.Time `json:"time"`
	AddinID   string    `json:"addin_id,omitempty"` // empty for entries about no add-in (policy-changed)
	AddinName string    `json:"addin_name,omitempty"`
	Action    string    `json:"action"`
	// Reason is a governance.Metric for disable and exempt entries, free text otherwise.
	Reason    string                `json:"reason,omitempty"`
	Value     float64               `json:"value,omitempty"`
	Threshold float64               `json:"threshold,omitempty"`
	Unit      string                `json:"unit,omitempty"`
	Evidence  []governance.Evidence `json:"evidence,omitempty"`
	By        string                `json:"by,omitempty"`
	Detail    string                `json:"detail,omitempty"`
}

// Notice is one business-bar message for the user.
type Notice struct {
	Seq       uint64    `json:"seq"` // assigned by the database, increasing
	Time      time.Time `json:"time"`
	AddinID   string    `json:"addin_id,omitempty"`
	AddinName string    `json:"addin_name,omitempty"`
	Level     string    `json:"level"` // NoticeWarning or NoticeInfo
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	Action    string    `json:"action,omitempty"` // what the user can do, e.g. "addingov enable X"
}

// Notice levels.
const (
	NoticeWarning = "warning"
	NoticeInfo    = "info"
)

// GrantRecord is one stored permission grant; Data is the permissions package's encoding.
type GrantRecord struct {
	AddinID, GrantID string
	Data             []byte
}

// maxIDLen bounds add-in, grant and user ids: real ones are GUIDs or short names, and a
// megabyte "id" is a bug or an attack, not an add-in.
const maxIDLen = 1024

// checkID validates an id used as a key.
func checkID(what, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%s is empty", what)
	case len(id) > maxIDLen:
		return fmt.Errorf("%s is %d bytes long; the limit is %d", what, len(id), maxIDLen)
	}
	return nil
}

// checkState accepts the three governance states.
func checkState(s governance.State) error {
	switch s {
	case governance.StateEnabled, governance.StateDisabled, governance.StateBlocked:
		return nil
	}
	return fmt.Errorf("unknown state %q: use enabled, disabled or blocked", s)
}

// normalizeAddin validates a and fills in what may be omitted (State defaults to
// enabled).
func normalizeAddin(a Addin) (Addin, error) {
	if err := checkID("add-in id", a.ID); err != nil {
		return a, err
	}
	if a.State == "" {
		a.State = governance.StateEnabled
	}
	if err := checkState(a.State); err != nil {
		return a, fmt.Errorf("add-in %s: %w", a.ID, err)
	}
	switch a.Scope {
	case "", ScopeUser, ScopeMachine:
	default:
		return a, fmt.Errorf("add-in %s: unknown scope %q: use user or machine", a.ID, a.Scope)
	}
	return a, nil
}

// normalizeLogEntry validates e and stamps a missing time with now.
func normalizeLogEntry(e LogEntry, now time.Time) (LogEntry, error) {
	if e.Action == "" {
		return e, fmt.Errorf("log entry has no action")
	}
	if e.AddinID != "" {
		if err := checkID("log entry's add-in id", e.AddinID); err != nil {
			return e, err
		}
	}
	if e.Time.IsZero() {
		e.Time = now
	}
	if err := checkKeyTime(e.Time); err != nil {
		return e, fmt.Errorf("log entry: %w", err)
	}
	e.ID = ""
	e.Evidence = append([]governance.Evidence(nil), e.Evidence...)
	return e, nil
}

// normalizeStrike validates s and stamps a missing time with now.
func normalizeStrike(s governance.Strike, now time.Time) (governance.Strike, error) {
	if err := checkID("strike's add-in id", s.AddinID); err != nil {
		return s, err
	}
	if s.Metric == "" {
		return s, fmt.Errorf("strike for %s has no metric", s.AddinID)
	}
	if s.Time.IsZero() {
		s.Time = now
	}
	if err := checkKeyTime(s.Time); err != nil {
		return s, fmt.Errorf("strike for %s: %w", s.AddinID, err)
	}
	s.Evidence = append([]governance.Evidence(nil), s.Evidence...)
	return s, nil
}

// normalizeNotice validates n, defaults its level to info and its time to now.
func normalizeNotice(n Notice, now time.Time) (Notice, error) {
	if n.Title == "" && n.Text == "" {
		return n, fmt.Errorf("notice has neither title nor text")
	}
	if n.Level == "" {
		n.Level = NoticeInfo
	}
	if n.Level != NoticeWarning && n.Level != NoticeInfo {
		return n, fmt.Errorf("notice level %q: use warning or info", n.Level)
	}
	if n.Time.IsZero() {
		n.Time = now
	}
	n.Seq = 0
	return n, nil
}

// decodeAddin reads an addins record stored under key.
func decodeAddin(key, v []byte) (Addin, error) {
	var a Addin
	if err := json.Unmarshal(v, &a); err != nil {
		return Addin{}, corruptError(bucketAddins, key, err)
	}
	if a.ID != string(key) {
		return Addin{}, corruptError(bucketAddins, key, fmt.Errorf("record names add-in %q", a.ID))
	}
	return a, nil
}

// decodeLogEntry reads a log record stored under key and sets its ID from the key.
func decodeLogEntry(key, v []byte) (LogEntry, error) {
	if _, _, ok := splitTimeKey(key); !ok {
		return LogEntry{}, corruptError(bucketLog, key, fmt.Errorf("key is not a %d-byte time key", timeKeyLen))
	}
	var e LogEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return LogEntry{}, corruptError(bucketLog, key, err)
	}
	e.ID = formatCursor(key)
	return e, nil
}

// decodeStrike reads a strike stored under key in the strikes bucket of addinID.
func decodeStrike(addinID string, key, v []byte) (governance.Strike, error) {
	where := bucketStrikes + "/" + addinID
	if _, _, ok := splitTimeKey(key); !ok {
		return governance.Strike{}, corruptError(where, key, fmt.Errorf("key is not a %d-byte time key", timeKeyLen))
	}
	var s governance.Strike
	if err := json.Unmarshal(v, &s); err != nil {
		return governance.Strike{}, corruptError(where, key, err)
	}
	if s.AddinID != addinID {
		return governance.Strike{}, corruptError(where, key, fmt.Errorf("strike names add-in %q", s.AddinID))
	}
	return s, nil
}

// decodeNotice reads a notice stored under key and sets its Seq from the key.
func decodeNotice(key, v []byte) (Notice, error) {
	seq, ok := decodeUint64(key)
	if !ok {
		return Notice{}, corruptError(bucketNotices, key, fmt.Errorf("key is not an 8-byte sequence number"))
	}
	var n Notice
	if err := json.Unmarshal(v, &n); err != nil {
		return Notice{}, corruptError(bucketNotices, key, err)
	}
	n.Seq = seq
	return n, nil
}
