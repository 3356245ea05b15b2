package permissions

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestParseDocumentTier(t *testing.T) {
	tests := []struct {
		in   string
		want DocumentTier
	}{
		{"Restricted", DocRestricted},
		{"ReadDocument", DocReadDocument},
		{"read document", DocReadDocument},
		{"ReadAllDocument", DocReadAllDocument},
		{"readalldocument", DocReadAllDocument},
		{"read all document", DocReadAllDocument},
		{"WriteDocument", DocWriteDocument},
		{"ReadWriteDocument", DocReadWriteDocument},
		{"read/write document", DocReadWriteDocument},
		{"Document.Restricted.User", DocRestricted},
		{"Document.Read.User", DocReadDocument},
		{"Document.ReadAll.User", DocReadAllDocument},
		{"Document.Write.User", DocWriteDocument},
		{"Document.ReadWrite.User", DocReadWriteDocument},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDocumentTier(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("ParseDocumentTier(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "ReadItem", "Write", "ReadWriteDocuments"} {
		t.Run("invalid "+bad, func(t *testing.T) {
			_, err := ParseDocumentTier(bad)
			if err == nil || !strings.Contains(err.Error(), "ReadAllDocument") {
				t.Fatalf("ParseDocumentTier(%q) error = %v, want one listing the valid names", bad, err)
			}
		})
	}
}

// The lattice, written out from Microsoft's table: who includes whom.
func TestDocumentTierIncludes(t *testing.T) {
	R, RD, RA, W, RW := DocRestricted, DocReadDocument, DocReadAllDocument, DocWriteDocument, DocReadWriteDocument
	includes := map[DocumentTier][]DocumentTier{
		R:  {R},
		RD: {R, RD},
		RA: {R, RD, RA},
		W:  {R, W},
		RW: {R, RD, RA, W, RW},
	}
	for _, a := range DocumentTiers {
		for _, b := range DocumentTiers {
			want := false
			for _, x := range includes[a] {
				want = want || x == b
			}
			t.Run(a.String()+"/"+b.String(), func(t *testing.T) {
				if got := a.Includes(b); got != want {
					t.Fatalf("%v.Includes(%v) = %v, want %v", a, b, got, want)
				}
			})
		}
	}
}

func TestDocumentJoinMeet(t *testing.T) {
	tests := []struct {
		a, b       DocumentTier
		join, meet DocumentTier
	}{
		{DocReadDocument, DocWriteDocument, DocReadWriteDocument, DocRestricted},
		{DocReadAllDocument, DocWriteDocument, DocReadWriteDocument, DocRestricted},
		{DocReadDocument, DocReadAllDocument, DocReadAllDocument, DocReadDocument},
		{DocRestricted, DocWriteDocument, DocWriteDocument, DocRestricted},
		{DocReadWriteDocument, DocReadAllDocument, DocReadWriteDocument, DocReadAllDocument},
		{DocWriteDocument, DocWriteDocument, DocWriteDocument, DocWriteDocument},
	}
	for _, tc := range tests {
		t.Run(tc.a.String()+"/"+tc.b.String(), func(t *testing.T) {
			if got := Join(tc.a, tc.b); got != tc.join {
				t.Errorf("Join = %v, want %v", got, tc.join)
			}
			if got := Meet(tc.a, tc.b); got != tc.meet {
				t.Errorf("Meet = %v, want %v", got, tc.meet)
			}
		})
	}
}

// Join and Meet must be a lattice's: commutative, idempotent, absorbing, and agree with
// Includes.
func TestDocumentLatticeLaws(t *testing.T) {
	for _, a := range DocumentTiers {
		for _, b := range DocumentTiers {
			t.Run(a.String()+"/"+b.String(), func(t *testing.T) {
				j, m := Join(a, b), Meet(a, b)
				if j != Join(b, a) || m != Meet(b, a) {
					t.Error("not commutative")
				}
				if Join(a, Meet(a, b)) != a || Meet(a, Join(a, b)) != a {
					t.Error("absorption fails")
				}
				if !j.Includes(a) || !j.Includes(b) || !a.Includes(m) || !b.Includes(m) {
					t.Errorf("join %v or meet %v is not a bound", j, m)
				}
				if a.Includes(b) != (Join(a, b) == a) {
					t.Error("Includes disagrees with Join")
				}
				for _, c := range DocumentTiers {
					if c.Includes(a) && c.Includes(b) && !c.Includes(j) {
						t.Errorf("%v is an upper bound below the join %v", c, j)
					}
					if a.Includes(c) && b.Includes(c) && !m.Includes(c) {
						t.Errorf("%v is a lower bound above the meet %v", c, m)
					}
				}
			})
		}
		if Join(a, a) != a || Meet(a, a) != a {
			t.Errorf("%v: not idempotent", a)
		}
	}
}

// The real task pane manifests' and unified manifests' levels must all parse.
func TestParseDocumentTierCorpus(t *testing.T) {
	for _, f := range corpusFiles(t, "taskpane", "*.xml") {
		t.Run(f, func(t *testing.T) {
			level, ok := corpusPermission(t, f)
			if !ok {
				level = "Restricted" // Microsoft's default when the element is absent
			}
			if _, err := ParseDocumentTier(level); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, f := range corpusFiles(t, "unified", "*.json") {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				Authorization struct {
					Permissions struct {
						ResourceSpecific []struct{ Name string } `json:"resourceSpecific"`
					} `json:"permissions"`
				} `json:"authorization"`
			}
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			names := m.Authorization.Permissions.ResourceSpecific
			if len(names) == 0 {
				t.Fatal("no resourceSpecific permissions found")
			}
			for _, n := range names {
				_, errMail := ParseMailTier(n.Name)
				_, errDoc := ParseDocumentTier(n.Name)
				if errMail != nil && errDoc != nil {
					t.Errorf("%q parses as neither a mail nor a document level", n.Name)
				}
			}
		})
	}
}
