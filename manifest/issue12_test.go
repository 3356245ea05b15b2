package manifest

import (
	"reflect"
	"strings"
	"testing"
)

// Issue 12 item 1: a unified manifest asking for a mailbox and a document permission
// reports both levels, each with the hosts that use it, so each can be capped.
func TestIssue12_PermissionCapBypassUnifiedMultiHost(t *testing.T) {
	multi := `{"requirements": {"scopes": ["mail", "workbook", "document"]}, "runtimes": [{"id": "r", "code": {"page": "https://x.example/p.html"}}]}`
	tests := []struct {
		name  string
		perms []string
		ext   string
		want  []PermissionLevel
	}{
		{"mailbox and document permissions", []string{"MailboxItem.Read.User", "Document.ReadWrite.User"}, multi, []PermissionLevel{
			{Model: ModelMail, Tier: PermReadItem, Asked: []string{"MailboxItem.Read.User"}, Hosts: []string{"Mailbox"}},
			{Model: ModelDocument, Tier: PermReadWriteDocument, Asked: []string{"Document.ReadWrite.User"}, Hosts: []string{"Workbook", "Document"}},
		}},
		{"document permission first in the list", []string{"Document.Write.User", "Mailbox.ReadWrite.User", "Document.Read.User"}, multi, []PermissionLevel{
			{Model: ModelMail, Tier: PermReadWriteMailbox, Asked: []string{"Mailbox.ReadWrite.User"}, Hosts: []string{"Mailbox"}},
			{Model: ModelDocument, Tier: PermReadWriteDocument, Asked: []string{"Document.Write.User", "Document.Read.User"}, Hosts: []string{"Workbook", "Document"}},
		}},
		{"document permission on a mail-only add-in is still asked for", []string{"MailboxItem.Read.User", "Document.ReadWrite.User"}, mailExt, []PermissionLevel{
			{Model: ModelMail, Tier: PermReadItem, Asked: []string{"MailboxItem.Read.User"}, Hosts: []string{"Mailbox"}},
			{Model: ModelDocument, Tier: PermReadWriteDocument, Asked: []string{"Document.ReadWrite.User"}},
		}},
		{"document hosts without a document permission run Restricted", []string{"MailboxItem.Read.User"}, multi, []PermissionLevel{
			{Model: ModelMail, Tier: PermReadItem, Asked: []string{"MailboxItem.Read.User"}, Hosts: []string{"Mailbox"}},
			{Model: ModelDocument, Tier: PermRestricted, Hosts: []string{"Workbook", "Document"}},
		}},
		{"task pane add-in with a mailbox permission", []string{"Document.Read.User", "Mailbox.ReadWrite.User"}, taskpaneExt, []PermissionLevel{
			{Model: ModelMail, Tier: PermReadWriteMailbox, Asked: []string{"Mailbox.ReadWrite.User"}},
			{Model: ModelDocument, Tier: PermReadDocument, Asked: []string{"Document.Read.User"}, Hosts: []string{"Workbook", "Document"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseJSON(unified(tt.perms, tt.ext))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m.PermissionLevels, tt.want) {
				t.Errorf("PermissionLevels =\n%+v\nwant\n%+v", m.PermissionLevels, tt.want)
			}
			if own, _ := m.Level(modelOfKind(m.Kind)); own.Tier != m.Permission || m.PermissionLevels[0].Model != modelOfKind(m.Kind) {
				t.Errorf("Permission %s is not the kind's own level (first of %+v)", m.Permission, m.PermissionLevels)
			}
		})
	}
}

// Issue 12 item 1, XML side: a classic manifest declares one permission, so it may not
// target a host of the other model, in <Hosts> or VersionOverrides; nor repeat
// <Permissions>.
func TestIssue12_PermissionCapBypassXMLSecondModel(t *testing.T) {
	mailHead := `<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>m</Id><Version>1.0</Version><DisplayName DefaultValue="M"/>`
	taskHead := `<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="TaskPaneApp"><Id>t</Id><Version>1.0</Version><DisplayName DefaultValue="T"/>`
	tests := []struct{ name, xml, want string }{
		{"mail add-in with a Workbook host", mailHead + `<Hosts><Host Name="Mailbox"/><Host Name="Workbook"/></Hosts><Permissions>ReadItem</Permissions></OfficeApp>`, `host "Workbook"`},
		{"task pane add-in with a Mailbox host", taskHead + `<Hosts><Host Name="Mailbox"/></Hosts><Permissions>ReadDocument</Permissions></OfficeApp>`, `host "Mailbox"`},
		{"task pane add-in with a MailHost override", taskHead + `<Hosts><Host Name="Workbook"/></Hosts><Permissions>ReadDocument</Permissions><VersionOverrides xmlns="http://schemas.microsoft.com/office/taskpaneappversionoverrides" xsi:type="VersionOverridesV1_0"><Hosts><Host xsi:type="MailHost"/></Hosts></VersionOverrides></OfficeApp>`, `host "MailHost"`},
		{"two Permissions elements", mailHead + `<Permissions>Restricted</Permissions><Permissions>ReadWriteMailbox</Permissions></OfficeApp>`, "appears 2 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.xml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %s", err, tt.want)
			}
		})
	}
	m, err := Parse([]byte(taskHead + `<Hosts><Host Name="Workbook"/></Hosts><Permissions>ReadDocument</Permissions><VersionOverrides xmlns="http://schemas.microsoft.com/office/taskpaneappversionoverrides" xsi:type="VersionOverridesV1_0"><Hosts><Host xsi:type="Document"/></Hosts></VersionOverrides></OfficeApp>`))
	if err != nil {
		t.Fatal(err)
	}
	want := []PermissionLevel{{Model: ModelDocument, Tier: PermReadDocument, Asked: []string{"<Permissions>"}, Hosts: []string{"Workbook", "Document"}}}
	if !reflect.DeepEqual(m.PermissionLevels, want) {
		t.Errorf("PermissionLevels = %+v, want %+v", m.PermissionLevels, want)
	}
}

// Issue 12 item 5: permission values are case-sensitive, as in Office's schema; the
// refusal names the exact value to use.
func TestIssue12_CasePermissionValuesAreExact(t *testing.T) {
	xmlOf := func(xsiType, perm string) []byte {
		return []byte(`<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="` + xsiType + `"><Id>x</Id><Version>1.0</Version><DisplayName DefaultValue="X"/><Permissions>` + perm + `</Permissions></OfficeApp>`)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"mail, all lower case", xmlOf("MailApp", "readwritemailbox"), "write ReadWriteMailbox"},
		{"mail, upper case", xmlOf("MailApp", "READITEM"), "write ReadItem"},
		{"mail, one letter off", xmlOf("MailApp", "ReadWriteitem"), "write ReadWriteItem"},
		{"document", xmlOf("TaskPaneApp", "readwritedocument"), "write ReadWriteDocument"},
		{"content, mixed", xmlOf("ContentApp", "ReadAllDOCUMENT"), "write ReadAllDocument"},
		{"unified mailbox name", unified([]string{"mailbox.readwrite.user"}, mailExt), "write Mailbox.ReadWrite.User"},
		{"unified item name", unified([]string{"MailboxItem.READ.User"}, mailExt), "write MailboxItem.Read.User"},
		{"unified document name", unified([]string{"document.readwrite.user"}, taskpaneExt), "write Document.ReadWrite.User"},
		{"unified supplementary name", unified([]string{"mailbox.appendonsend.user"}, mailExt), "write Mailbox.AppendOnSend.User"},
		{"unknown Office permission", unified([]string{"Mailbox.ReadWriteAll.User"}, mailExt), "not an Office add-in permission addingov knows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
	for _, ok := range [][]byte{xmlOf("MailApp", "ReadWriteMailbox"), xmlOf("TaskPaneApp", " ReadDocument "), unified([]string{"Mailbox.ReadWrite.User", "ChannelMessage.Read.Group"}, mailExt)} {
		if _, err := Parse(ok); err != nil {
			t.Errorf("exact spelling refused: %v", err)
		}
	}
}
