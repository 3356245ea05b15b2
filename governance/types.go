// Package governance decides when an add-in has misbehaved enough to be turned off.
//
// It is pure: it takes observations (samples, activations, crashes), the effective
// policy and a clock, and returns strikes and decisions. It performs no I/O; the daemon
// persists what it returns and delivers the notices.
package governance

import (
	"fmt"
	"time"
)

// Metric names what a strike or a disable was for.
type Metric string

// The metrics governance watches. Their string values are stable: they are stored in
// the database, printed in the disable log and accepted by `addingov log --reason`.
const (
	MetricCPU        Metric = "cpu"
	MetricMemory     Metric = "memory"
	MetricCrash      Metric = "crash"
	MetricActivation Metric = "activation"
)

// Metrics lists every metric in display order.
var Metrics = []Metric{MetricCPU, MetricMemory, MetricCrash, MetricActivation}

// ParseMetric parses a metric name as printed in the log.
func ParseMetric(s string) (Metric, error) {
	for _, m := range Metrics {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown reason %q: use one of cpu, memory, crash, activation", s)
}

// State is an add-in's governance state.
type State string

// Add-in states. Blocked means policy forbids it (managed list value 0); only an
// administrator's policy change lifts it.
const (
	StateEnabled  State = "enabled"
	StateDisabled State = "disabled"
	StateBlocked  State = "blocked"
)

// ManagedMode is an add-in's entry in the administrator's managed list (Microsoft's
// Outlook\Resiliency\AddinList values).
type ManagedMode int

// Managed list values, exactly Microsoft's.
const (
	ManagedBlocked       ManagedMode = 0 // always disabled; the user cannot enable it
	ManagedAlwaysEnabled ManagedMode = 1 // governance never disables it; violations are logged as exempt
	ManagedUserDecides   ManagedMode = 2 // the user decides
)

func (m ManagedMode) String() string {
	switch m {
	case ManagedBlocked:
		return "blocked"
	case ManagedAlwaysEnabled:
		return "always-enabled"
	case ManagedUserDecides:
		return "user-decides"
	}
	return fmt.Sprintf("ManagedMode(%d)", int(m))
}

// Thresholds are the effective governance limits. DefaultThresholds gives the built-in
// values from Microsoft's documentation; registry policy overrides them.
type Thresholds struct {
	Interval time.Duration // sampling interval

	CPUCorePercent float64 // percent of one core at or above which a sample counts
	CPUSampleCount int     // consecutive samples over the threshold that make an episode

	MemoryPercent     float64 // percent of physical memory (resident) at or above which a sample counts
	MemoryThresholdMB uint64  // absolute limit in MB; when non-zero it replaces MemoryPercent
	MemorySampleCount int     // consecutive samples over the threshold that make an episode
	// DeviceMemoryGatePercent: memory governance applies only while device memory use is
	// at or above this percentage; 0 means always.
	DeviceMemoryGatePercent float64

	CrashLimit int // restarts allowed; the next crash disables

	ActivationThreshold time.Duration // activations slower than this strike
	ActivationLimit     int           // slow or failed activations that disable
	// StartupCount is how many of a host's recorded starts the start-up rule takes the
	// median of (Outlook's rule: 5); see Engine.ObserveStartups.
	StartupCount int

	StrikeWindow time.Duration // strikes older than this no longer count
	LogRetention time.Duration // how long the disable log is kept
	// HistoryRetention is how long samples and activation outcomes are kept for support.
	HistoryRetention time.Duration

	BlockUnmanaged bool // block add-ins absent from the managed list (only when the list has entries)
}

// HostUnresponsive is Microsoft's application-blocking limit: an activation without a
// ready report within this time fails with reason "timeout". It is not overridable.
const HostUnresponsive = 5 * time.Second

// DefaultThresholds returns the built-in defaults (DESIGN.md's table).
func DefaultThresholds() Thresholds {
	return Thresholds{
		Interval:                5 * time.Second,
		CPUCorePercent:          90,
		CPUSampleCount:          3,
		MemoryPercent:           50,
		MemorySampleCount:       3,
		DeviceMemoryGatePercent: 80,
		CrashLimit:              3,
		ActivationThreshold:     1000 * time.Millisecond,
		ActivationLimit:         3,
		StartupCount:            5,
		StrikeWindow:            24 * time.Hour,
		LogRetention:            365 * 24 * time.Hour,
		HistoryRetention:        24 * time.Hour,
	}
}

// Policy is everything governance needs from the administrator: thresholds and the
// managed add-in list.
type Policy struct {
	Thresholds Thresholds
	Managed    map[string]ManagedMode // add-in id → mode
	// ManagedListOn records that the administrator enabled the managed list even if it
	// names no add-in (the Office ADMX's policyon marker).
	ManagedListOn bool
}

// ListEnabled reports whether the managed list is in force: enabled by its marker, or
// naming at least one add-in. BlockUnmanaged applies only then.
func (p Policy) ListEnabled() bool { return p.ManagedListOn || len(p.Managed) > 0 }

// DefaultPolicy is the policy with no administrator settings.
func DefaultPolicy() Policy { return Policy{Thresholds: DefaultThresholds()} }

// Mode returns the managed mode for id and whether the list names it.
func (p Policy) Mode(id string) (ManagedMode, bool) {
	m, ok := p.Managed[id]
	return m, ok
}

// PolicySource supplies the current effective policy. Registry policy implements it;
// the built-in default is StaticPolicy(DefaultPolicy()).
type PolicySource interface {
	Policy() Policy
}

// AddinPolicySource is a PolicySource whose policy can differ per add-in: the daemon
// governs each user's add-ins with that user's effective policy. The engine uses
// PolicyFor wherever it judges one add-in.
type AddinPolicySource interface {
	PolicySource
	PolicyFor(addinID string) Policy
}

// StaticPolicy is a PolicySource that never changes.
type StaticPolicy Policy

// Policy implements PolicySource.
func (s StaticPolicy) Policy() Policy { return Policy(s) }

// Clock is the engine's only source of time.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now implements Clock.
func (SystemClock) Now() time.Time { return time.Now() }

// Sample is one sampling tick's figures for one add-in's process tree.
type Sample struct {
	AddinID string    `json:"addin_id"`
	Time    time.Time `json:"time"`
	PIDs    []int32   `json:"pids,omitempty"`
	// CPUPercent is the tree's CPU use since the previous tick, in percent of one core
	// (200 means two full cores).
	CPUPercent float64 `json:"cpu_percent"`
	// MemoryBytes is the tree's memory as governance compares it: resident set on
	// Linux, private commit on Windows.
	MemoryBytes uint64 `json:"memory_bytes"`
	// TotalMemoryBytes is the device's physical memory; DeviceMemoryPercent its use.
	TotalMemoryBytes    uint64  `json:"total_memory_bytes"`
	DeviceMemoryPercent float64 `json:"device_memory_percent"`
}

// Activation is the outcome of one activation of an add-in.
type Activation struct {
	AddinID      string        `json:"addin_id"`
	ActivationID string        `json:"activation_id"`
	Time         time.Time     `json:"time"`
	Latency      time.Duration `json:"latency_ns"`
	Failed       bool          `json:"failed"`
	Reason       string        `json:"reason,omitempty"` // failure reason, e.g. "timeout"
}

// Startups is a host's own record of an add-in's recent start-up times, oldest first:
// Outlook writes one load time per add-in at every start. Governance applies the
// host's rule to them (Engine.ObserveStartups).
type Startups struct {
	AddinID string       `json:"addin_id"`
	Starts  []Activation `json:"starts"` // Time and Latency of each start, oldest first
}

// Crash is a tracked add-in process that exited while an activation was live without
// an end report.
type Crash struct {
	AddinID string    `json:"addin_id"`
	PID     int32     `json:"pid"`
	Time    time.Time `json:"time"`
	// ExitCode is the process's exit code (128+N for a process signal N ended), or -1
	// when it is not known.
	ExitCode int `json:"exit_code"`
}

// Evidence is one measured figure that contributed to a strike: a sample, an
// activation timing or a crash.
type Evidence struct {
	Time   time.Time `json:"time"`
	Value  float64   `json:"value"`
	Unit   string    `json:"unit"`
	Detail string    `json:"detail,omitempty"`
}

// Strike is one counted violation.
type Strike struct {
	AddinID   string     `json:"addin_id"`
	Metric    Metric     `json:"metric"`
	Time      time.Time  `json:"time"`
	Value     float64    `json:"value"`     // the figure that violated (peak or mean of the episode, latency, crash count)
	Threshold float64    `json:"threshold"` // the limit it violated, in Unit
	Unit      string     `json:"unit"`      // "% of one core", "MB", "ms", "crashes"
	Evidence  []Evidence `json:"evidence,omitempty"`
	Exempt    bool       `json:"exempt,omitempty"` // the add-in is always enabled by policy
	// Decisive marks a strike that reaches its metric's limit on its own: the host's
	// own rule over several starts already judged the add-in (ObserveStartups).
	Decisive bool `json:"decisive,omitempty"`
}

// Action is what a decision does.
type Action string

// Decision actions.
const (
	ActionDisable Action = "disable" // the add-in is turned off
	ActionExempt  Action = "exempt"  // it reached a limit but policy keeps it enabled: logged only
)

// Decision is governance's verdict that an add-in reached a limit.
type Decision struct {
	AddinID   string     `json:"addin_id"`
	Action    Action     `json:"action"`
	Reason    Metric     `json:"reason"`
	Time      time.Time  `json:"time"`
	Value     float64    `json:"value"`
	Threshold float64    `json:"threshold"`
	Unit      string     `json:"unit"`
	Evidence  []Evidence `json:"evidence,omitempty"`
	// Summary is the plain-words account of the violation, e.g. "used 97% of a
	// processor core for 15 seconds"; notices are built from it.
	Summary string `json:"summary"`
}
