//go:build !windows

package daemon

import (
	"context"
	"net/http"
	"testing"
	"time"

	"addingov/localapi"
)

// The support issue's history item: a real process's samples and its activations are
// kept, survive a restart, and come back in the add-in's details with the strikes and
// the disable and its evidence.
func TestDetailsCarryHistoryStrikesAndDisables(t *testing.T) {
	dir := tempDir(t)
	p := fastPolicy()
	p.Thresholds.CPUCorePercent = 40
	r := start(t, dir, p)
	ctx := context.Background()
	burner := child(t, "burn")
	resp, err := r.client.StartActivation(ctx, localapi.ActivationRequest{AddinID: "burner", PID: int32(burner.Process.Pid), Name: "Burner"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	if _, err := r.client.ActivationEvent(ctx, resp.ActivationID, "ready", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "burner disabled", func() bool {
		a, err := r.client.Addin(ctx, "burner")
		return err == nil && a.State == "disabled"
	})
	r.stop()
	r = start(t, dir, p)

	d, err := r.client.Details(ctx, "burner", "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Addin.State != "disabled" || d.Thresholds.CPUPercent != 40 || d.Retention != "24h0m0s" {
		t.Errorf("details = state %s, thresholds %+v, retention %s", d.Addin.State, d.Thresholds, d.Retention)
	}
	var hot int
	for _, h := range d.History {
		if h.CPUPercent >= 40 && len(h.PIDs) > 0 && h.MemoryBytes > 0 {
			hot++
		}
	}
	if hot < 3 {
		t.Errorf("history has %d samples at or over 40%% with pids and memory, want the 3 of the episode: %+v", hot, d.History)
	}
	if len(d.Activations) != 1 || d.Activations[0].Failed || d.Activations[0].LatencyMS < 25 {
		t.Errorf("activations = %+v, want the one ready activation with its latency", d.Activations)
	}
	if len(d.Disables) != 1 || d.Disables[0].Reason != "cpu" || len(d.Disables[0].Evidence) != 3 {
		t.Errorf("disables = %+v, want the cpu disable with 3 samples of evidence", d.Disables)
	}
	if len(d.Strikes) != 1 || d.Strikes[0].Metric != "cpu" || d.Strikes[0].Time.IsZero() {
		t.Errorf("strikes = %+v, want one cpu strike with its time", d.Strikes)
	}
	if d, err := r.client.Details(ctx, "burner", "1ms"); err != nil || len(d.History) != 0 {
		t.Errorf("details since 1ms = %d points, %v; want none (the add-in is off, nothing sampled since)", len(d.History), err)
	}
	tests := []struct {
		id, since string
		status    int
	}{
		{"nope", "", http.StatusNotFound},
		{"burner", "last tuesday", http.StatusBadRequest},
	}
	for _, tt := range tests {
		if _, err := r.client.Details(ctx, tt.id, tt.since); localapi.StatusOf(err) != tt.status {
			t.Errorf("Details(%q, %q) = %v, want status %d", tt.id, tt.since, err, tt.status)
		}
	}
}
