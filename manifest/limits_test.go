package manifest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestLimitFixtures(t *testing.T) {
	tests := []struct {
		file  string
		limit Limit
		max   int
		got   int
		msg   string
	}{
		{"too-many-rules.xml", LimitActivationRules, 15, 17, "manifest has 17 activation rules; Outlook allows at most 15: remove rules"},
		{"too-many-regex.xml", LimitRegularExpressions, 5, 6, "manifest has 6 regular expressions; Outlook allows at most 5"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := Parse(readFixture(t, tt.file))
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want *LimitError", err)
			}
			if le.Limit != tt.limit || le.Max != tt.max || le.Got != tt.got {
				t.Errorf("LimitError = %+v, want %s %d/%d", le, tt.limit, tt.got, tt.max)
			}
			if !strings.HasPrefix(err.Error(), tt.msg) {
				t.Errorf("message = %q, want prefix %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestLimitErrorMessages(t *testing.T) {
	tests := []struct {
		err  LimitError
		want string
	}{
		{LimitError{LimitManifestSize, 262144, 300000}, "manifest is 300000 bytes; Outlook allows at most 262144 (256 KB)"},
		{LimitError{LimitActivationRules, 15, 17}, "manifest has 17 activation rules; Outlook allows at most 15: remove rules or combine their conditions"},
		{LimitError{LimitRegularExpressions, 5, 9}, "manifest has 9 regular expressions; Outlook allows at most 5"},
		{LimitError{"other", 1, 2}, "manifest exceeds the other limit: 2, at most 1"},
	}
	for _, tt := range tests {
		t.Run(string(tt.err.Limit), func(t *testing.T) {
			if got := tt.err.Error(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("Error() = %q, want prefix %q", got, tt.want)
			}
		})
	}
}

// mailWithRules builds a mail manifest whose top-level rule collection holds top and
// whose VersionOverrides DetectedEntity rule holds vo (omitted when empty).
func mailWithRules(top, vo string) []byte {
	var b strings.Builder
	b.WriteString(`<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>x</Id><Permissions>ReadItem</Permissions>`)
	if top != "" {
		b.WriteString(`<Rule xsi:type="RuleCollection" Mode="Or">` + top + `</Rule>`)
	}
	if vo != "" {
		b.WriteString(`<VersionOverrides xsi:type="VersionOverridesV1_0"><Hosts><Host xsi:type="MailHost"><DesktopFormFactor><ExtensionPoint xsi:type="DetectedEntity"><Rule xsi:type="RuleCollection" Mode="And">` + vo + `</Rule></ExtensionPoint></DesktopFormFactor></Host></Hosts></VersionOverrides>`)
	}
	b.WriteString(`</OfficeApp>`)
	return []byte(b.String())
}

func itemIsRules(n int) string {
	return strings.Repeat(`<Rule xsi:type="ItemIs" ItemType="Message"/>`, n)
}

func regexRules(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="r%d" RegExValue="x%d" PropertyName="Subject"/>`, i, i)
	}
	return b.String()
}

func TestRuleLimitCounting(t *testing.T) {
	tests := []struct {
		name      string
		data      []byte
		wantLimit Limit // "" means it parses
		wantGot   int
	}{
		{"15 rules is allowed", mailWithRules(itemIsRules(15), ""), "", 0},
		{"16 rules is refused", mailWithRules(itemIsRules(16), ""), LimitActivationRules, 16},
		{"collections are not counted", mailWithRules(`<Rule xsi:type="RuleCollection" Mode="And">`+itemIsRules(7)+`</Rule>`+itemIsRules(8), ""), "", 0},
		{"nested rules are counted", mailWithRules(`<Rule xsi:type="RuleCollection" Mode="And">`+itemIsRules(9)+`</Rule>`+itemIsRules(8), ""), LimitActivationRules, 17},
		{"5 regular expressions is allowed", mailWithRules(regexRules(5), ""), "", 0},
		{"6 regular expressions is refused", mailWithRules(regexRules(6), ""), LimitRegularExpressions, 6},
		{"entity filters count as regular expressions", mailWithRules(regexRules(4)+
			`<Rule xsi:type="ItemHasKnownEntity" EntityType="Url" RegExFilter="a"/><Rule xsi:type="ItemHasKnownEntity" EntityType="Url" RegExFilter="b"/>`, ""), LimitRegularExpressions, 6},
		{"entities without filters do not", mailWithRules(regexRules(5)+`<Rule xsi:type="ItemHasKnownEntity" EntityType="Url"/>`, ""), "", 0},
		{"legacy and override rule sets are counted apart", mailWithRules(regexRules(5), regexRules(5)), "", 0},
		{"an override rule set over the limit is refused", mailWithRules(regexRules(1), regexRules(7)), LimitRegularExpressions, 7},
		{"override rules alone", mailWithRules("", itemIsRules(16)), LimitActivationRules, 16},
		{"a rule directly in VersionOverrides counts with its level", []byte(`<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>x</Id>` +
			`<VersionOverrides xsi:type="VersionOverridesV1_0"><Rule xsi:type="RuleCollection" Mode="Or">` + regexRules(3) + `</Rule>` +
			`<Hosts><Host xsi:type="MailHost"><DesktopFormFactor><ExtensionPoint xsi:type="CustomPane"><Rule xsi:type="RuleCollection" Mode="Or">` + regexRules(3) + `</Rule></ExtensionPoint></DesktopFormFactor></Host></Hosts>` +
			`</VersionOverrides></OfficeApp>`), LimitRegularExpressions, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.data)
			if tt.wantLimit == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != tt.wantLimit || le.Got != tt.wantGot {
				t.Fatalf("err = %v, want %s limit with %d", err, tt.wantLimit, tt.wantGot)
			}
		})
	}
}
