package permissions

import (
	"slices"
	"testing"
)

// Issue 12 item 1: every level of a request is checked against its own model's cap,
// so a document permission asked for beside a mailbox permission cannot slip past
// MaxDocumentPermission.
func TestIssue12_PermissionCapBypassUnifiedMultiHost(t *testing.T) {
	mailAndDoc := PermissionRequest{Kind: KindMail, Tier: "ReadItem", Also: []Level{{Kind: KindDocument, Tier: "ReadWriteDocument"}}}
	docAndMail := PermissionRequest{Kind: KindDocument, Tier: "ReadDocument", Also: []Level{{Kind: KindMail, Tier: "ReadWriteMailbox"}}}
	tests := []struct {
		name   string
		caps   Caps
		asked  PermissionRequest
		policy []string
	}{
		{"document cap refuses the document level of a mail add-in", Caps{MaxDocumentPermission: "Restricted"}, mailAndDoc, []string{PolicyMaxDocumentPermission}},
		{"mail cap still applies", Caps{MaxMailPermission: "Restricted"}, mailAndDoc, []string{PolicyMaxMailPermission}},
		{"both caps, both refused", Caps{MaxMailPermission: "Restricted", MaxDocumentPermission: "ReadDocument"}, mailAndDoc, []string{PolicyMaxMailPermission, PolicyMaxDocumentPermission}},
		{"both within their caps", Caps{MaxMailPermission: "ReadItem", MaxDocumentPermission: "ReadWriteDocument"}, mailAndDoc, nil},
		{"mail cap refuses the mail level of a document add-in", Caps{MaxMailPermission: "ReadItem"}, docAndMail, []string{PolicyMaxMailPermission}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refusals, err := CheckCaps(tt.caps, tt.asked)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range refusals {
				got = append(got, r.Policy)
			}
			if !slices.Equal(got, tt.policy) {
				t.Errorf("refused by %v, want %v (%+v)", got, tt.policy, refusals)
			}
		})
	}
	if _, err := CheckCaps(Caps{MaxDocumentPermission: "Restricted"}, PermissionRequest{Kind: KindMail, Tier: "ReadItem", Also: []Level{{Kind: KindDocument, Tier: "Everything"}}}); err == nil {
		t.Error("an unreadable second level was not an error")
	}

	moreThan := []struct {
		name     string
		old, new PermissionRequest
		want     bool
	}{
		{"a document level added to a mail add-in is more", PermissionRequest{Kind: KindMail, Tier: "ReadItem"}, mailAndDoc, true},
		{"the same two levels are not more", mailAndDoc, mailAndDoc, false},
		{"a higher second level is more", PermissionRequest{Kind: KindMail, Tier: "ReadItem", Also: []Level{{Kind: KindDocument, Tier: "ReadDocument"}}}, mailAndDoc, true},
		{"dropping the second level is not more", mailAndDoc, PermissionRequest{Kind: KindMail, Tier: "ReadItem"}, false},
		{"a Restricted second level is not more", PermissionRequest{Kind: KindMail, Tier: "ReadItem"}, PermissionRequest{Kind: KindMail, Tier: "ReadItem", Also: []Level{{Kind: KindDocument, Tier: "Restricted"}}}, false},
	}
	for _, tt := range moreThan {
		t.Run(tt.name, func(t *testing.T) {
			if got := MoreThan(tt.old, tt.new); got != tt.want {
				t.Errorf("MoreThan = %v, want %v", got, tt.want)
			}
		})
	}
}
