package storage

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestHistoryKeepsPointsAndActivations(t *testing.T) {
	db, _ := openTestDB(t)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for s := range 10 {
		pts := []HistoryPoint{
			{AddinID: "a", Time: at(s), CPUPercent: float64(s * 10), MemoryBytes: uint64(s) << 20, PIDs: []int32{42}},
			{AddinID: "b", Time: at(s), CPUPercent: 1, MemoryBytes: 1},
		}
		var acts []ActivationRecord
		if s%3 == 0 {
			acts = append(acts, ActivationRecord{AddinID: "a", Time: at(s), LatencyMS: float64(100 * s), Failed: s == 9, Reason: strings.Repeat("r", 1000)})
		}
		if err := db.AppendHistory(pts, acts); err != nil {
			t.Fatal(err)
		}
	}
	cpus := func(ps []HistoryPoint) string {
		var b []string
		for _, p := range ps {
			b = append(b, fmt.Sprint(p.CPUPercent))
		}
		return strings.Join(b, ",")
	}
	tests := []struct {
		name  string
		id    string
		since time.Time
		limit int
		want  string
	}{
		{"all of a", "a", time.Time{}, 0, "0,10,20,30,40,50,60,70,80,90"},
		{"since", "a", at(7), 0, "70,80,90"},
		{"newest three", "a", time.Time{}, 3, "70,80,90"},
		{"newest three since", "a", at(8), 3, "80,90"},
		{"more than there are", "a", time.Time{}, 50, "0,10,20,30,40,50,60,70,80,90"},
		{"other add-in", "b", at(9), 0, "1"},
		{"unknown add-in", "zz", time.Time{}, 0, ""},
		{"since the future", "a", at(100), 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := db.History(tt.id, tt.since, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := cpus(ps); got != tt.want {
				t.Errorf("History(%s, %v, %d) = %s, want %s", tt.id, tt.since, tt.limit, got, tt.want)
			}
		})
	}
	ps, _ := db.History("a", at(4), 1)
	if len(ps) != 0 && (!ps[0].Time.Equal(at(9)) || ps[0].MemoryBytes != 9<<20 || len(ps[0].PIDs) != 1) {
		t.Errorf("point = %+v", ps[0])
	}
	acts, err := db.Activations("a", time.Time{}, 0)
	if err != nil || len(acts) != 4 || acts[3].LatencyMS != 900 || !acts[3].Failed || !acts[0].Time.Equal(at(0)) {
		t.Fatalf("activations = %+v, %v", acts, err)
	}
	if n := len(acts[0].Reason); n > maxHistoryReason+len("…") {
		t.Errorf("stored reason is %d bytes, want at most %d", n, maxHistoryReason)
	}
	// Kept across a reopen, and pruned by time.
	db = reopen(t, db)
	n, err := db.PruneHistory(at(5))
	if err != nil || n != 5+5+2 {
		t.Fatalf("PruneHistory = %d, %v; want 12 (5 of a, 5 of b, 2 activations)", n, err)
	}
	if ps, _ := db.History("a", time.Time{}, 0); cpus(ps) != "50,60,70,80,90" {
		t.Errorf("after pruning: %s", cpus(ps))
	}
}

func TestAppendHistoryRefusesBadIDs(t *testing.T) {
	db, _ := openTestDB(t)
	err := db.AppendHistory([]HistoryPoint{{AddinID: "", Time: t0}}, nil)
	if err == nil || !strings.Contains(err.Error(), "add-in id is empty") {
		t.Fatalf("AppendHistory with no id = %v", err)
	}
	if _, err := db.History(strings.Repeat("x", 2000), time.Time{}, 0); err == nil {
		t.Fatal("History with a huge id succeeded")
	}
}
