package manifest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseUnifiedFixture(t *testing.T) {
	m := mustParse(t, "unified-mail.manifest.json")
	if m.FullName != "Tailspin Mail Assistant" || m.Description != "Tags mail." || m.FullDescription != "Tags mail and checks it on send." || m.DefaultLocale != "en-us" {
		t.Errorf("names = %q %q %q %q", m.FullName, m.Description, m.FullDescription, m.DefaultLocale)
	}
	if want := []string{"MailboxItem.Read.User", "Mailbox.ReadWrite.User", "Mailbox.AppendOnSend.User"}; !slices.Equal(m.ResourceSpecific, want) {
		t.Errorf("ResourceSpecific = %v", m.ResourceSpecific)
	}
	if len(m.Extensions) != 1 {
		t.Fatalf("Extensions = %+v", m.Extensions)
	}
	ext := m.Extensions[0]
	wantReq := &Requirements{Sets: []RequirementSet{{Name: "Mailbox", MinVersion: "1.12"}}, Scopes: []string{"mail"}, FormFactors: []string{"desktop"}}
	if !reflect.DeepEqual(ext.Requirements, wantReq) {
		t.Errorf("Requirements = %+v", ext.Requirements)
	}
	wantRT := []Runtime{
		{ID: "autorun", Type: "general", Page: "https://www.tailspin.example/autorun.html", Script: "https://www.tailspin.example/autorun.js", Lifetime: "short", Actions: []string{"onSend"}},
		{ID: "pane", Type: "general", Page: "https://www.tailspin.example/pane.html", Actions: []string{"showPane"}},
	}
	if !reflect.DeepEqual(ext.Runtimes, wantRT) {
		t.Errorf("Runtimes = %+v", ext.Runtimes)
	}
	if !reflect.DeepEqual(ext.Ribbons, []Ribbon{{Contexts: []string{"mailRead", "mailCompose"}, Controls: []string{"menu", "menuItem"}}}) {
		t.Errorf("Ribbons = %+v", ext.Ribbons)
	}
	if !reflect.DeepEqual(ext.AutoRunEvents, []AutoRunEvent{{Type: "messageSending", ActionID: "onSend"}}) {
		t.Errorf("AutoRunEvents = %+v", ext.AutoRunEvents)
	}
	wantAlt := []Alternate{{PreferCOMAddinProgID: "Tailspin.MailAddin", HideStoreAddinID: "00000000-1111-2222-3333-444444444444", IconURL: "https://www.tailspin.example/a64.png", HighResolutionIconURL: "https://www.tailspin.example/a128.png"}}
	if !reflect.DeepEqual(ext.Alternates, wantAlt) {
		t.Errorf("Alternates = %+v", ext.Alternates)
	}
	wantURLs := []URLRef{
		{"Icon", "assets/outline.png"}, {"Icon", "assets/color.png"},
		{"ValidDomain", "https://www.tailspin.example"}, {"ValidDomain", "http://cdn.tailspin.example"},
		{"RuntimePage", "https://www.tailspin.example/autorun.html"}, {"RuntimeScript", "https://www.tailspin.example/autorun.js"},
		{"RuntimePage", "https://www.tailspin.example/pane.html"},
		{"Icon", "https://www.tailspin.example/g16.png"}, {"Icon", "https://www.tailspin.example/m16.png"}, {"Icon", "https://www.tailspin.example/i16.png"},
		{"Icon", "https://www.tailspin.example/a64.png"}, {"Icon", "https://www.tailspin.example/a128.png"},
	}
	if !reflect.DeepEqual(m.URLs, wantURLs) {
		t.Errorf("URLs =\n%v\nwant\n%v", m.URLs, wantURLs)
	}
}

// unified builds a minimal unified manifest with the given permissions and extension
// body.
func unified(perms []string, extension string) []byte {
	var rs []string
	for _, p := range perms {
		rs = append(rs, fmt.Sprintf(`{"name": %q, "type": "Delegated"}`, p))
	}
	return []byte(`{"$schema": "https://developer.microsoft.com/json-schemas/teams/v1.24/MicrosoftTeams.schema.json",
"id": "00000000-0000-4000-8000-000000000001", "version": "1.0.0", "name": {"short": "T"},
"authorization": {"permissions": {"resourceSpecific": [` + strings.Join(rs, ",") + `]}},
"extensions": [` + extension + `]}`)
}

const (
	taskpaneExt = `{"requirements": {"scopes": ["workbook", "document"]}, "runtimes": [{"id": "r", "code": {"page": "https://x.example/p.html"}}]}`
	contentExt  = `{"requirements": {"scopes": ["presentation"]}, "contentRuntimes": [{"id": "c", "code": {"page": "https://x.example/c.html"}}]}`
	mailExt     = `{"requirements": {"scopes": ["mail"]}}`
)

func TestUnifiedPermissionMapping(t *testing.T) {
	tests := []struct {
		name  string
		perms []string
		ext   string
		kind  Kind
		perm  string
		hosts []string
	}{
		{"mail restricted", []string{"MailboxItem.Restricted.User"}, mailExt, KindMail, PermRestricted, []string{"Mailbox"}},
		{"mail read", []string{"MailboxItem.Read.User"}, mailExt, KindMail, PermReadItem, []string{"Mailbox"}},
		{"mail read/write item", []string{"MailboxItem.ReadWrite.User"}, mailExt, KindMail, PermReadWriteItem, []string{"Mailbox"}},
		{"mail read/write mailbox", []string{"Mailbox.ReadWrite.User"}, mailExt, KindMail, PermReadWriteMailbox, []string{"Mailbox"}},
		{"highest mail tier wins", []string{"Mailbox.ReadWrite.User", "MailboxItem.Read.User"}, mailExt, KindMail, PermReadWriteMailbox, []string{"Mailbox"}},
		{"mail permission makes a mail add-in without mail scope", []string{"MailboxItem.Read.User"}, taskpaneExt, KindMail, PermReadItem, []string{"Workbook", "Document"}},
		{"mail scope without permission is Restricted", nil, mailExt, KindMail, PermRestricted, []string{"Mailbox"}},
		{"supplementary only", []string{"Mailbox.AppendOnSend.User"}, mailExt, KindMail, PermRestricted, []string{"Mailbox"}},
		{"document restricted", []string{"Document.Restricted.User"}, taskpaneExt, KindTaskPane, PermRestricted, []string{"Workbook", "Document"}},
		{"document read", []string{"Document.Read.User"}, taskpaneExt, KindTaskPane, PermReadDocument, []string{"Workbook", "Document"}},
		{"document read all", []string{"Document.ReadAll.User"}, taskpaneExt, KindTaskPane, PermReadAllDocument, []string{"Workbook", "Document"}},
		{"document write", []string{"Document.Write.User"}, taskpaneExt, KindTaskPane, PermWriteDocument, []string{"Workbook", "Document"}},
		{"document read/write", []string{"Document.ReadWrite.User"}, contentExt, KindContent, PermReadWriteDocument, []string{"Presentation"}},
		{"read and read-all is read-all", []string{"Document.Read.User", "Document.ReadAll.User"}, taskpaneExt, KindTaskPane, PermReadAllDocument, []string{"Workbook", "Document"}},
		{"write and read join to read/write", []string{"Document.Write.User", "Document.Read.User"}, taskpaneExt, KindTaskPane, PermReadWriteDocument, []string{"Workbook", "Document"}},
		{"restricted and write is write", []string{"Document.Restricted.User", "Document.Write.User"}, contentExt, KindContent, PermWriteDocument, []string{"Presentation"}},
		{"no permission is Restricted", nil, contentExt, KindContent, PermRestricted, []string{"Presentation"}},
		{"unknown permission ignored", []string{"ChannelMessage.Read.Group"}, taskpaneExt, KindTaskPane, PermRestricted, []string{"Workbook", "Document"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseJSON(unified(tt.perms, tt.ext))
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != tt.kind || m.Permission != tt.perm || !slices.Equal(m.Hosts, tt.hosts) {
				t.Errorf("kind/permission/hosts = %s/%s/%v, want %s/%s/%v", m.Kind, m.Permission, m.Hosts, tt.kind, tt.perm, tt.hosts)
			}
			if !slices.Equal(m.ResourceSpecific, tt.perms) {
				t.Errorf("ResourceSpecific = %v, want %v", m.ResourceSpecific, tt.perms)
			}
		})
	}
}

func TestJoinDocumentTiersIsALattice(t *testing.T) {
	// The join is commutative and idempotent and never loses a capability.
	for _, a := range documentPermissions {
		for _, b := range documentPermissions {
			j := joinDocumentTiers(a, b)
			if j != joinDocumentTiers(b, a) {
				t.Errorf("join(%s,%s) = %s but join(%s,%s) = %s", a, b, j, b, a, joinDocumentTiers(b, a))
			}
			if joinDocumentTiers(j, a) != j || joinDocumentTiers(j, b) != j {
				t.Errorf("join(%s,%s) = %s does not cover both", a, b, j)
			}
		}
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"not JSON", `{"id": `, "not valid JSON"},
		{"wrong shape", `{"id": 5}`, "not valid JSON"},
		{"trailing data", `{"id": "x", "extensions": [{}]} {}`, "unexpected data"},
		{"no id", `{"extensions": [{}]}`, `"id" is missing`},
		{"Teams app", `{"id": "x"}`, "describes a Teams app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJSON([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
