package storage

import (
	"errors"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestBindingsRoundTripAndReplace(t *testing.T) {
	db, _ := openTestDB(t)
	if bs, err := db.Bindings(); err != nil || len(bs) != 0 {
		t.Fatalf("a new database has bindings %v, %v", bs, err)
	}
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	want := []Binding{
		{AddinID: "a", PID: 7, CreateTime: 1700000000123, BoundAt: at},
		{AddinID: "a", PID: 300, CreateTime: 1700000000999, BoundAt: at, ActivationID: "act-1-x", ActivationReady: true, ActivationStarted: at},
		{AddinID: "b", PID: 42, CreateTime: 5, BoundAt: at},
	}
	if err := db.ReplaceBindings([]Binding{want[2], want[1], want[0]}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Bindings()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("bindings\n got %+v\nwant %+v", got, want)
	}
	// A replacement drops what it does not list.
	if err := db.ReplaceBindings(want[2:]); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Bindings(); !reflect.DeepEqual(got, want[2:]) {
		t.Fatalf("after replace: %+v", got)
	}
	for _, bad := range []Binding{{AddinID: "", PID: 1}, {AddinID: "a", PID: 0}, {AddinID: "a", PID: -3}} {
		if err := db.ReplaceBindings([]Binding{bad}); err == nil {
			t.Errorf("ReplaceBindings(%+v) succeeded", bad)
		}
	}
	if got, _ := db.Bindings(); !reflect.DeepEqual(got, want[2:]) {
		t.Fatalf("a refused replacement changed the bindings: %+v", got)
	}
}

// An unreadable record is reported and skipped; the others still come back.
func TestBindingsSkipUnreadable(t *testing.T) {
	db, _ := openTestDB(t)
	if err := db.ReplaceBindings([]Binding{{AddinID: "good", PID: 9, CreateTime: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		sub, err := tx.Bucket([]byte(bucketBindings)).CreateBucketIfNotExists([]byte("bad"))
		if err != nil {
			return err
		}
		return sub.Put(pidKey(3), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Bindings()
	if err == nil {
		t.Fatal("no error for an unreadable binding")
	}
	if len(got) != 1 || got[0].AddinID != "good" {
		t.Fatalf("the readable binding was not returned: %+v", got)
	}
}

func TestPolicySeen(t *testing.T) {
	db, _ := openTestDB(t)
	if _, err := db.PolicySeen(); !errors.Is(err, ErrNoPolicySeen) {
		t.Fatalf("new database: %v, want ErrNoPolicySeen", err)
	}
	want := PolicySeen{Values: map[string]string{"CPUPercent": "50"}, Blocked: []string{"x", "y"}}
	if err := db.PutPolicySeen(want); err != nil {
		t.Fatal(err)
	}
	got, err := db.PolicySeen()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("PolicySeen = %+v, %v; want %+v", got, err, want)
	}
}
