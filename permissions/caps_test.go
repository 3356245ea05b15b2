package permissions

import (
	"strings"
	"testing"
)

func TestCheckCaps(t *testing.T) {
	caps := Caps{
		MaxMailPermission:     "ReadItem",
		MaxDocumentPermission: "ReadAllDocument",
		BlockedSharePointRights: []string{
			"http://sharepoint/content/sitecollection:Manage",
			"http://sharepoint/search:QueryAsUserIgnoreAppPrincipal",
		},
	}
	tests := []struct {
		name       string
		asked      PermissionRequest
		wantPolicy []string
		wantAsked  []string
	}{
		{"mail below", PermissionRequest{Kind: KindMail, Tier: "Restricted"}, nil, nil},
		{"mail at", PermissionRequest{Kind: KindMail, Tier: "ReadItem"}, nil, nil},
		{"mail above", PermissionRequest{Kind: KindMail, Tier: "ReadWriteMailbox"}, []string{PolicyMaxMailPermission}, []string{"ReadWriteMailbox"}},
		{"document included", PermissionRequest{Kind: KindDocument, Tier: "ReadDocument"}, nil, nil},
		{"document not comparable", PermissionRequest{Kind: KindDocument, Tier: "WriteDocument"}, []string{PolicyMaxDocumentPermission}, []string{"WriteDocument"}},
		{"document above", PermissionRequest{Kind: KindDocument, Tier: "Document.ReadWrite.User"}, []string{PolicyMaxDocumentPermission}, []string{"ReadWriteDocument"}},
		{"sharepoint below the blocked right", PermissionRequest{Kind: KindSharePoint, SharePoint: []Request{{Scope: string(ScopeWeb), Right: "Write"}}}, nil, nil},
		{"sharepoint same scope, higher right", PermissionRequest{Kind: KindSharePoint, SharePoint: []Request{{Scope: string(ScopeSiteCollection), Right: "FullControl"}}},
			[]string{PolicyBlockedSharePointRights}, []string{"http://sharepoint/content/sitecollection:FullControl"}},
		{"sharepoint child scope", PermissionRequest{Kind: KindSharePoint, SharePoint: []Request{{Scope: string(ScopeList), Right: "Manage"}}},
			[]string{PolicyBlockedSharePointRights}, []string{"http://sharepoint/content/sitecollection/web/list:Manage"}},
		{"sharepoint parent scope not blocked", PermissionRequest{Kind: KindSharePoint, SharePoint: []Request{{Scope: string(ScopeTenant), Right: "Read"}}}, nil, nil},
		{"sharepoint off-chain right", PermissionRequest{Kind: KindSharePoint, SharePoint: []Request{{Scope: string(ScopeSearch), Right: "QueryAsUserIgnoreAppPrincipal"}, {Scope: string(ScopeWeb), Right: "FullControl"}}},
			[]string{PolicyBlockedSharePointRights, PolicyBlockedSharePointRights}, []string{"http://sharepoint/content/sitecollection/web:FullControl", "http://sharepoint/search:QueryAsUserIgnoreAppPrincipal"}},
		{"sharepoint ignored request", PermissionRequest{Kind: KindSharePoint, SharePoint: []Request{{Scope: "http://sharepoint/content/sitecollection", Right: "Owner"}}}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			refusals, err := CheckCaps(caps, tc.asked)
			if err != nil {
				t.Fatal(err)
			}
			if len(refusals) != len(tc.wantPolicy) {
				t.Fatalf("refusals %+v, want %v", refusals, tc.wantPolicy)
			}
			for _, r := range refusals {
				found := false
				for i := range tc.wantPolicy {
					found = found || (r.Policy == tc.wantPolicy[i] && r.Asked == tc.wantAsked[i])
				}
				if !found || r.Value == "" || !strings.Contains(r.Reason, r.Policy) && r.Policy != PolicyBlockedSharePointRights {
					t.Errorf("unexpected refusal %+v", r)
				}
			}
		})
	}
}

func TestCheckCapsNoCaps(t *testing.T) {
	for _, asked := range []PermissionRequest{
		{Kind: KindMail, Tier: "ReadWriteMailbox"},
		{Kind: KindDocument, Tier: "ReadWriteDocument"},
		{Kind: KindSharePoint, SharePoint: []Request{{Scope: string(ScopeTenant), Right: "FullControl"}}},
	} {
		t.Run(string(asked.Kind), func(t *testing.T) {
			if refusals, err := CheckCaps(Caps{}, asked); err != nil || len(refusals) != 0 {
				t.Fatalf("CheckCaps with no caps = %v, %v", refusals, err)
			}
		})
	}
}

func TestCheckCapsErrors(t *testing.T) {
	tests := []struct {
		name    string
		caps    Caps
		asked   PermissionRequest
		mention string
	}{
		{"bad mail cap", Caps{MaxMailPermission: "Some"}, PermissionRequest{Kind: KindMail, Tier: "ReadItem"}, PolicyMaxMailPermission},
		{"bad mail manifest", Caps{MaxMailPermission: "ReadItem"}, PermissionRequest{Kind: KindMail, Tier: "Nope"}, "manifest"},
		{"bad document cap", Caps{MaxDocumentPermission: "ReadItem"}, PermissionRequest{Kind: KindDocument, Tier: "ReadDocument"}, PolicyMaxDocumentPermission},
		{"bad document manifest", Caps{MaxDocumentPermission: "ReadDocument"}, PermissionRequest{Kind: KindDocument}, "manifest"},
		{"bad blocked entry", Caps{BlockedSharePointRights: []string{"sharepoint:Write"}}, PermissionRequest{Kind: KindSharePoint}, PolicyBlockedSharePointRights},
		{"unknown kind", Caps{}, PermissionRequest{Kind: "visio"}, "unknown add-in kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckCaps(tc.caps, tc.asked)
			if err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.mention)
			}
		})
	}
	t.Run("valid caps still refuse beside a bad entry", func(t *testing.T) {
		c := Caps{BlockedSharePointRights: []string{"bad", "http://sharepoint/taxonomy:Write"}}
		refusals, err := CheckCaps(c, PermissionRequest{Kind: KindSharePoint, SharePoint: []Request{{Scope: string(ScopeTaxonomy), Right: "Write"}}})
		if err == nil || len(refusals) != 1 {
			t.Fatalf("refusals %v, err %v", refusals, err)
		}
	})
}

func TestCapsValidate(t *testing.T) {
	if err := (Caps{MaxMailPermission: "ReadItem", MaxDocumentPermission: "WriteDocument", BlockedSharePointRights: []string{"http://sharepoint/taxonomy:Write"}}).Validate(); err != nil {
		t.Fatalf("valid caps: %v", err)
	}
	err := Caps{MaxMailPermission: "x", MaxDocumentPermission: "y", BlockedSharePointRights: []string{"z"}}.Validate()
	for _, p := range []string{PolicyMaxMailPermission, PolicyMaxDocumentPermission, PolicyBlockedSharePointRights} {
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Validate error %v does not name %s", err, p)
		}
	}
}
