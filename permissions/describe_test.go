package permissions

import (
	"slices"
	"strings"
	"testing"
)

func TestDescribeMail(t *testing.T) {
	mailbox := "can read, change, create and send items and folders in your whole mailbox, including sending mail as you"
	tests := []struct {
		tier     string
		contains []string
		lacks    []string
		lines    int
	}{
		{"Restricted", []string{"can find phone numbers, postal addresses and web links in the item you are looking at"}, []string{mailbox}, 2},
		{"ReadItem", []string{"can read the item you are looking at: its subject, body, sender, recipients and attachments"}, []string{mailbox}, 6},
		{"ReadWriteItem", []string{"can change the item you are writing: its subject, body, recipients and attachments"}, []string{mailbox}, 7},
		{"ReadWriteMailbox", []string{mailbox, "can find phone numbers, postal addresses and web links in the item you are looking at"}, nil, 8},
	}
	for _, tc := range tests {
		t.Run(tc.tier, func(t *testing.T) {
			got := Describe(KindMail, tc.tier)
			if len(got) != tc.lines {
				t.Errorf("%d lines, want %d: %q", len(got), tc.lines, got)
			}
			for _, c := range tc.contains {
				if !slices.Contains(got, c) {
					t.Errorf("missing %q in %q", c, got)
				}
			}
			for _, l := range tc.lacks {
				if slices.Contains(got, l) {
					t.Errorf("unexpected %q", l)
				}
			}
		})
	}
}

func TestDescribeDocument(t *testing.T) {
	tests := []struct {
		tier     string
		contains []string
		lacks    []string
	}{
		{"Restricted", []string{"can keep its own settings in the document"}, []string{"can write over what you select", "can read what you select and the text of the whole document"}},
		{"ReadDocument", []string{"can read what you select and the text of the whole document"}, []string{"can write over what you select", "cannot read the document"}},
		{"ReadAllDocument", []string{"can get a full copy of the document, including formatting, comments, tracked changes and pictures"}, []string{"can write over what you select"}},
		{"WriteDocument", []string{"can write over what you select", "cannot read the document"}, []string{"can read what you select and the text of the whole document"}},
		{"ReadWriteDocument", []string{"can write over what you select", "can read what you select and the text of the whole document", "can be told when the document, its settings or your selection change"}, []string{"cannot read the document"}},
	}
	for _, tc := range tests {
		t.Run(tc.tier, func(t *testing.T) {
			got := Describe(KindDocument, tc.tier)
			for _, c := range tc.contains {
				if !slices.Contains(got, c) {
					t.Errorf("missing %q in %q", c, got)
				}
			}
			for _, l := range tc.lacks {
				if slices.Contains(got, l) {
					t.Errorf("unexpected %q in %q", l, got)
				}
			}
		})
	}
}

func TestDescribeSharePoint(t *testing.T) {
	tests := []struct {
		entry string
		want  string
	}{
		{"http://sharepoint/content/sitecollection/web:Write", "can read and change this site and every list in it"},
		{"http://sharepoint/content/tenant:FullControl", "has full control of every site in your organization, including who may use it"},
		{"http://sharepoint/search:QueryAsUserIgnoreAppPrincipal", "can search with your permissions"},
		{"http://sharepoint/taxonomy:Read", "can read your organization's managed terms"},
		{"http://sharepoint/projectserver/statusing:SubmitStatus", "can submit status updates in Project Server"},
	}
	for _, tc := range tests {
		t.Run(tc.entry, func(t *testing.T) {
			if got := Describe(KindSharePoint, tc.entry); len(got) != 1 || got[0] != tc.want {
				t.Fatalf("Describe = %q, want %q", got, tc.want)
			}
		})
	}
	// Every scope and right has words of its own.
	for _, s := range Scopes() {
		for _, r := range s.AllowedRights() {
			line := describePermission(Permission{s, r}, nil)
			if strings.HasPrefix(line, "asks for") || strings.Contains(line, "http://") {
				t.Errorf("%s:%s has no plain words: %q", s, r, line)
			}
		}
	}
}

func TestDescribeRequests(t *testing.T) {
	got := DescribeRequests([]Request{
		{Scope: string(ScopeList), Right: "Manage", Properties: map[string]string{"BaseTemplateId": "106"}},
		{Scope: "http://sharepoint/unknown", Right: "Read"},
	})
	want := []string{
		"can read, change, delete and manage one list you choose (of list template 106)",
	}
	if len(got) != 2 || got[0] != want[0] || !strings.Contains(got[1], "SharePoint ignores") {
		t.Fatalf("DescribeRequests = %q", got)
	}
}

func TestDescribeUnknownLevelSaysSo(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		tier string
	}{{KindMail, "Everything"}, {KindDocument, "ReadItem"}, {KindSharePoint, "http://sharepoint/x:Read"}, {"visio", "Restricted"}} {
		t.Run(string(tc.kind)+"/"+tc.tier, func(t *testing.T) {
			got := Describe(tc.kind, tc.tier)
			if len(got) != 1 || !strings.Contains(strings.ToLower(got[0]), "unknown") {
				t.Fatalf("Describe = %q", got)
			}
		})
	}
}
