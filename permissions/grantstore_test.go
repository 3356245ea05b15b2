package permissions

import (
	"bytes"
	"testing"
)

func TestMemoryGrantStore(t *testing.T) {
	s := NewMemoryGrantStore()
	data := []byte(`{"x":1}`)
	for _, k := range [][2]string{{"b", "2"}, {"a", "9"}, {"a", "1"}} {
		if err := s.PutGrant(k[0], k[1], data); err != nil {
			t.Fatal(err)
		}
	}
	data[0] = 'X' // the store must have copied
	t.Run("grants of one add-in, ordered", func(t *testing.T) {
		recs, err := s.Grants("a")
		if err != nil || len(recs) != 2 || recs[0].GrantID != "1" || recs[1].GrantID != "9" {
			t.Fatalf("Grants(a) = %+v, %v", recs, err)
		}
		if !bytes.Equal(recs[0].Data, []byte(`{"x":1}`)) {
			t.Fatalf("data %q changed with the caller's slice", recs[0].Data)
		}
		recs[0].Data[0] = 'Y'
		again, _ := s.Grants("a")
		if again[0].Data[0] != '{' {
			t.Fatal("returned slice aliases the store")
		}
	})
	t.Run("all, ordered", func(t *testing.T) {
		recs, _ := s.AllGrants()
		var keys []string
		for _, r := range recs {
			keys = append(keys, r.AddinID+"/"+r.GrantID)
		}
		if len(keys) != 3 || keys[0] != "a/1" || keys[1] != "a/9" || keys[2] != "b/2" {
			t.Fatalf("AllGrants keys = %v", keys)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if err := s.DeleteGrant("b", "2"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteGrant("b", "2"); err != nil {
			t.Fatalf("deleting a missing grant: %v", err)
		}
		if recs, _ := s.Grants("b"); len(recs) != 0 {
			t.Fatalf("Grants(b) after delete = %+v", recs)
		}
	})
	t.Run("empty keys refused", func(t *testing.T) {
		if err := s.PutGrant("", "1", nil); err == nil {
			t.Fatal("empty add-in id accepted")
		}
		if err := s.PutGrant("a", "", nil); err == nil {
			t.Fatal("empty grant id accepted")
		}
	})
}

func TestGrantRoundTrip(t *testing.T) {
	g := Grant{ID: "g1", AddinID: "a", Scope: ScopeList, Right: RightWrite, ObjectID: "L1", BaseTemplateID: 101,
		InstalledAt: "w1", GrantedBy: "alice", GrantedAt: newTestClock().Now(), State: GrantActive, AppOnly: true, Source: SourceRegrant}
	data, err := encodeGrant(g)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeGrant(GrantRecord{AddinID: "a", GrantID: "g1", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if back != g {
		t.Fatalf("round trip: %+v != %+v", back, g)
	}
	if _, err := decodeGrant(GrantRecord{AddinID: "b", GrantID: "g1", Data: data}); err == nil {
		t.Fatal("a record under another add-in's key was accepted")
	}
	bad := bytes.Replace(data, []byte(`"active"`), []byte(`"lost"`), 1)
	if _, err := decodeGrant(GrantRecord{AddinID: "a", GrantID: "g1", Data: bad}); err == nil {
		t.Fatal("an unknown state was accepted")
	}
}
