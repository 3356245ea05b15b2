package storage_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"addingov/governance"
	"addingov/storage"
)

// A decision is stored in one transaction; the disable log then answers per add-in,
// a page at a time.
func Example() {
	dir, err := os.MkdirTemp("", "addingov-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	db, err := storage.Open(filepath.Join(dir, "addingov.db"), storage.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	db.PutAddin(storage.Addin{ID: "contoso", Name: "Contoso CRM", Scope: storage.ScopeMachine})
	for i := range 3 {
		d := governance.Decision{AddinID: "contoso", Action: governance.ActionDisable, Reason: governance.MetricActivation,
			Time: at.Add(time.Duration(i) * time.Hour), Value: 1500 + float64(i), Threshold: 1000, Unit: "ms"}
		if _, _, err := db.ApplyDecision(d, nil, &storage.Notice{Title: "Contoso CRM was turned off"}); err != nil {
			fmt.Println(err)
			return
		}
	}

	q := storage.LogQuery{AddinID: "contoso", Limit: 2}
	for page := 1; ; page++ {
		entries, next, err := db.Log(q)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, e := range entries {
			fmt.Printf("page %d: %s %s %s %.0f%s > %.0f%s\n", page, e.Time.Format("15:04"), e.Action, e.Reason, e.Value, e.Unit, e.Threshold, e.Unit)
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	a, _ := db.Addin("contoso")
	last, _ := db.LastNoticeSeq()
	fmt.Println(a.Name, "is", a.State, "by", a.By, "-", last, "notices")
	// Output:
	// page 1: 09:00 disable activation 1500ms > 1000ms
	// page 1: 10:00 disable activation 1501ms > 1000ms
	// page 2: 11:00 disable activation 1502ms > 1000ms
	// Contoso CRM is disabled by governance - 3 notices
}
