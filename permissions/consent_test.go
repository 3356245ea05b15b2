package permissions

import (
	"errors"
	"strings"
	"testing"
)

// site is the install location the consent tests use: web w1 in site collection s1.
var site = Location{ScopeWeb: "w1", ScopeSiteCollection: "s1"}

func owner() []Holding {
	return []Holding{{Scope: ScopeSiteCollection, Right: RightFullControl, ObjectID: "s1"}}
}

func consentReq(reqs ...Request) ConsentRequest {
	return ConsentRequest{AddinID: "addin-1", Requests: reqs, User: "alice", UserRights: owner(), InstalledAt: "w1", Location: site}
}

func newTestGrants(t *testing.T) (*Grants, *MemoryGrantStore) {
	t.Helper()
	store := NewMemoryGrantStore()
	return NewGrants(store, WithClock(newTestClock())), store
}

func hasRule(refusals []Refusal, rule string) bool {
	for _, r := range refusals {
		if r.Rule == rule {
			return true
		}
	}
	return false
}

func TestConsent_GrantIsAllOrNothing(t *testing.T) {
	tests := []struct {
		name        string
		user        []Holding
		wantGranted int
	}{
		{"user holds both", owner(), 2},
		{"user holds one of two", []Holding{{Scope: ScopeWeb, Right: RightRead, ObjectID: "w1"}}, 0},
		{"user holds neither", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, store := newTestGrants(t)
			req := consentReq(Request{Scope: string(ScopeWeb), Right: "Read"}, Request{Scope: string(ScopeTaxonomy), Right: "Read"})
			req.UserRights = tc.user
			if tc.wantGranted > 0 {
				req.UserRights = append(req.UserRights, Holding{Scope: ScopeTaxonomy, Right: RightWrite})
			}
			res, err := g.Consent(req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Granted) != tc.wantGranted {
				t.Fatalf("granted %d, want %d (refusals %v)", len(res.Granted), tc.wantGranted, res.Refusals)
			}
			stored, _ := store.AllGrants()
			if len(stored) != tc.wantGranted {
				t.Fatalf("stored %d grants, want %d", len(stored), tc.wantGranted)
			}
			if tc.wantGranted == 0 && (res.OK() || !hasRule(res.Refusals, RuleUserCannotGrantMoreThanHeld)) {
				t.Fatalf("refusal not reported: %+v", res)
			}
		})
	}
	t.Run("failing store leaves nothing behind", func(t *testing.T) {
		store := &failingStore{MemoryGrantStore: NewMemoryGrantStore(), failOnPut: 2}
		g := NewGrants(store, WithClock(newTestClock()))
		res, err := g.Consent(consentReq(Request{Scope: string(ScopeWeb), Right: "Read"}, Request{Scope: string(ScopeSiteCollection), Right: "Read"}))
		if err == nil || !strings.Contains(err.Error(), "nothing was granted") {
			t.Fatalf("err = %v, result %+v", err, res)
		}
		if left, _ := store.AllGrants(); len(left) != 0 {
			t.Fatalf("%d grants left after a failed consent", len(left))
		}
	})
}

func TestConsent_UserCannotGrantMoreThanHeld(t *testing.T) {
	tests := []struct {
		name string
		user []Holding
		req  Request
		ok   bool
	}{
		{"same right", []Holding{{Scope: ScopeWeb, Right: RightWrite}}, Request{Scope: string(ScopeWeb), Right: "Write"}, true},
		{"higher right", []Holding{{Scope: ScopeWeb, Right: RightManage}}, Request{Scope: string(ScopeWeb), Right: "Write"}, true},
		{"lower right", []Holding{{Scope: ScopeWeb, Right: RightRead}}, Request{Scope: string(ScopeWeb), Right: "Write"}, false},
		{"held at parent", []Holding{{Scope: ScopeSiteCollection, Right: RightWrite, ObjectID: "s1"}}, Request{Scope: string(ScopeWeb), Right: "Write"}, true},
		{"held on another site collection", []Holding{{Scope: ScopeSiteCollection, Right: RightFullControl, ObjectID: "s2"}}, Request{Scope: string(ScopeWeb), Right: "Read"}, false},
		{"held only below", []Holding{{Scope: ScopeWeb, Right: RightFullControl}}, Request{Scope: string(ScopeTenant), Right: "Read"}, false},
		{"other feature", []Holding{{Scope: ScopeTenant, Right: RightFullControl}}, Request{Scope: string(ScopeSearch), Right: "QueryAsUserIgnoreAppPrincipal"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := consentReq(tc.req)
			req.UserRights = tc.user
			res := EvaluateConsent(req, SourceInstall, newTestClock().Now())
			if res.OK() != tc.ok {
				t.Fatalf("OK = %v, want %v (%v)", res.OK(), tc.ok, res.Refusals)
			}
			if !tc.ok && !hasRule(res.Refusals, RuleUserCannotGrantMoreThanHeld) {
				t.Fatalf("refusals %v do not name %s", res.Refusals, RuleUserCannotGrantMoreThanHeld)
			}
		})
	}
}

func TestConsent_UnknownPermissionsIgnored(t *testing.T) {
	g, _ := newTestGrants(t)
	reqs := []Request{
		{Scope: string(ScopeWeb), Right: "Read"},
		{Scope: "http://sharepoint/content/farm", Right: "Read"},
		{Scope: string(ScopeTaxonomy), Right: "FullControl"},
		{Scope: string(ScopeWeb), Right: "Owner"},
		{Scope: string(ScopeWeb), Right: "Read", Properties: map[string]string{"BaseTemplateId": "101"}},
		{Scope: string(ScopeList), Right: "Read", Properties: map[string]string{"BaseTemplateId": "abc"}},
	}
	// The user holds none of the unknown ones: if they were asked for, consent would fail.
	res, err := g.Consent(consentReq(reqs...))
	if err != nil || !res.OK() {
		t.Fatalf("consent failed: %v %v", err, res.Refusals)
	}
	if len(res.Granted) != 1 || res.Granted[0].Scope != ScopeWeb || res.Granted[0].Right != RightRead {
		t.Fatalf("granted %+v, want only Read at web", res.Granted)
	}
	wantReasons := []string{"unknown scope", "right not allowed", "right not allowed", "applies only to the list scope", "not an integer"}
	if len(res.Ignored) != len(wantReasons) {
		t.Fatalf("ignored %d, want %d: %+v", len(res.Ignored), len(wantReasons), res.Ignored)
	}
	for i, want := range wantReasons {
		if !strings.Contains(res.Ignored[i].Reason, want) {
			t.Errorf("ignored[%d] reason %q, want it to mention %q", i, res.Ignored[i].Reason, want)
		}
	}
}

func TestConsent_StoreAddinNoFullControl(t *testing.T) {
	tests := []struct {
		name  string
		store bool
		right string
		ok    bool
	}{
		{"store asks FullControl", true, "FullControl", false},
		{"store asks Manage", true, "Manage", true},
		{"catalog asks FullControl", false, "FullControl", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := consentReq(Request{Scope: string(ScopeWeb), Right: tc.right})
			req.StoreDistributed = tc.store
			res := EvaluateConsent(req, SourceInstall, newTestClock().Now())
			if res.OK() != tc.ok {
				t.Fatalf("OK = %v, want %v: %v", res.OK(), tc.ok, res.Refusals)
			}
			if !tc.ok && (!hasRule(res.Refusals, RuleStoreAddinNoFullControl) || len(res.Granted) != 0) {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

func TestConsent_ListScopeOneChosenList(t *testing.T) {
	withTemplate := Request{Scope: string(ScopeList), Right: "Manage", Properties: map[string]string{"BaseTemplateId": "106"}}
	anyList := Request{Scope: string(ScopeList), Right: "Write"}
	tests := []struct {
		name       string
		req        Request
		choice     *ListChoice
		ok         bool
		wantObject string
	}{
		{"no choice", anyList, nil, false, ""},
		{"empty list id", anyList, &ListChoice{}, false, ""},
		{"any list chosen", anyList, &ListChoice{ListID: "L1", BaseTemplateID: 100}, true, "L1"},
		{"template matches", withTemplate, &ListChoice{ListID: "events", BaseTemplateID: 106}, true, "events"},
		{"template differs", withTemplate, &ListChoice{ListID: "docs", BaseTemplateID: 101}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := consentReq(tc.req)
			req.List = tc.choice
			res := EvaluateConsent(req, SourceInstall, newTestClock().Now())
			if res.OK() != tc.ok {
				t.Fatalf("OK = %v, want %v: %v", res.OK(), tc.ok, res.Refusals)
			}
			if !tc.ok {
				if !hasRule(res.Refusals, RuleListScopeOneChosenList) {
					t.Fatalf("refusals %v", res.Refusals)
				}
				return
			}
			if len(res.Granted) != 1 || res.Granted[0].ObjectID != tc.wantObject {
				t.Fatalf("granted %+v, want one grant on %s", res.Granted, tc.wantObject)
			}
		})
	}
	t.Run("user rights on the chosen list only", func(t *testing.T) {
		req := consentReq(anyList)
		req.UserRights = []Holding{{Scope: ScopeList, Right: RightWrite, ObjectID: "L1"}}
		req.List = &ListChoice{ListID: "L1"}
		if res := EvaluateConsent(req, SourceInstall, newTestClock().Now()); !res.OK() {
			t.Fatalf("rights on the chosen list refused: %v", res.Refusals)
		}
		req.List = &ListChoice{ListID: "L2"}
		if res := EvaluateConsent(req, SourceInstall, newTestClock().Now()); res.OK() {
			t.Fatal("rights on another list allowed the grant")
		}
	})
}

func TestConsent_RemovingAddinRevokesGrantsAtScope(t *testing.T) {
	g, _ := newTestGrants(t)
	for _, at := range []string{"w1", "w2"} {
		req := consentReq(Request{Scope: string(ScopeWeb), Right: "Read"})
		req.InstalledAt, req.Location = at, Location{ScopeWeb: at, ScopeSiteCollection: "s1"}
		if res, err := g.Consent(req); err != nil || !res.OK() {
			t.Fatalf("consent at %s: %v %v", at, err, res.Refusals)
		}
	}
	revoked, err := g.Revoke("addin-1", "w1", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(revoked) != 1 || revoked[0].ObjectID != "w1" || revoked[0].State != GrantRevoked || !strings.Contains(revoked[0].Reason, "w1") {
		t.Fatalf("revoked %+v", revoked)
	}
	active, err := g.Active("addin-1")
	if err != nil || len(active) != 1 || active[0].ObjectID != "w2" {
		t.Fatalf("active after revoke = %+v, %v; want only w2's", active, err)
	}
	all, _ := g.List("addin-1")
	if len(all) != 2 {
		t.Fatalf("history lost: %d grants listed", len(all))
	}
	if again, _ := g.Revoke("addin-1", "w1", ""); len(again) != 0 {
		t.Fatalf("revoking twice revoked %d more", len(again))
	}
}

func TestConsent_DeletingObjectDeletesGrants(t *testing.T) {
	g, store := newTestGrants(t)
	req := consentReq(Request{Scope: string(ScopeList), Right: "Read"}, Request{Scope: string(ScopeWeb), Right: "Read"})
	req.List = &ListChoice{ListID: "L1"}
	if res, err := g.Consent(req); err != nil || !res.OK() {
		t.Fatalf("consent: %v %v", err, res.Refusals)
	}
	other := consentReq(Request{Scope: string(ScopeList), Right: "Write"})
	other.AddinID, other.List = "addin-2", &ListChoice{ListID: "L1"}
	if res, err := g.Consent(other); err != nil || !res.OK() {
		t.Fatalf("consent: %v %v", err, res.Refusals)
	}
	n, err := g.Delete("L1")
	if err != nil || n != 2 {
		t.Fatalf("Delete = %d, %v; want 2", n, err)
	}
	left, _ := store.AllGrants()
	if len(left) != 1 {
		t.Fatalf("%d records left, want only the web grant", len(left))
	}
	if rest, _ := g.List("addin-1"); len(rest) != 1 || rest[0].Scope != ScopeWeb {
		t.Fatalf("left %+v", rest)
	}
	if _, err := g.Delete(""); err == nil {
		t.Fatal("Delete with no object id succeeded")
	}
}

func TestConsent_RecyclingKeepsGrants(t *testing.T) {
	g, _ := newTestGrants(t)
	req := consentReq(Request{Scope: string(ScopeList), Right: "Write"})
	req.List = &ListChoice{ListID: "L1"}
	if _, err := g.Consent(req); err != nil {
		t.Fatal(err)
	}
	n, err := g.Recycle("L1")
	if err != nil || n != 1 {
		t.Fatalf("Recycle = %d, %v", n, err)
	}
	all, _ := g.List("addin-1")
	if len(all) != 1 || all[0].State != GrantRecycled {
		t.Fatalf("after recycle: %+v", all)
	}
	active, _ := g.Active("addin-1")
	if len(active) != 0 {
		t.Fatal("a recycled grant is still active")
	}
	d := AuthorizeSharePoint(SharePointCall{Need: Permission{ScopeList, RightRead}, Location: Location{ScopeList: "L1"},
		AddinGrants: all, UserRights: owner()})
	if d.Allow {
		t.Fatalf("a recycled grant authorized a call: %+v", d)
	}
}

func TestConsent_RestoringFindsGrantsIntact(t *testing.T) {
	g, _ := newTestGrants(t)
	req := consentReq(Request{Scope: string(ScopeList), Right: "Write", Properties: map[string]string{"BaseTemplateId": "100"}})
	req.List = &ListChoice{ListID: "L1", BaseTemplateID: 100}
	res, err := g.Consent(req)
	if err != nil {
		t.Fatal(err)
	}
	before := res.Granted[0]
	if _, err := g.Recycle("L1"); err != nil {
		t.Fatal(err)
	}
	n, err := g.Restore("L1")
	if err != nil || n != 1 {
		t.Fatalf("Restore = %d, %v", n, err)
	}
	after, _ := g.Active("addin-1")
	if len(after) != 1 {
		t.Fatalf("active after restore: %+v", after)
	}
	a := after[0]
	if a.ID != before.ID || a.Right != before.Right || a.ObjectID != "L1" || a.BaseTemplateID != 100 ||
		a.GrantedBy != "alice" || !a.GrantedAt.Equal(before.GrantedAt) || a.Source != SourceInstall {
		t.Fatalf("restored grant %+v differs from %+v", a, before)
	}
	if n, _ := g.Restore("L1"); n != 0 {
		t.Fatalf("restoring again touched %d grants", n)
	}
}

func TestConsent_OnTheFlyNeedsManage(t *testing.T) {
	tests := []struct {
		name string
		user []Holding
		req  Request
		ok   bool
	}{
		{"reader asks read", []Holding{{Scope: ScopeWeb, Right: RightRead}}, Request{Scope: string(ScopeWeb), Right: "Read"}, false},
		{"writer asks read", []Holding{{Scope: ScopeWeb, Right: RightWrite}}, Request{Scope: string(ScopeWeb), Right: "Read"}, false},
		{"manager asks read", []Holding{{Scope: ScopeWeb, Right: RightManage}}, Request{Scope: string(ScopeWeb), Right: "Read"}, true},
		{"manager asks full control", []Holding{{Scope: ScopeWeb, Right: RightManage}}, Request{Scope: string(ScopeWeb), Right: "FullControl"}, false},
		{"owner of parent", []Holding{{Scope: ScopeSiteCollection, Right: RightFullControl}}, Request{Scope: string(ScopeWeb), Right: "Read"}, true},
		{"taxonomy needs its top right", []Holding{{Scope: ScopeTaxonomy, Right: RightRead}}, Request{Scope: string(ScopeTaxonomy), Right: "Read"}, false},
		{"taxonomy writer", []Holding{{Scope: ScopeTaxonomy, Right: RightWrite}}, Request{Scope: string(ScopeTaxonomy), Right: "Read"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := newTestGrants(t)
			req := ConsentRequest{AddinID: "webapp", Requests: []Request{tc.req}, User: "bob", UserRights: tc.user, Location: site}
			res, err := g.OnTheFly(req)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK() != tc.ok {
				t.Fatalf("OK = %v, want %v: %v", res.OK(), tc.ok, res.Refusals)
			}
			if !tc.ok {
				if !hasRule(res.Refusals, RuleOnTheFlyNeedsManage) {
					t.Fatalf("refusals %v", res.Refusals)
				}
				return
			}
			stored, _ := g.List("webapp")
			if len(stored) != 1 || stored[0].Source != SourceOnTheFly || stored[0].GrantedBy != "bob" || stored[0].State != GrantActive {
				t.Fatalf("stored %+v", stored)
			}
		})
	}
}

func TestConsent_RegrantReissuesAndKeepsHistory(t *testing.T) {
	g, _ := newTestGrants(t)
	first, err := g.Consent(consentReq(Request{Scope: string(ScopeWeb), Right: "Read"}))
	if err != nil || !first.OK() {
		t.Fatal(err, first.Refusals)
	}
	again := consentReq(Request{Scope: string(ScopeWeb), Right: "Write"})
	again.User = "admin"
	res, err := g.Regrant(again)
	if err != nil || !res.OK() {
		t.Fatal(err, res.Refusals)
	}
	all, _ := g.List("addin-1")
	if len(all) != 2 {
		t.Fatalf("listed %d grants, want the old one as history and the new one", len(all))
	}
	old, cur := all[0], all[1]
	if old.ID != first.Granted[0].ID || old.State != GrantRevoked || !strings.Contains(old.Reason, "regrant") {
		t.Fatalf("old grant %+v", old)
	}
	if cur.State != GrantActive || cur.Source != SourceRegrant || cur.Right != RightWrite || cur.GrantedBy != "admin" {
		t.Fatalf("new grant %+v", cur)
	}

	t.Run("same rules apply", func(t *testing.T) {
		bad := consentReq(Request{Scope: string(ScopeTenant), Right: "Read"})
		res, err := g.Regrant(bad)
		if err != nil || res.OK() || !hasRule(res.Refusals, RuleUserCannotGrantMoreThanHeld) {
			t.Fatalf("regrant beyond the user's rights: %v %+v", err, res)
		}
		if active, _ := g.Active("addin-1"); len(active) != 1 || active[0].ID != cur.ID {
			t.Fatalf("a refused regrant changed the grants: %+v", active)
		}
	})
}

func TestConsentRejectsEmptyAddinID(t *testing.T) {
	g, _ := newTestGrants(t)
	if _, err := g.Consent(ConsentRequest{}); err == nil {
		t.Fatal("consent without an add-in id succeeded")
	}
}

func TestGrantsReportCorruptRecords(t *testing.T) {
	g, store := newTestGrants(t)
	if _, err := g.Consent(consentReq(Request{Scope: string(ScopeWeb), Right: "Read"})); err != nil {
		t.Fatal(err)
	}
	if err := store.PutGrant("addin-1", "zz", []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if err := store.PutGrant("addin-1", "yy", []byte(`{"id":"other","addin_id":"addin-1","state":"active"}`)); err != nil {
		t.Fatal(err)
	}
	grants, err := g.List("addin-1")
	var corrupt *CorruptGrantsError
	if !errors.As(err, &corrupt) || len(corrupt.Errs) != 2 {
		t.Fatalf("err = %v, want two corrupt records", err)
	}
	if len(grants) != 1 {
		t.Fatalf("readable grants = %d, want 1", len(grants))
	}
	// Changes still work around the unreadable records.
	if revoked, err := g.Revoke("addin-1", "w1", "test"); err != nil || len(revoked) != 1 {
		t.Fatalf("Revoke = %v, %v", revoked, err)
	}
}

// failingStore fails its failOnPut-th PutGrant.
type failingStore struct {
	*MemoryGrantStore
	puts, failOnPut int
}

func (f *failingStore) PutGrant(addinID, grantID string, data []byte) error {
	f.puts++
	if f.puts == f.failOnPut {
		return errors.New("disk full")
	}
	return f.MemoryGrantStore.PutGrant(addinID, grantID, data)
}

func TestGrantsConcurrentUse(t *testing.T) {
	g, store := newTestGrants(t)
	g.clock = newLockedClock(newTestClock())
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			req := consentReq(Request{Scope: string(ScopeWeb), Right: "Read"})
			req.AddinID = "addin-" + string(rune('a'+i))
			_, err := g.Consent(req)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if all, _ := store.AllGrants(); len(all) != n {
		t.Fatalf("%d grants stored, want %d", len(all), n)
	}
}
