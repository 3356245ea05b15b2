package manifest

import (
	"strings"
	"testing"
)

func TestRuleParseErrors(t *testing.T) {
	tests := []struct {
		name string
		rule string
		want []string // substrings the error must contain
	}{
		{"unclosed group", `<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="Doubled" RegExValue="(\w+ \1" PropertyName="Subject"/>`,
			[]string{`"Doubled"`, "not a valid JavaScript regular expression"}},
		{"unclosed lookahead", `<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="NotFollowed" RegExValue="foo(?!bar" PropertyName="BodyAsPlaintext"/>`,
			[]string{`"NotFollowed"`, "not a valid JavaScript regular expression"}},
		{"inline flags are not JavaScript", `<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="Flags" RegExValue="(?i)foo" PropertyName="Subject"/>`,
			[]string{`"Flags"`, "IgnoreCase attribute"}},
		{"bad entity filter", `<Rule xsi:type="ItemHasKnownEntity" EntityType="Url" FilterName="Bad" RegExFilter="[b-a]"/>`,
			[]string{`ItemHasKnownEntity rule "Bad"`, "not a valid JavaScript regular expression"}},
		{"position in a collection", `<Rule xsi:type="RuleCollection" Mode="And"><Rule xsi:type="ItemIs" ItemType="Message"/><Rule xsi:type="ItemIs" ItemType="Fax"/></Rule>`,
			[]string{"Rule/Rule[2]", `ItemType="Fax"`, "Message, Appointment"}},
		{"missing type", `<Rule ItemType="Message"/>`, []string{"has no xsi:type"}},
		{"unknown type", `<Rule xsi:type="ItemIsFlagged"/>`, []string{`unknown type "ItemIsFlagged"`}},
		{"missing ItemType", `<Rule xsi:type="ItemIs"/>`, []string{"ItemType is required"}},
		{"bad FormType", `<Rule xsi:type="ItemIs" ItemType="Message" FormType="Preview"/>`, []string{`FormType="Preview"`}},
		{"bad IncludeSubClasses", `<Rule xsi:type="ItemIs" ItemType="Message" IncludeSubClasses="yes"/>`, []string{"not a boolean"}},
		{"missing RegExName", `<Rule xsi:type="ItemHasRegularExpressionMatch" RegExValue="x" PropertyName="Subject"/>`, []string{"RegExName is required"}},
		{"missing RegExValue", `<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="n" PropertyName="Subject"/>`, []string{"RegExValue is required"}},
		{"bad PropertyName", `<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="n" RegExValue="x" PropertyName="Body"/>`, []string{`PropertyName="Body"`}},
		{"bad EntityType", `<Rule xsi:type="ItemHasKnownEntity" EntityType="Flight"/>`, []string{`EntityType="Flight"`}},
		{"bad Highlight", `<Rule xsi:type="ItemHasKnownEntity" EntityType="Url" Highlight="some"/>`, []string{`Highlight="some"`}},
		{"bad Mode", `<Rule xsi:type="RuleCollection" Mode="Xor"><Rule xsi:type="ItemHasAttachment"/></Rule>`, []string{`Mode="Xor"`}},
		{"empty collection", `<Rule xsi:type="RuleCollection" Mode="Or"/>`, []string{"at least one Rule"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := `<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>x</Id>` + tt.rule + `</OfficeApp>`
			_, err := Parse([]byte(data))
			if err == nil {
				t.Fatal("parsed, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestRuleNormalisation(t *testing.T) {
	data := `<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>x</Id>
	<Rule xsi:type="bt:RuleCollection" Mode="and"><Rule xsi:type="ItemIs" ItemType="message" FormType="readoredit"/>
	<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="n" RegExValue="x" PropertyName="bodyasplaintext" IgnoreCase="1"/></Rule></OfficeApp>`
	m, err := Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	r := m.Rules
	if r.Type != RuleCollection || r.Mode != "And" || r.Rules[0].ItemType != "Message" || r.Rules[0].FormType != "ReadOrEdit" ||
		r.Rules[1].PropertyName != PropertyBodyAsPlaintext || !r.Rules[1].IgnoreCase {
		t.Errorf("rule not normalised to the schema's spelling: %+v %+v %+v", r, r.Rules[0], r.Rules[1])
	}
}

func TestHasRegexOrAttachmentRules(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"restricted fixture with regex", readFixture(t, "mail-restricted-regex.xml"), true},
		{"ItemIs only", mailWithRules(itemIsRules(2), ""), false},
		{"attachment", mailWithRules(`<Rule xsi:type="ItemHasAttachment"/>`, ""), true},
		{"entity without filter", mailWithRules(`<Rule xsi:type="ItemHasKnownEntity" EntityType="PhoneNumber"/>`, ""), false},
		{"entity with filter", mailWithRules(`<Rule xsi:type="ItemHasKnownEntity" EntityType="PhoneNumber" RegExFilter="425"/>`, ""), true},
		{"regex only in VersionOverrides", mailWithRules(itemIsRules(1), regexRules(1)), true},
		{"task pane", readFixture(t, "taskpane.xml"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.HasRegexOrAttachmentRules(); got != tt.want {
				t.Errorf("HasRegexOrAttachmentRules = %v, want %v", got, tt.want)
			}
		})
	}
	if m := mustParse(t, "mail-restricted-regex.xml"); m.Permission != PermRestricted {
		t.Errorf("restricted fixture permission = %q", m.Permission)
	}
}
