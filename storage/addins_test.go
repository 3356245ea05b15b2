package storage

import (
	"errors"
	"strings"
	"testing"

	"addingov/governance"
)

func TestPutAndReadAddin(t *testing.T) {
	db, _ := openTestDB(t)
	full := Addin{ID: "{8D2A8A6B-0000-4B5C-9F0A-1A2B3C4D5E6F}", Name: "Contoso CRM", Version: "1.0.0.0", Provider: "Contoso",
		Kind: "mail", Permission: "ReadWriteMailbox", State: governance.StateDisabled, StateReason: "cpu: used 97%",
		Since: t0, By: "governance", Scope: ScopeMachine, Owner: "", ManifestDigest: "sha256:00", Manifest: []byte("<OfficeApp/>")}
	tests := []struct {
		name string
		in   Addin
		want Addin
	}{
		{"every field", full, full},
		{"state defaults to enabled", Addin{ID: "bare"}, Addin{ID: "bare", State: governance.StateEnabled}},
		{"replace", Addin{ID: "bare", Name: "Bare 2", State: governance.StateBlocked, Scope: ScopeUser, Owner: "1000"},
			Addin{ID: "bare", Name: "Bare 2", State: governance.StateBlocked, Scope: ScopeUser, Owner: "1000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.PutAddin(tt.in); err != nil {
				t.Fatalf("PutAddin: %v", err)
			}
			got, err := db.Addin(tt.in.ID)
			if err != nil {
				t.Fatalf("Addin: %v", err)
			}
			if !addinEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	// The returned manifest is the caller's to change.
	got, _ := db.Addin(full.ID)
	got.Manifest[0] = 'X'
	again, _ := db.Addin(full.ID)
	if string(again.Manifest) != "<OfficeApp/>" {
		t.Errorf("changing a returned manifest changed the stored one: %q", again.Manifest)
	}
}

func TestPutAddinRejectsBadInput(t *testing.T) {
	db, _ := openTestDB(t)
	tests := []struct {
		name string
		in   Addin
		want string
	}{
		{"empty id", Addin{Name: "x"}, "add-in id is empty"},
		{"huge id", Addin{ID: strings.Repeat("x", maxIDLen+1)}, "the limit is 1024"},
		{"unknown state", Addin{ID: "a", State: "paused"}, `unknown state "paused": use enabled, disabled or blocked`},
		{"unknown scope", Addin{ID: "a", Scope: "global"}, `unknown scope "global": use user or machine`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.PutAddin(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("PutAddin = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if as, err := db.Addins(); err != nil || len(as) != 0 {
		t.Errorf("rejected add-ins were stored: %+v, %v", as, err)
	}
}

func TestAddinsSortedAndNotFound(t *testing.T) {
	db, _ := openTestDB(t)
	for _, id := range []string{"zeta", "alpha", "Mid", "beta"} {
		if err := db.PutAddin(Addin{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	as, err := db.Addins()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	if strings.Join(ids, ",") != "Mid,alpha,beta,zeta" {
		t.Errorf("Addins order = %v, want byte order", ids)
	}
	tests := []struct {
		name, id string
		is       error
	}{
		{"unknown", "nope", ErrNotFound},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.Addin(tt.id)
			if err == nil {
				t.Fatal("Addin succeeded")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Addin(%q) = %v, want %v", tt.id, err, tt.is)
			}
			if tt.is == nil && errors.Is(err, ErrNotFound) {
				t.Errorf("Addin(%q) = %v: bad input is not 'not found'", tt.id, err)
			}
		})
	}
}

func TestDeleteAddinRemovesStrikesAndGrantsKeepsLog(t *testing.T) {
	db, _ := openTestDB(t)
	for _, id := range []string{"gone", "kept"} {
		if err := db.PutAddin(Addin{ID: id}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddStrikes([]governance.Strike{strike(id, t0, 99)}); err != nil {
			t.Fatal(err)
		}
		if err := db.PutGrant(id, "g", []byte("{}")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AppendLog(LogEntry{AddinID: id, Action: "install"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteAddin("gone"); err != nil {
		t.Fatalf("DeleteAddin: %v", err)
	}
	if _, err := db.Addin("gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted add-in still readable: %v", err)
	}
	if ss, _ := db.Strikes("gone", t0.Add(-1)); len(ss) != 0 {
		t.Errorf("strikes of a deleted add-in: %+v", ss)
	}
	if gs, _ := db.Grants("gone"); len(gs) != 0 {
		t.Errorf("grants of a deleted add-in: %+v", gs)
	}
	if es, _, _ := db.Log(LogQuery{AddinID: "gone"}); len(es) != 1 {
		t.Errorf("log of a deleted add-in = %+v, want its entry kept", es)
	}
	if ss, _ := db.Strikes("kept", t0.Add(-1)); len(ss) != 1 {
		t.Errorf("deleting one add-in touched another's strikes: %+v", ss)
	}
	if gs, _ := db.Grants("kept"); len(gs) != 1 {
		t.Errorf("deleting one add-in touched another's grants: %+v", gs)
	}
	if err := db.DeleteAddin("gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice = %v, want ErrNotFound", err)
	}
	if err := db.DeleteAddin(""); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteAddin(\"\") = %v, want a bad-input error", err)
	}
}
