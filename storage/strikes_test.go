package storage

import (
	"slices"
	"strings"
	"testing"
	"time"

	"addingov/governance"
)

func TestStrikes(t *testing.T) {
	db, clock := openTestDB(t)
	in := []governance.Strike{
		strike("a", t0.Add(2*time.Minute), 3),
		strike("a", t0, 1),
		strike("b", t0.Add(time.Minute), 10),
		strike("a", t0.Add(time.Minute), 2),
		strike("a", t0.Add(time.Minute), 22),                     // same nanosecond: kept, after the first
		{AddinID: "b", Metric: governance.MetricCrash, Value: 4}, // no time: stamped by the clock
	}
	clock.Set(t0.Add(time.Hour))
	if err := db.AddStrikes(in); err != nil {
		t.Fatalf("AddStrikes: %v", err)
	}
	if !in[5].Time.IsZero() {
		t.Error("AddStrikes changed the caller's slice")
	}
	values := func(ss []governance.Strike) []float64 {
		var out []float64
		for _, s := range ss {
			out = append(out, s.Value)
		}
		return out
	}
	tests := []struct {
		name  string
		id    string
		since time.Time
		want  []float64
	}{
		{"all of a, time order", "a", time.Time{}, []float64{1, 2, 22, 3}},
		{"since is inclusive", "a", t0.Add(time.Minute), []float64{2, 22, 3}},
		{"since after the last", "a", t0.Add(3 * time.Minute), nil},
		{"b with the clock-stamped one", "b", time.Time{}, []float64{10, 4}},
		{"unknown add-in", "c", time.Time{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss, err := db.Strikes(tt.id, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if got := values(ss); !slices.Equal(got, tt.want) {
				t.Errorf("Strikes(%s, %v) values = %v, want %v", tt.id, tt.since, got, tt.want)
			}
		})
	}
	ss, _ := db.Strikes("b", time.Time{})
	if !ss[1].Time.Equal(t0.Add(time.Hour)) || ss[1].Metric != governance.MetricCrash {
		t.Errorf("clock-stamped strike = %+v", ss[1])
	}
	if a, _ := db.Strikes("a", time.Time{}); len(a[0].Evidence) != 1 || a[0].Evidence[0].Value != 1 {
		t.Errorf("evidence not kept: %+v", a[0])
	}
	if _, err := db.Strikes("", time.Time{}); err == nil {
		t.Error("Strikes(\"\") accepted")
	}
}

func TestAddStrikesRejectsBadInputAtomically(t *testing.T) {
	db, _ := openTestDB(t)
	good := strike("a", t0, 1)
	tests := []struct {
		name string
		bad  governance.Strike
		want string
	}{
		{"no add-in", governance.Strike{Metric: governance.MetricCPU, Time: t0}, "strike's add-in id is empty"},
		{"no metric", governance.Strike{AddinID: "a", Time: t0}, "strike for a has no metric"},
		{"before 1970", strike("a", time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), 1), "outside the storable range"},
		{"after 2262", strike("a", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), 1), "outside the storable range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.AddStrikes([]governance.Strike{good, tt.bad})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("AddStrikes = %v, want an error containing %q", err, tt.want)
			}
			if ss, _ := db.Strikes("a", time.Time{}); len(ss) != 0 {
				t.Errorf("a rejected batch stored %d strikes", len(ss))
			}
		})
	}
	if err := db.AddStrikes(nil); err != nil {
		t.Errorf("AddStrikes(nil) = %v", err)
	}
}

func TestClearAndPruneStrikes(t *testing.T) {
	db, _ := openTestDB(t)
	var in []governance.Strike
	for i := range 5 {
		in = append(in, strike("a", t0.Add(time.Duration(i)*time.Hour), float64(i)))
		in = append(in, strike("b", t0.Add(time.Duration(i)*time.Hour), float64(i)))
	}
	in = append(in, strike("old", t0.Add(-time.Hour), 1))
	if err := db.AddStrikes(in); err != nil {
		t.Fatal(err)
	}

	n, err := db.PruneStrikes(t0.Add(2 * time.Hour))
	if err != nil || n != 5 {
		t.Fatalf("PruneStrikes = %d, %v; want 5 (2 of a, 2 of b, 1 of old)", n, err)
	}
	if ss, _ := db.Strikes("a", time.Time{}); len(ss) != 3 || ss[0].Value != 2 {
		t.Errorf("a after prune: %+v", ss)
	}
	for _, k := range rawKeys(t, db, bucketStrikes) {
		if k == "old" {
			t.Error("an add-in's strikes bucket outlived its last strike")
		}
	}
	if n, err := db.PruneStrikes(t0.Add(2 * time.Hour)); err != nil || n != 0 {
		t.Errorf("second PruneStrikes = %d, %v; want 0", n, err)
	}

	if err := db.ClearStrikes("a"); err != nil {
		t.Fatal(err)
	}
	if ss, _ := db.Strikes("a", time.Time{}); len(ss) != 0 {
		t.Errorf("strikes after ClearStrikes: %+v", ss)
	}
	if ss, _ := db.Strikes("b", time.Time{}); len(ss) != 3 {
		t.Errorf("ClearStrikes(a) touched b: %+v", ss)
	}
	if err := db.ClearStrikes("never-struck"); err != nil {
		t.Errorf("ClearStrikes of an add-in without strikes = %v", err)
	}
	if err := db.ClearStrikes(""); err == nil {
		t.Error("ClearStrikes(\"\") accepted")
	}
}
