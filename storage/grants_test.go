package storage

import (
	"fmt"
	"strings"
	"testing"
)

func TestGrants(t *testing.T) {
	db, _ := openTestDB(t)
	puts := []GrantRecord{
		{"sp-b", "2", []byte(`{"n":1}`)},
		{"sp-a", "z", []byte(`{"n":2}`)},
		{"sp-b", "1", []byte(`{"n":3}`)},
		{"sp-a", "a", nil},
		{"sp-b", "2", []byte(`{"n":4}`)}, // replaces the first
	}
	for _, g := range puts {
		if err := db.PutGrant(g.AddinID, g.GrantID, g.Data); err != nil {
			t.Fatalf("PutGrant(%s, %s): %v", g.AddinID, g.GrantID, err)
		}
	}
	str := func(gs []GrantRecord) string {
		var parts []string
		for _, g := range gs {
			parts = append(parts, fmt.Sprintf("%s/%s=%s", g.AddinID, g.GrantID, g.Data))
		}
		return strings.Join(parts, " ")
	}
	tests := []struct {
		name string
		get  func() ([]GrantRecord, error)
		want string
	}{
		{"one add-in, by grant id", func() ([]GrantRecord, error) { return db.Grants("sp-b") }, `sp-b/1={"n":3} sp-b/2={"n":4}`},
		{"empty data", func() ([]GrantRecord, error) { return db.Grants("sp-a") }, `sp-a/a= sp-a/z={"n":2}`},
		{"unknown add-in", func() ([]GrantRecord, error) { return db.Grants("none") }, ``},
		{"all, by add-in then grant", db.AllGrants, `sp-a/a= sp-a/z={"n":2} sp-b/1={"n":3} sp-b/2={"n":4}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs, err := tt.get()
			if err != nil {
				t.Fatal(err)
			}
			if got := str(gs); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}

	t.Run("delete", func(t *testing.T) {
		for _, d := range [][2]string{{"sp-b", "1"}, {"sp-b", "1"}, {"nobody", "x"}} {
			if err := db.DeleteGrant(d[0], d[1]); err != nil {
				t.Errorf("DeleteGrant(%s, %s): %v (a missing grant is not an error)", d[0], d[1], err)
			}
		}
		if got, _ := db.AllGrants(); str(got) != `sp-a/a= sp-a/z={"n":2} sp-b/2={"n":4}` {
			t.Errorf("after delete: %s", str(got))
		}
		db.DeleteGrant("sp-b", "2")
		for _, k := range rawKeys(t, db, bucketGrants) {
			if k == "sp-b" {
				t.Error("an add-in's grants bucket outlived its last grant")
			}
		}
	})

	t.Run("no aliasing", func(t *testing.T) {
		in := []byte(`{"v":"orig"}`)
		db.PutGrant("alias", "g", in)
		copy(in, "XXXXXXXX")
		out, _ := db.Grants("alias")
		if string(out[0].Data) != `{"v":"orig"}` {
			t.Fatalf("changing the input changed the stored grant: %s", out[0].Data)
		}
		out[0].Data[0] = 'Y'
		again, _ := db.Grants("alias")
		if string(again[0].Data) != `{"v":"orig"}` {
			t.Errorf("changing a returned grant changed the stored one: %s", again[0].Data)
		}
	})

	t.Run("bad ids", func(t *testing.T) {
		for _, ids := range [][2]string{{"", "g"}, {"a", ""}, {strings.Repeat("a", 2000), "g"}} {
			if err := db.PutGrant(ids[0], ids[1], nil); err == nil {
				t.Errorf("PutGrant(%.10q, %q) accepted", ids[0], ids[1])
			}
			if err := db.DeleteGrant(ids[0], ids[1]); err == nil {
				t.Errorf("DeleteGrant(%.10q, %q) accepted", ids[0], ids[1])
			}
		}
		if _, err := db.Grants(""); err == nil {
			t.Error("Grants(\"\") accepted")
		}
	})
}
