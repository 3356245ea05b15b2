package storage

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"addingov/governance"
)

// seedLog appends a known log: per minute m = 0..9, one entry alternating add-ins a and b
// with reasons cpu/memory/crash, plus a policy-changed entry about no add-in at minute 5.
func seedLog(t testing.TB, db *DB) []LogEntry {
	t.Helper()
	reasons := []string{"cpu", "memory", "crash"}
	var out []LogEntry
	for m := range 10 {
		id := "a"
		if m%2 == 1 {
			id = "b"
		}
		action := ActionDisable
		if m == 6 {
			action = ActionEnable
		}
		e, err := db.AppendLog(LogEntry{Time: t0.Add(time.Duration(m) * time.Minute), AddinID: id, AddinName: strings.ToUpper(id),
			Action: action, Reason: reasons[m%3], Value: float64(m), Detail: fmt.Sprint(m)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
		if m == 5 {
			e, err := db.AppendLog(LogEntry{Time: t0.Add(5 * time.Minute), Action: "policy-changed", By: "policy", Detail: "p"})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
	}
	return out
}

func details(es []LogEntry) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, e.Detail)
	}
	return strings.Join(parts, ",")
}

func TestLogQueryFilters(t *testing.T) {
	db, _ := openTestDB(t)
	seedLog(t, db)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	tests := []struct {
		name string
		q    LogQuery
		want string
	}{
		{"everything, oldest first", LogQuery{}, "0,1,2,3,4,5,p,6,7,8,9"},
		{"since is inclusive", LogQuery{Since: at(7)}, "7,8,9"},
		{"until is exclusive", LogQuery{Until: at(2)}, "0,1"},
		{"window", LogQuery{Since: at(4), Until: at(6)}, "4,5,p"},
		{"empty window", LogQuery{Since: at(6), Until: at(6)}, ""},
		{"one add-in", LogQuery{AddinID: "a"}, "0,2,4,6,8"},
		{"unknown add-in", LogQuery{AddinID: "zz"}, ""},
		{"reason", LogQuery{Reason: "cpu"}, "0,3,6,9"},
		{"action", LogQuery{Action: "policy-changed"}, "p"},
		{"action enable", LogQuery{Action: ActionEnable}, "6"},
		{"add-in and reason", LogQuery{AddinID: "a", Reason: "memory"}, "4"},
		{"add-in, window and action", LogQuery{AddinID: "b", Since: at(2), Until: at(9), Action: ActionDisable}, "3,5,7"},
		{"since before 1970", LogQuery{Since: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), Until: at(1)}, "0"},
		{"since after 2262", LogQuery{Since: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}, ""},
		{"limit", LogQuery{Limit: 3}, "0,1,2"},
		{"newest first", LogQuery{Newest: true}, "9,8,7,6,p,5,4,3,2,1,0"},
		{"newest one", LogQuery{Newest: true, Limit: 1}, "9"},
		{"newest three", LogQuery{Newest: true, Limit: 3}, "9,8,7"},
		{"newest in a window", LogQuery{Newest: true, Since: at(4), Until: at(6)}, "p,5,4"},
		{"newest before until", LogQuery{Newest: true, Until: at(2), Limit: 5}, "1,0"},
		{"newest of one add-in", LogQuery{Newest: true, AddinID: "b", Limit: 2}, "9,7"},
		{"newest with a reason, any case", LogQuery{Newest: true, Reason: "CPU"}, "9,6,3,0"},
		{"action, any case", LogQuery{Action: "Policy-Changed"}, "p"},
		{"newest, empty window", LogQuery{Newest: true, Since: at(6), Until: at(6)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, _, err := db.Log(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := details(es); got != tt.want {
				t.Errorf("Log(%+v) = %s, want %s", tt.q, got, tt.want)
			}
		})
	}
}

func TestLogNewestPagesBackwards(t *testing.T) {
	db, _ := openTestDB(t)
	seedLog(t, db)
	var pages []string
	q := LogQuery{Newest: true, Limit: 4}
	for range 10 {
		es, next, err := db.Log(q)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, details(es))
		if next == "" {
			break
		}
		q.Cursor = next
	}
	if got, want := strings.Join(pages, "|"), "9,8,7,6|p,5,4,3|2,1,0"; got != want {
		t.Errorf("newest-first pages = %s, want %s", got, want)
	}
}

func TestLogEntriesCarryEverything(t *testing.T) {
	db, clock := openTestDB(t)
	ev := []governance.Evidence{{Time: t0, Value: 97.5, Unit: "%", Detail: "pid 42"}, {Time: t0.Add(5 * time.Second), Value: 99, Unit: "%"}}
	in := LogEntry{ID: "ignored", Time: t0, AddinID: "a", AddinName: "A", Action: ActionDisable, Reason: "cpu", Value: 98,
		Threshold: 90, Unit: "% of one core", Evidence: ev, By: ByGovernance, Detail: "used 98%"}
	e, err := db.AppendLog(in)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == "ignored" || len(e.ID) != 2*timeKeyLen {
		t.Errorf("AppendLog ID = %q, want a fresh %d-hex-digit key", e.ID, 2*timeKeyLen)
	}
	ev[0].Value = -1 // the caller's slice is the caller's
	es, _, _ := db.Log(LogQuery{})
	got := es[0]
	if got.ID != e.ID || !got.Time.Equal(t0) || got.AddinName != "A" || got.Value != 98 || got.Threshold != 90 ||
		got.Unit != "% of one core" || got.By != ByGovernance || got.Detail != "used 98%" ||
		len(got.Evidence) != 2 || got.Evidence[0].Value != 97.5 || got.Evidence[0].Detail != "pid 42" {
		t.Errorf("stored entry = %+v", got)
	}

	clock.Set(t0.Add(time.Hour))
	stamped, err := db.AppendLog(LogEntry{Action: "policy-changed"})
	if err != nil || !stamped.Time.Equal(t0.Add(time.Hour)) {
		t.Errorf("entry without a time = %+v, %v; want the clock's time", stamped, err)
	}
	if stamped.ID <= e.ID {
		t.Errorf("IDs do not follow time: %s then %s", e.ID, stamped.ID)
	}
}

func TestAppendLogRejectsBadInput(t *testing.T) {
	db, _ := openTestDB(t)
	tests := []struct {
		name string
		in   LogEntry
		want string
	}{
		{"no action", LogEntry{AddinID: "a"}, "log entry has no action"},
		{"huge add-in id", LogEntry{AddinID: strings.Repeat("a", 5000), Action: "x"}, "the limit is 1024"},
		{"before 1970", LogEntry{Action: "x", Time: time.Unix(-1, 0)}, "outside the storable range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.AppendLog(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("AppendLog = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if es, _, _ := db.Log(LogQuery{}); len(es) != 0 {
		t.Errorf("rejected entries were stored: %+v", es)
	}
}

// TestLogPaging walks every page for several limits and filters and checks the pages
// add up to the unpaged answer, with next == "" exactly at the end.
func TestLogPaging(t *testing.T) {
	db, _ := openTestDB(t)
	seedLog(t, db)
	for _, base := range []LogQuery{{}, {AddinID: "b"}, {Reason: "cpu"}, {Since: t0.Add(3 * time.Minute)}} {
		all, next, err := db.Log(base)
		if err != nil || next != "" {
			t.Fatalf("unpaged Log(%+v) = next %q, %v", base, next, err)
		}
		for _, limit := range []int{1, 2, 3, len(all), len(all) + 1} {
			t.Run(fmt.Sprintf("%+v/limit %d", base, limit), func(t *testing.T) {
				q := base
				q.Limit = limit
				var paged []LogEntry
				for pages := 0; ; pages++ {
					if pages > len(all)+1 {
						t.Fatal("paging does not end")
					}
					es, next, err := db.Log(q)
					if err != nil {
						t.Fatal(err)
					}
					if len(es) > limit {
						t.Fatalf("page of %d entries, limit %d", len(es), limit)
					}
					paged = append(paged, es...)
					if next == "" {
						break
					}
					if next != es[len(es)-1].ID {
						t.Fatalf("next %q is not the last entry's ID %q", next, es[len(es)-1].ID)
					}
					q.Cursor = next
				}
				if details(paged) != details(all) {
					t.Errorf("pages = %s, want %s", details(paged), details(all))
				}
			})
		}
	}
	t.Run("cursor before since", func(t *testing.T) {
		all, _, _ := db.Log(LogQuery{})
		es, _, err := db.Log(LogQuery{Cursor: all[0].ID, Since: t0.Add(8 * time.Minute)})
		if err != nil || details(es) != "8,9" {
			t.Errorf("= %s, %v; want 8,9", details(es), err)
		}
	})
	t.Run("cursor at the end", func(t *testing.T) {
		all, _, _ := db.Log(LogQuery{})
		es, next, err := db.Log(LogQuery{Cursor: all[len(all)-1].ID})
		if err != nil || len(es) != 0 || next != "" {
			t.Errorf("= %+v, %q, %v; want nothing", es, next, err)
		}
	})
}

func TestLogQueryRejectsBadInput(t *testing.T) {
	db, _ := openTestDB(t)
	tests := []struct {
		name string
		q    LogQuery
		want string
	}{
		{"not hex", LogQuery{Cursor: "zz"}, `invalid log cursor "zz"`},
		{"wrong length", LogQuery{Cursor: "00ff"}, "invalid log cursor"},
		{"negative limit", LogQuery{Limit: -1}, "limit -1 is negative"},
		{"huge add-in id", LogQuery{AddinID: strings.Repeat("x", 2000)}, "the limit is 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := db.Log(tt.q); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Log = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestPruneLog(t *testing.T) {
	db, _ := openTestDB(t)
	seedLog(t, db)
	n, err := db.PruneLog(t0.Add(5 * time.Minute))
	if err != nil || n != 5 {
		t.Fatalf("PruneLog = %d, %v; want 5", n, err)
	}
	if es, _, _ := db.Log(LogQuery{}); details(es) != "5,p,6,7,8,9" {
		t.Errorf("log after prune = %s", details(es))
	}
	if es, _, _ := db.Log(LogQuery{AddinID: "a"}); details(es) != "6,8" {
		t.Errorf("a's log after prune = %s", details(es))
	}
	if keys := rawKeys(t, db, bucketLogByAddin, "a"); len(keys) != 2 {
		t.Errorf("a's index after prune has %d keys, want 2: pruning must clean the index too", len(keys))
	}
	n, err = db.PruneLog(t0.Add(time.Hour))
	if err != nil || n != 6 {
		t.Fatalf("second PruneLog = %d, %v; want 6", n, err)
	}
	if ids := rawKeys(t, db, bucketLogByAddin); len(ids) != 0 {
		t.Errorf("index buckets left after pruning everything: %v", ids)
	}
}

// TestLogIndexWithoutEntry: an index key whose entry is gone is skipped, not an error.
func TestLogIndexWithoutEntry(t *testing.T) {
	db, _ := openTestDB(t)
	e, _ := db.AppendLog(LogEntry{Time: t0.Add(time.Second), AddinID: "a", Action: "x", Detail: "real"})
	rawPut(t, db, []byte{}, makeTimeKey(t0, 0), bucketLogByAddin, "a")
	es, _, err := db.Log(LogQuery{AddinID: "a"})
	if err != nil || len(es) != 1 || es[0].ID != e.ID {
		t.Errorf("Log(a) = %+v, %v; want only the real entry", es, err)
	}
}

func TestLogCorruptEntryIsReported(t *testing.T) {
	db, _ := openTestDB(t)
	db.AppendLog(LogEntry{Time: t0, Action: "x"})
	key := makeTimeKey(t0.Add(time.Second), 0)
	rawPut(t, db, []byte(`{"action":`), key, bucketLog)
	_, _, err := db.Log(LogQuery{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "bucket log") {
		t.Errorf("Log over a corrupt entry = %v, want ErrCorrupt naming the bucket", err)
	}
	if es, _, err := db.Log(LogQuery{Until: t0.Add(time.Second)}); err != nil || len(es) != 1 {
		t.Errorf("entries before the corrupt one: %+v, %v", es, err)
	}
	if got := rawGet(t, db, key, bucketLog); string(got) != `{"action":` {
		t.Errorf("reading a corrupt entry changed it: %q", got)
	}
}
