package localapi

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"addingov/governance"
	"addingov/storage"
)

// AddinDetails is everything a support engineer needs about one add-in, from
// GET /v1/addins/{id}/details: its state, strikes with their times, recent activations
// with latencies, the last disables with their evidence, and its CPU and memory history.
type AddinDetails struct {
	Addin       Addin               `json:"addin"`
	Thresholds  DetailThresholds    `json:"thresholds"`
	Strikes     []governance.Strike `json:"strikes"`
	Activations []ActivationPoint   `json:"activations"`
	Disables    []storage.LogEntry  `json:"disables"`
	History     []HistoryPoint      `json:"history"`
	// Retention is how far back history goes (the HistoryRetentionHours policy).
	Retention string `json:"history_retention"`
}

// DetailThresholds are the limits the add-in's figures are compared with, for charts.
type DetailThresholds struct {
	CPUPercent   float64 `json:"cpu_percent"`
	MemoryBytes  uint64  `json:"memory_bytes,omitempty"` // 0 when not known (no sample yet)
	ActivationMS float64 `json:"activation_ms"`
}

// HistoryPoint is one tick's figures for the add-in.
type HistoryPoint struct {
	Time                time.Time `json:"time"`
	CPUPercent          float64   `json:"cpu_percent"`
	MemoryBytes         uint64    `json:"memory_bytes"`
	DeviceMemoryPercent float64   `json:"device_memory_percent,omitempty"`
	PIDs                []int32   `json:"pids,omitempty"`
}

// ActivationPoint is one activation's outcome.
type ActivationPoint struct {
	Time      time.Time `json:"time"`
	LatencyMS float64   `json:"latency_ms"`
	Failed    bool      `json:"failed,omitempty"`
	Reason    string    `json:"reason,omitempty"`
}

// Details fetches one add-in's details; since ("" for the whole retention) takes what
// ParseTimeFlag accepts, as an RFC 3339 time or a duration.
func (c *Client) Details(ctx context.Context, id, since string) (AddinDetails, error) {
	var d AddinDetails
	q := url.Values{}
	if since != "" {
		q.Set("since", since)
	}
	return d, c.Do(ctx, http.MethodGet, "/v1/addins/"+url.PathEscape(id)+"/details?"+q.Encode(), nil, &d)
}

// RecentLog is the daemon's last log lines (zerolog JSON), from GET /v1/diagnostics/log.
type RecentLog struct {
	Lines []string `json:"lines"`
	Kept  int      `json:"kept"` // how many lines the daemon keeps at most
}

// RecentLog fetches the daemon's last log lines (administrators only).
func (c *Client) RecentLog(ctx context.Context) (RecentLog, error) {
	var l RecentLog
	return l, c.Do(ctx, http.MethodGet, "/v1/diagnostics/log", nil, &l)
}
