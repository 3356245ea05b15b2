package localapi

import (
	"time"

	"addingov/storage"
)

// Status is the daemon's answer to GET /v1/status.
type Status struct {
	Version      string    `json:"version"`
	PID          int       `json:"pid"`
	StartedAt    time.Time `json:"started_at"`
	StateDir     string    `json:"state_dir"`
	Address      string    `json:"address"`
	PolicySource string    `json:"policy_source"`
	// PolicyLoadedAt is when the policy in force was read; PolicyErrors counts its
	// settings with ignored values and its unknown names (`addingov policy` lists them).
	PolicyLoadedAt time.Time `json:"policy_loaded_at"`
	PolicyErrors   int       `json:"policy_errors"`
	Interval       string    `json:"interval"`
	Addins         int       `json:"addins"`
	Enabled        int       `json:"enabled"`
	Disabled       int       `json:"disabled"`
	Blocked        int       `json:"blocked"`
	LastNotice     uint64    `json:"last_notice_seq"`
	Caller         Caller    `json:"caller"`
}

// Addin is an add-in as the API shows it: its stored record, its effective state under
// policy, and its strikes inside the window.
type Addin struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Version     string         `json:"version,omitempty"`
	Provider    string         `json:"provider,omitempty"`
	Kind        string         `json:"kind,omitempty"`
	Permission  string         `json:"permission,omitempty"`
	Scope       string         `json:"scope,omitempty"`
	Owner       string         `json:"owner,omitempty"`
	State       string         `json:"state"`
	Reason      string         `json:"reason,omitempty"`
	Since       time.Time      `json:"since"`
	By          string         `json:"by,omitempty"`
	Managed     string         `json:"managed,omitempty"`
	Strikes     map[string]int `json:"strikes"`
	PIDs        []int32        `json:"pids,omitempty"`
	CPUPercent  float64        `json:"cpu_percent"`
	MemoryBytes uint64         `json:"memory_bytes"`
	// For the add-ins Office itself runs: the host application (Outlook, Word, Excel,
	// PowerPoint), whether Office registers it for the user or the machine, the
	// LoadBehavior Office applies, and what is wrong with the registration.
	Host         string   `json:"host,omitempty"`
	Registered   string   `json:"registered,omitempty"`
	LoadBehavior *uint32  `json:"load_behavior,omitempty"`
	Problems     []string `json:"problems,omitempty"`
}

// ActivationRequest is a host's report that it is starting an add-in.
type ActivationRequest struct {
	AddinID string `json:"addin_id"`
	PID     int32  `json:"pid"`
	Name    string `json:"name,omitempty"`
}

// ActivationResponse says whether the add-in may activate and names the activation.
type ActivationResponse struct {
	ActivationID string `json:"activation_id,omitempty"`
	MayActivate  bool   `json:"may_activate"`
	Reason       string `json:"reason,omitempty"`
}

// ActivationResult is the outcome of ready / fail / end.
type ActivationResult struct {
	ActivationID string  `json:"activation_id"`
	AddinID      string  `json:"addin_id"`
	LatencyMs    float64 `json:"latency_ms,omitempty"`
	Strike       bool    `json:"strike"`
	State        string  `json:"state"`
}

// FailRequest reports an activation failure.
type FailRequest struct {
	Reason string `json:"reason"`
}

// StateRequest asks to enable or disable an add-in.
type StateRequest struct {
	// Everyone asks for the change for every user of the machine (administrators only).
	Everyone bool   `json:"everyone,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// LogPage is one page of the disable log.
type LogPage struct {
	Entries []storage.LogEntry `json:"entries"`
	Next    string             `json:"next,omitempty"`
}

// AckRequest acknowledges notices up to Seq for the calling user.
type AckRequest struct {
	Seq uint64 `json:"seq"`
}

// ErrorBody is every error response's body.
type ErrorBody struct {
	Error string `json:"error"`
}
