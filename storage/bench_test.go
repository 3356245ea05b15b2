package storage

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"addingov/governance"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkApplyDecision measures one fsynced decision transaction: state, two strikes,
// a log entry with evidence and a notice.
func BenchmarkApplyDecision(b *testing.B) {
	db, _ := openTestDB(b)
	if err := db.PutAddin(Addin{ID: "x", Name: "X"}); err != nil {
		b.Fatal(err)
	}
	n := &Notice{Level: NoticeWarning, Title: "X was turned off", Text: "X was turned off because it used 97% of a core."}
	b.ResetTimer()
	for i := range b.N {
		at := t0.Add(time.Duration(i) * time.Second)
		if _, _, err := db.ApplyDecision(cpuDecision("x", governance.ActionDisable, at),
			[]governance.Strike{strike("x", at.Add(-time.Second), 95), strike("x", at, 97)}, n); err != nil {
			b.Fatal(err)
		}
	}
}

// seedBenchLog fills a log with entries spread over addins add-ins.
func seedBenchLog(b *testing.B, db *DB, entries, addins int) {
	b.Helper()
	perTx := max(500, entries/20)
	for start := 0; start < entries; start += perTx {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			for i := start; i < min(start+perTx, entries); i++ {
				// One add-in in a hundred is disabled, the rest exempt, so the scan
				// benchmark selects as many entries as the by-add-in one.
				action := ActionExempt
				if i%addins == 42 {
					action = ActionDisable
				}
				e := LogEntry{Time: t0.Add(time.Duration(i) * time.Second), AddinID: fmt.Sprintf("addin-%03d", i%addins),
					Action: action, Reason: "cpu", Value: 97, Threshold: 90, Unit: "%",
					Evidence: []governance.Evidence{{Time: t0, Value: 97, Unit: "%"}, {Time: t0, Value: 98, Unit: "%"}}}
				if _, err := appendLog(tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogQueryByAddin: one add-in's entries out of 20,000, through the index.
func BenchmarkLogQueryByAddin(b *testing.B) {
	db, _ := openTestDB(b)
	seedBenchLog(b, db, 20000, 100)
	b.ResetTimer()
	for range b.N {
		es, _, err := db.Log(LogQuery{AddinID: "addin-042"})
		if err != nil || len(es) != 200 {
			b.Fatalf("%d entries, %v", len(es), err)
		}
	}
}

// BenchmarkLogQueryFullScan is the comparison: the same 200 entries selected by a filter
// without an index, which reads all 20,000.
func BenchmarkLogQueryFullScan(b *testing.B) {
	db, _ := openTestDB(b)
	seedBenchLog(b, db, 20000, 100)
	b.ResetTimer()
	for range b.N {
		es, _, err := db.Log(LogQuery{Action: ActionDisable})
		if err != nil || len(es) != 200 {
			b.Fatalf("%d entries, %v", len(es), err)
		}
	}
}

// BenchmarkAppendLogParallel shows the group commit sharing fsyncs among concurrent
// writers (wall time per append, the inverse of throughput).
func BenchmarkAppendLogParallel(b *testing.B) {
	for _, writers := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("writers=%dxGOMAXPROCS", writers), func(b *testing.B) {
			db, _ := openTestDB(b)
			b.SetParallelism(writers)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := db.AppendLog(LogEntry{AddinID: "x", Action: "x"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkLogSinceHour: the last hour of a 1,000,000-entry log (one entry every 3.6 s,
// so 1,000 in range), as `addingov log --since 1h` asks for it.
func BenchmarkLogSinceHour(b *testing.B) {
	db, _ := openTestDB(b)
	const total, every = 1_000_000, 3600 * time.Millisecond
	end := t0.Add(total * every)
	batch := make([]LogEntry, 0, 10_000)
	for i := range total {
		batch = append(batch, LogEntry{Time: t0.Add(time.Duration(i) * every), AddinID: fmt.Sprintf("addin-%03d", i%100),
			Action: ActionExempt, Reason: "cpu", Value: 97, Threshold: 90, Unit: "%"})
		if len(batch) == cap(batch) {
			if _, err := db.AppendLogBulk(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.ResetTimer()
	for b.Loop() {
		es, _, err := db.Log(LogQuery{Since: end.Add(-time.Hour)})
		if err != nil || len(es) != 1000 {
			b.Fatalf("%d entries, %v", len(es), err)
		}
	}
}

// checkBenchFile is a state file with a million log entries (and their index), written
// once per process for BenchmarkCheckFile.
var checkBenchFile struct {
	once sync.Once
	path string
}

// BenchmarkCheckFile measures the start-up check on a state file of a million log
// entries: the page walk alone, and the walk plus bbolt's Tx.Check in a child process
// (what Open runs).
func BenchmarkCheckFile(b *testing.B) {
	checkBenchFile.once.Do(func() {
		dir, err := os.MkdirTemp("", "addingov-bench-check")
		if err != nil {
			b.Fatal(err)
		}
		checkBenchFile.path = filepath.Join(dir, FileName)
		db, err := Open(checkBenchFile.path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		seedBenchLog(b, db, 1_000_000, 100)
		db.Close()
	})
	fi, err := os.Stat(checkBenchFile.path)
	if err != nil {
		b.Fatal(err)
	}
	for _, child := range []bool{false, true} {
		name := "walk"
		if child {
			name = "walk+bbolt-check-in-child"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportMetric(float64(fi.Size())/(1<<20), "MiB")
			for range b.N {
				d, err := CheckFile(checkBenchFile.path, CheckOptions{NoChild: !child})
				if err != nil || !d.Healthy {
					b.Fatalf("%+v %v", d, err)
				}
			}
		})
	}
}
