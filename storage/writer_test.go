package storage

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"addingov/governance"
)

// The helper process of the durability test (durability_unix_test.go): when
// writerEnv names a database, the test binary writes numbered records into it, printing
// "ack N" after each acknowledged write, until killed or writerMax records.
// With writersEnv set to n > 1, n goroutines write concurrently (records numbered in
// the order they are taken, acknowledged in any order) and a "groups G writes W" line
// follows every 64th ack.
const (
	writerEnv  = "ADDINGOV_STORAGE_TEST_WRITER_DB"
	writersEnv = "ADDINGOV_STORAGE_TEST_WRITERS"
	writerMax  = 1_000_000
)

func TestMain(m *testing.M) {
	if path := os.Getenv(writerEnv); path != "" {
		os.Exit(runWriter(path))
	}
	os.Exit(m.Run())
}

// runWriter is the helper process's body.
func runWriter(path string) int {
	db, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	if n, _ := strconv.Atoi(os.Getenv(writersEnv)); n > 1 {
		return runWriters(db, out, n)
	}
	for i := 1; i <= writerMax; i++ {
		if err := writeRecord(db, i); err != nil {
			fmt.Fprintf(os.Stderr, "record %d: %v\n", i, err)
			return 1
		}
		// One write(2) per ack, flushed only after the record was acknowledged.
		fmt.Fprintf(out, "ack %d\n", i)
		if err := out.Flush(); err != nil {
			return 1
		}
	}
	return 0
}

// runWriters is the concurrent writer: n goroutines share the record numbers.
func runWriters(db *DB, out *bufio.Writer, n int) int {
	var next atomic.Int64
	var mu sync.Mutex
	var acked int
	var wg sync.WaitGroup
	failed := make(chan int, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > writerMax {
					return
				}
				if err := writeRecord(db, i); err != nil {
					fmt.Fprintf(os.Stderr, "record %d: %v\n", i, err)
					failed <- 1
					return
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d\n", i)
				if acked++; acked%64 == 0 {
					g, w := db.CommitStats()
					fmt.Fprintf(out, "groups %d writes %d\n", g, w)
				}
				err := out.Flush()
				mu.Unlock()
				if err != nil {
					failed <- 1
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		return 1
	}
	return 0
}

// writeRecord writes record i; the kind of write rotates through the write paths.
func writeRecord(db *DB, i int) error {
	at := t0.Add(time.Duration(i) * time.Second)
	switch i % 4 {
	case 0:
		return db.PutAddin(Addin{ID: fmt.Sprintf("addin-%07d", i), Name: fmt.Sprint(i), Since: at})
	case 1:
		_, err := db.AppendLog(LogEntry{Time: at, AddinID: "logged", Action: "install", Detail: fmt.Sprint(i)})
		return err
	case 2:
		_, err := db.AppendNotice(Notice{Time: at, Title: fmt.Sprint(i), Text: "record"})
		return err
	default:
		id := fmt.Sprintf("decided-%07d", i)
		_, _, err := db.ApplyDecision(governance.Decision{AddinID: id, Action: governance.ActionDisable, Reason: governance.MetricCPU, Time: at},
			[]governance.Strike{strike(id, at, float64(i))}, &Notice{Title: "decision " + fmt.Sprint(i), Text: "off"})
		return err
	}
}

// checkRecord asserts that record i, as writeRecord wrote it, is in db.
func checkRecord(t *testing.T, db *DB, i int, logged map[string]bool, noticed map[string]bool) {
	t.Helper()
	switch i % 4 {
	case 0:
		a, err := db.Addin(fmt.Sprintf("addin-%07d", i))
		if err != nil || a.Name != fmt.Sprint(i) {
			t.Errorf("acknowledged add-in record %d: %+v, %v", i, a, err)
		}
	case 1:
		if !logged[fmt.Sprint(i)] {
			t.Errorf("acknowledged log entry %d is missing", i)
		}
	case 2:
		if !noticed[fmt.Sprint(i)] {
			t.Errorf("acknowledged notice %d is missing", i)
		}
	default:
		id := fmt.Sprintf("decided-%07d", i)
		a, err := db.Addin(id)
		if err != nil || a.State != governance.StateDisabled {
			t.Errorf("acknowledged decision %d: add-in %+v, %v", i, a, err)
		}
		ss, err := db.Strikes(id, time.Time{})
		if err != nil || len(ss) != 1 {
			t.Errorf("acknowledged decision %d: strikes %v, %v", i, ss, err)
		}
		if es, _, err := db.Log(LogQuery{AddinID: id}); err != nil || len(es) != 1 || es[0].Action != ActionDisable {
			t.Errorf("acknowledged decision %d: log %+v, %v", i, es, err)
		}
		if !noticed["decision "+fmt.Sprint(i)] {
			t.Errorf("acknowledged decision %d: notice missing", i)
		}
	}
}
