package permissions

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestParseMailTier(t *testing.T) {
	tests := []struct {
		in   string
		want MailTier
	}{
		{"Restricted", MailRestricted},
		{"restricted", MailRestricted},
		{"ReadItem", MailReadItem},
		{"readitem", MailReadItem},
		{"read item", MailReadItem},
		{"  READITEM ", MailReadItem},
		{"ReadWriteItem", MailReadWriteItem},
		{"read/write item", MailReadWriteItem},
		{"ReadWriteMailbox", MailReadWriteMailbox},
		{"read/write mailbox", MailReadWriteMailbox},
		{"MailboxItem.Restricted.User", MailRestricted},
		{"MailboxItem.Read.User", MailReadItem},
		{"MailboxItem.ReadWrite.User", MailReadWriteItem},
		{"Mailbox.ReadWrite.User", MailReadWriteMailbox},
		{"mailbox.readwrite.user", MailReadWriteMailbox},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMailTier(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("ParseMailTier(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseMailTierErrorListsValidNames(t *testing.T) {
	for _, in := range []string{"", "Read", "ReadDocument", "ReadWriteMailboxes", "Document.Read.User"} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseMailTier(in)
			if err == nil {
				t.Fatalf("ParseMailTier(%q) succeeded", in)
			}
			for _, name := range []string{"Restricted", "ReadItem", "ReadWriteItem", "ReadWriteMailbox"} {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not list %s", err, name)
				}
			}
		})
	}
}

func TestMailTierIncludesIsCumulative(t *testing.T) {
	for _, a := range MailTiers {
		for _, b := range MailTiers {
			t.Run(a.String()+"/"+b.String(), func(t *testing.T) {
				if got, want := a.Includes(b), a >= b; got != want {
					t.Fatalf("%v.Includes(%v) = %v, want %v", a, b, got, want)
				}
			})
		}
	}
	if MailTier(7).Includes(MailRestricted) || MailReadWriteMailbox.Includes(MailTier(-1)) {
		t.Fatal("an invalid tier must include nothing and be included by nothing")
	}
	if got := MailTier(9).String(); got != "MailTier(9)" {
		t.Fatalf("String of invalid tier = %q", got)
	}
}

var permissionsElement = regexp.MustCompile(`<Permissions>\s*([^<]*?)\s*</Permissions>`)

// corpusPermission reads a corpus manifest's <Permissions> level; false when it has none.
func corpusPermission(t *testing.T, file string) (string, bool) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := permissionsElement.FindSubmatch(data)
	if m == nil {
		return "", false
	}
	return string(m[1]), true
}

// The real Outlook manifests' levels must all parse.
func TestParseMailTierCorpus(t *testing.T) {
	for _, f := range corpusFiles(t, "outlook", "*.xml") {
		t.Run(f, func(t *testing.T) {
			level, ok := corpusPermission(t, f)
			if !ok {
				level = "Restricted" // Microsoft's default when the element is absent
			}
			if _, err := ParseMailTier(level); err != nil {
				t.Fatal(err)
			}
		})
	}
}
