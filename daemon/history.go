package daemon

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// Each add-in's samples and activation outcomes are kept for support engineers
// (HistoryRetentionHours). They are written once per tick in one transaction: history is
// for looking back, so it never slows down or holds up a governance decision.

// detailLimits bound what one details answer carries.
const (
	detailActivations = 20
	detailDisables    = 5
	detailPoints      = 20000
)

// historyBuffer holds the activations observed since the last tick.
type historyBuffer struct {
	mu   sync.Mutex
	acts []storage.ActivationRecord
}

func (h *historyBuffer) addActivation(a governance.Activation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.acts) < 10000 { // a flood between two ticks is not history worth keeping
		h.acts = append(h.acts, storage.RecordFromActivation(a))
	}
}

// pending returns the buffered activations of id, not yet stored.
func (h *historyBuffer) pending(id string) []storage.ActivationRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []storage.ActivationRecord
	for _, a := range h.acts {
		if a.AddinID == id {
			out = append(out, a)
		}
	}
	return out
}

func (h *historyBuffer) drain() []storage.ActivationRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	acts := h.acts
	h.acts = nil
	return acts
}

// saveHistory stores one tick's samples and the activations since the last tick.
func (d *Daemon) saveHistory(samples []governance.Sample) {
	points := make([]storage.HistoryPoint, len(samples))
	for i, s := range samples {
		points[i] = storage.PointFromSample(s)
	}
	if err := d.db.AppendHistory(points, d.history.drain()); err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("store sample history")
	}
}

// pruneHistory deletes history past its retention.
func (d *Daemon) pruneHistory(t governance.Thresholds, now time.Time) {
	keep := t.HistoryRetention
	if keep <= 0 {
		keep = governance.DefaultThresholds().HistoryRetention
	}
	if n, err := d.db.PruneHistory(now.Add(-keep)); err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Msg("prune history")
	} else if n > 0 {
		d.log.Debug().Int("records", n).Msg("pruned history past retention")
	}
}

// detailsExtension serves GET /v1/addins/{id}/details.
func (d *Daemon) detailsExtension() localapi.Extension {
	return func(mux *http.ServeMux) {
		mux.HandleFunc("GET /v1/addins/{id}/details", func(w http.ResponseWriter, r *http.Request) {
			v, err := d.details(r)
			if err != nil {
				if localapi.StatusOf(err) >= 500 {
					d.log.Error().Err(err).Str("path", r.URL.Path).Msg("api request failed")
				}
				localapi.WriteError(w, err)
				return
			}
			localapi.WriteJSON(w, http.StatusOK, v)
		})
	}
}

func (d *Daemon) details(r *http.Request) (localapi.AddinDetails, error) {
	id := r.PathValue("id")
	view, err := d.Addin(r.Context(), id) // checks the id and that the caller may read it
	if err != nil {
		return localapi.AddinDetails{}, err
	}
	pol := d.cfg.Policy.Policy()
	t := pol.Thresholds
	keep := t.HistoryRetention
	if keep <= 0 {
		keep = governance.DefaultThresholds().HistoryRetention
	}
	now := d.clock.Now()
	since := now.Add(-keep)
	if s := r.URL.Query().Get("since"); s != "" {
		if since, err = localapi.ParseTimeFlag(s, now); err != nil {
			return localapi.AddinDetails{}, localapi.BadRequest("since: %v", err)
		}
	}
	out := localapi.AddinDetails{
		Addin:       view,
		Retention:   keep.String(),
		Strikes:     []governance.Strike{},
		Activations: []localapi.ActivationPoint{},
		Disables:    []storage.LogEntry{},
		History:     []localapi.HistoryPoint{},
		Thresholds: localapi.DetailThresholds{
			CPUPercent:   t.CPUCorePercent,
			ActivationMS: float64(t.ActivationThreshold) / float64(time.Millisecond),
		},
	}
	d.mu.Lock()
	out.Strikes = append(out.Strikes, d.engine.Strikes(id)...)
	last, sampled := d.last[id]
	d.mu.Unlock()
	switch {
	case t.MemoryThresholdMB > 0:
		out.Thresholds.MemoryBytes = t.MemoryThresholdMB << 20
	case sampled && last.TotalMemoryBytes > 0:
		out.Thresholds.MemoryBytes = uint64(float64(last.TotalMemoryBytes) * t.MemoryPercent / 100)
	}
	points, err := d.db.History(id, since, detailPoints)
	if err != nil {
		return out, err
	}
	for _, p := range points {
		out.History = append(out.History, localapi.HistoryPoint{Time: p.Time, CPUPercent: p.CPUPercent,
			MemoryBytes: p.MemoryBytes, DeviceMemoryPercent: p.DeviceMemoryPercent, PIDs: p.PIDs})
	}
	acts, err := d.db.Activations(id, since, detailActivations)
	if err != nil {
		return out, err
	}
	// Those since the last tick too (a tick may store them meanwhile: skip what is in
	// both, by time).
	for _, a := range d.history.pending(id) {
		if !a.Time.Before(since) && (len(acts) == 0 || a.Time.After(acts[len(acts)-1].Time)) {
			acts = append(acts, a)
		}
	}
	if len(acts) > detailActivations {
		acts = acts[len(acts)-detailActivations:]
	}
	for _, a := range acts {
		out.Activations = append(out.Activations, localapi.ActivationPoint{Time: a.Time, LatencyMS: a.LatencyMS, Failed: a.Failed, Reason: a.Reason})
	}
	for _, action := range []string{storage.ActionDisable, storage.ActionExempt, storage.ActionBlock} {
		es, _, err := d.db.Log(storage.LogQuery{AddinID: id, Action: action, Newest: true, Limit: detailDisables})
		if err != nil {
			return out, err
		}
		out.Disables = append(out.Disables, es...)
	}
	sortEntriesNewestFirst(out.Disables)
	if len(out.Disables) > detailDisables {
		out.Disables = out.Disables[:detailDisables]
	}
	return out, nil
}

func sortEntriesNewestFirst(es []storage.LogEntry) {
	slices.SortFunc(es, func(a, b storage.LogEntry) int { return b.Time.Compare(a.Time) })
}
