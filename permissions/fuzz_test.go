package permissions

import (
	"strings"
	"testing"
	"time"
)

func FuzzParseMailTier(f *testing.F) {
	for _, s := range []string{"Restricted", "ReadItem", "read/write item", "Mailbox.ReadWrite.User", "", "READWRITEMAILBOX", "Read Item\x00", "MailboxItem..Read"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tier, err := ParseMailTier(s)
		if err != nil {
			if !strings.Contains(err.Error(), "ReadWriteMailbox") {
				t.Fatalf("error %q does not list the valid names", err)
			}
			return
		}
		if back, err := ParseMailTier(tier.String()); err != nil || back != tier {
			t.Fatalf("%q parsed to %v, which does not round-trip: %v %v", s, tier, back, err)
		}
	})
}

func FuzzParseDocumentTier(f *testing.F) {
	for _, s := range []string{"Restricted", "ReadAllDocument", "write document", "Document.ReadWrite.User", "", "read-all-document", "Document.Read.User "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tier, err := ParseDocumentTier(s)
		if err != nil {
			return
		}
		if back, err := ParseDocumentTier(tier.String()); err != nil || back != tier {
			t.Fatalf("%q parsed to %v, which does not round-trip", s, tier)
		}
		if !tier.Includes(DocRestricted) || !DocReadWriteDocument.Includes(tier) {
			t.Fatalf("%v is outside the lattice's bounds", tier)
		}
	})
}

func FuzzParseSharePointEntry(f *testing.F) {
	for _, s := range []string{
		"http://sharepoint/content/sitecollection/web:Write", "http://sharepoint/search:QueryAsUserIgnoreAppPrincipal",
		"http://sharepoint/projectserver/statusing:SubmitStatus", "HTTP://SHAREPOINT/TAXONOMY/:read", "http://sharepoint/search",
		":", "http:", "a:b:c", "http://sharepoint/content/tenant:FullControl:Read",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseSharePointEntry(s)
		if err != nil {
			return
		}
		if !p.Scope.Known() {
			t.Fatalf("%q parsed to unknown scope %q", s, p.Scope)
		}
		back, err := ParseSharePointEntry(p.String())
		if err != nil || back != p {
			t.Fatalf("%q parsed to %v, which does not round-trip: %v %v", s, p, back, err)
		}
		if !p.Covers(p) {
			t.Fatalf("%v does not cover itself", p)
		}
	})
}

func FuzzAuthorize(f *testing.F) {
	f.Add("mail", "ReadItem", "Office.context.mailbox.item.body.getAsync")
	f.Add("mail", "ReadWriteMailbox", "mailbox.makeEwsRequestAsync(GetItem)")
	f.Add("document", "WriteDocument", "document.getFileAsync(Office.FileType.Compressed, {})")
	f.Add("document", "ReadWriteDocument", "Office.CustomXmlPart.*")
	f.Add("document", "Restricted", "Settings.get()")
	f.Add("sharepoint", "x", "(")
	f.Add("mail", "", ").(")
	f.Fuzz(func(t *testing.T, kind, tier, api string) {
		d := Authorize(Kind(kind), tier, api)
		if d.Reason == "" {
			t.Fatalf("decision without a reason: %+v", d)
		}
		if !d.Allow {
			return
		}
		if d.Required == "" || d.API == "" || d.Source == "" {
			t.Fatalf("allowed without naming the requirement: %+v", d)
		}
		switch Kind(kind) {
		case KindMail:
			have, err1 := ParseMailTier(tier)
			need, err2 := ParseMailTier(d.Required)
			if err1 != nil || err2 != nil || !have.Includes(need) {
				t.Fatalf("allowed %s at %s though it needs %s", api, tier, d.Required)
			}
		case KindDocument:
			have, err1 := ParseDocumentTier(tier)
			need, err2 := ParseDocumentTier(d.Required)
			if err1 != nil || err2 != nil || !have.Includes(need) {
				t.Fatalf("allowed %s at %s though it needs %s", api, tier, d.Required)
			}
		default:
			t.Fatalf("allowed for kind %q", kind)
		}
	})
}

// FuzzEvaluateConsent feeds manifest-shaped requests (untrusted input) to the consent
// rules: whatever they are, a grant must be known to SharePoint and held by the user.
func FuzzEvaluateConsent(f *testing.F) {
	f.Add(string(ScopeList), "Manage", "BaseTemplateId", "106", int(106), false, "Write")
	f.Add(string(ScopeWeb), "FullControl", "", "", 0, true, "FullControl")
	f.Add("http://sharepoint/unknown", "Read", "BaseTemplateId", "x", 0, false, "Read")
	f.Add(string(ScopeSearch), "QueryAsUserIgnoreAppPrincipal", "basetemplateid", "1", 1, false, "Manage")
	f.Fuzz(func(t *testing.T, scope, right, propName, propValue string, template int, store bool, userRight string) {
		req := ConsentRequest{
			AddinID:          "a",
			Requests:         []Request{{Scope: scope, Right: right, Properties: map[string]string{propName: propValue}}},
			StoreDistributed: store,
			User:             "u",
			UserRights:       []Holding{{Scope: ScopeWeb, Right: Right(userRight)}},
			Location:         Location{ScopeWeb: "w"},
			List:             &ListChoice{ListID: "L", BaseTemplateID: template},
		}
		now := time.Unix(0, 0)
		for _, source := range []GrantSource{SourceInstall, SourceOnTheFly} {
			res := EvaluateConsent(req, source, now)
			if !res.OK() && len(res.Granted) != 0 {
				t.Fatal("refused yet granted")
			}
			if len(res.Granted)+len(res.Ignored) > 1 {
				t.Fatalf("one request produced %d grants and %d ignored", len(res.Granted), len(res.Ignored))
			}
			for _, g := range res.Granted {
				if _, err := ParsePermission(string(g.Scope), string(g.Right)); err != nil {
					t.Fatalf("granted an unknown permission: %v", err)
				}
				loc := Location{ScopeWeb: "w", ScopeList: "L"}
				if !holds(req.UserRights, g.Permission(), loc) {
					t.Fatalf("granted %v, which the user does not hold", g.Permission())
				}
				if store && g.Right == RightFullControl {
					t.Fatal("granted FullControl to a Store add-in")
				}
			}
		}
	})
}

func FuzzDecodeGrant(f *testing.F) {
	good, _ := encodeGrant(Grant{ID: "g", AddinID: "a", Scope: ScopeWeb, Right: RightRead, State: GrantActive, Source: SourceInstall})
	f.Add(good)
	f.Add([]byte(`{"id":"g","addin_id":"a","state":"recycled","granted_at":"2025-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"id":"g","addin_id":"a","state":"active","granted_at":"not a time"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := decodeGrant(GrantRecord{AddinID: "a", GrantID: "g", Data: data})
		if err != nil {
			return
		}
		again, err := encodeGrant(g)
		if err != nil {
			t.Fatalf("a decoded grant does not encode: %v", err)
		}
		back, err := decodeGrant(GrantRecord{AddinID: "a", GrantID: "g", Data: again})
		if err != nil || !back.GrantedAt.Equal(g.GrantedAt) || back.Scope != g.Scope || back.State != g.State {
			t.Fatalf("round trip changed the grant: %+v → %+v (%v)", g, back, err)
		}
	})
}

func FuzzCheckCaps(f *testing.F) {
	f.Add("http://sharepoint/content/sitecollection:Manage", string(ScopeList), "FullControl", "ReadItem", "ReadWriteMailbox")
	f.Add("bad", "http://sharepoint/x", "Read", "", "Restricted")
	f.Fuzz(func(t *testing.T, blocked, scope, right, maxMail, mailTier string) {
		caps := Caps{MaxMailPermission: maxMail, BlockedSharePointRights: []string{blocked}}
		refusals, err := CheckCaps(caps, PermissionRequest{Kind: KindSharePoint, SharePoint: []Request{{Scope: scope, Right: right}}})
		b, errB := ParseSharePointEntry(blocked)
		p, errP := ParsePermission(scope, right)
		wantRefused := errB == nil && errP == nil && blockedCovers(b, p)
		if (len(refusals) == 1) != wantRefused || len(refusals) > 1 {
			t.Fatalf("refusals %v, want refused=%v", refusals, wantRefused)
		}
		if (err != nil) != (errB != nil) {
			t.Fatalf("err = %v for entry error %v", err, errB)
		}
		if _, err := CheckCaps(caps, PermissionRequest{Kind: KindMail, Tier: mailTier}); err == nil && maxMail != "" {
			if _, e := ParseMailTier(maxMail); e != nil {
				t.Fatal("an invalid MaxMailPermission was not reported")
			}
		}
		// A mail level asked for beside a document level is capped as on its own.
		caps.MaxDocumentPermission = "Restricted"
		alone, errAlone := CheckCaps(caps, PermissionRequest{Kind: KindMail, Tier: mailTier})
		both, errBoth := CheckCaps(caps, PermissionRequest{Kind: KindDocument, Tier: "Restricted", Also: []Level{{Kind: KindMail, Tier: mailTier}}})
		if len(alone) != len(both) || (errAlone == nil) != (errBoth == nil) {
			t.Fatalf("mail level alone: %v %v; beside a document level: %v %v", alone, errAlone, both, errBoth)
		}
	})
}
