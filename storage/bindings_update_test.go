package storage

import (
	"reflect"
	"testing"
	"time"
)

// Queued binding updates apply in queue order, each a difference to the one before,
// and together give what one replacement with the final set gives.
func TestQueueUpdateBindingsAppliesDifferencesInOrder(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	a7 := Binding{AddinID: "a", PID: 7, CreateTime: 1, BoundAt: at}
	a7act := a7
	a7act.ActivationID, a7act.ActivationStarted = "act-1-x", at
	a9 := Binding{AddinID: "a", PID: 9, CreateTime: 2, BoundAt: at}
	b5 := Binding{AddinID: "b", PID: 5, CreateTime: 3, BoundAt: at}
	tests := []struct {
		name  string
		steps [][2][]Binding // put, gone
		want  []Binding
	}{
		{"puts on an empty database", [][2][]Binding{{{a7, b5}, nil}}, []Binding{a7, b5}},
		{"a later put replaces an earlier one", [][2][]Binding{{{a7}, nil}, {{a7act}, nil}}, []Binding{a7act}},
		{"gone removes only its pid", [][2][]Binding{{{a7, a9, b5}, nil}, {nil, {a9}}}, []Binding{a7, b5}},
		{"the last pid of an add-in gone", [][2][]Binding{{{a7, b5}, nil}, {nil, {b5}}}, []Binding{a7}},
		{"gone before put in one update", [][2][]Binding{{{a7}, nil}, {{a7act}, {a7}}}, []Binding{a7act}},
		{"gone of what was never stored", [][2][]Binding{{nil, {a9, b5}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := openTestDB(t)
			var ps []*Pending
			for _, s := range tc.steps {
				ps = append(ps, db.QueueUpdateBindings(s[0], s[1]))
			}
			for i, p := range ps {
				if err := p.Wait(); err != nil {
					t.Fatalf("update %d: %v", i, err)
				}
			}
			got, err := db.Bindings()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("bindings\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// An update with a binding that cannot be stored is refused whole, before it is queued.
func TestQueueUpdateBindingsRefusesBadBindings(t *testing.T) {
	db, _ := openTestDB(t)
	good := Binding{AddinID: "a", PID: 7, CreateTime: 1}
	for _, bad := range [][2][]Binding{
		{{good, {AddinID: "a", PID: 0}}, nil},
		{{good, {AddinID: "", PID: 3}}, nil},
		{{good}, {{AddinID: "", PID: 3}}},
	} {
		if err := db.QueueUpdateBindings(bad[0], bad[1]).Wait(); err == nil {
			t.Errorf("update %+v succeeded", bad)
		}
	}
	if got, _ := db.Bindings(); len(got) != 0 {
		t.Fatalf("a refused update stored %+v", got)
	}
}
