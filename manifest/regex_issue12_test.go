package manifest

import (
	"strings"
	"testing"
	"time"
)

// Issue 12 item 16: Outlook's expressions are JavaScript's. A lookahead, valid in
// Outlook, parses and evaluates with JavaScript's meaning.
func TestIssue12_ECMAScriptLookahead(t *testing.T) {
	data := []byte(`<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp">
<Id>po</Id><Version>1.0</Version><DisplayName DefaultValue="PO"/><Hosts><Host Name="Mailbox"/></Hosts><Permissions>ReadItem</Permissions>
<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="PO" RegExValue="PO-(?=\d{6})\d+" PropertyName="BodyAsPlaintext"/></OfficeApp>`)
	m, err := Parse(data)
	if err != nil {
		t.Fatalf("a manifest with a lookahead was refused: %v", err)
	}
	if got := m.Rules.re.Engine(); got != "ecmascript" {
		t.Errorf("lookahead runs on %s, want ecmascript", got)
	}
	tests := []struct {
		body    string
		matches []string
	}{
		{"order PO-123456 and PO-1234567", []string{"PO-123456", "PO-1234567"}},
		{"order PO-12345 only", nil},
		{"no order", nil},
	}
	for _, tt := range tests {
		res := Evaluate(m.Rules, Item{Type: "message", BodyText: tt.body}, EvalOptions{})
		if res.Activates != (tt.matches != nil) || strings.Join(res.Matches["PO"], ",") != strings.Join(tt.matches, ",") {
			t.Errorf("%q: activates %v matches %v, want %v (%s)", tt.body, res.Activates, res.Matches["PO"], tt.matches, res.Reason)
		}
	}
}

// Issue 12 item 16: where the two engines' readings differ, the answer is
// JavaScript's, on whichever engine evaluates the expression.
func TestIssue12_ECMAScriptSemantics(t *testing.T) {
	tests := []struct {
		name       string
		expr       string
		ignoreCase bool
		text       string
		want       bool
		engine     string
	}{
		{"dot does not match CR", `a.b`, false, "a\rb", false, "re2"},
		{"dot does not match U+2028", `a.b`, false, "a\u2028b", false, "re2"},
		{"dot matches a tab", `a.b`, false, "a\tb", true, "re2"},
		{`\s matches a no-break space`, `a\sb`, false, "a\u00a0b", true, "re2"},
		{`\s matches U+FEFF`, `a\sb`, false, "a\ufeffb", true, "re2"},
		{`\S does not`, `a\Sb`, false, "a\u00a0b", false, "re2"},
		{"$ is the end of input, not before a final newline", `end$`, false, "the end\n", false, "re2"},
		{`\z is just z`, `a\z`, false, "az", true, "re2"},
		{`\A is just A`, `\Ab`, false, "Ab", true, "re2"},
		{"IgnoreCase folds ASCII", `straße`, false, "STRASSE", false, "re2"},
		{"IgnoreCase does not match the Kelvin sign", `k`, true, "\u212a", false, "re2"},
		{"IgnoreCase does not match long s", `s`, true, "\u017f", false, "re2"},
		{"IgnoreCase in a class", `[a-c]x`, true, "BX", true, "re2"},
		{"negated class under IgnoreCase", `[^k]`, true, "K", false, "re2"},
		{"literal brace", `a{,2}`, false, "a{,2}", true, "re2"},
		{`\x and \u escapes`, `\x41\u0042`, false, "AB", true, "re2"},
		{"backreference", `(ab)\1`, false, "xabab", true, "ecmascript"},
		{"lookbehind", `(?<=\$)\d+`, false, "cost $42", true, "ecmascript"},
		{"negative lookahead", `foo(?!bar)`, false, "foobar", false, "ecmascript"},
		{"non-ASCII under IgnoreCase", `é`, true, "É", true, "ecmascript"},
		{"empty class matches nothing", `a[]`, false, "a]", false, "re2"},
		{"[^] matches anything", `a[^]b`, false, "a\nb", true, "re2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re, err := compileRuleRegex(tt.expr, tt.ignoreCase)
			if err != nil {
				t.Fatal(err)
			}
			if re.Engine() != tt.engine {
				t.Errorf("engine %s, want %s", re.Engine(), tt.engine)
			}
			got, err := re.matchString(tt.text, time.Now().Add(time.Second))
			if err != nil || got != tt.want {
				t.Errorf("match %q against %q = %v (%v), want %v", tt.expr, tt.text, got, err, tt.want)
			}
		})
	}
}

// Issue 12 item 16: a catastrophic expression on the backtracking engine is cut off at
// the evaluation's time limit instead of hanging, and the add-in does not activate;
// the same shape RE2 can run is answered at once.
func TestIssue12_CatastrophicRegexTimeout(t *testing.T) {
	text := strings.Repeat("a", 40) + "b"
	rule := &Rule{Type: RuleItemHasRegularExpressionMatch, RegExName: "Boom", RegExValue: `(?=a)(a+)+$`, PropertyName: PropertySubject}
	limit := 100 * time.Millisecond
	res := Evaluate(rule, Item{Type: "message", Subject: text}, EvalOptions{Timeout: limit})
	if !res.TimedOut || res.Activates || res.Duration <= limit || !strings.Contains(res.Reason, `rule "Boom"`) || !strings.Contains(res.Reason, "cut off") {
		t.Errorf("catastrophic expression: %+v", res)
	}

	linear := &Rule{Type: RuleItemHasRegularExpressionMatch, RegExName: "Linear", RegExValue: `(a+)+$`, PropertyName: PropertySubject}
	res = Evaluate(linear, Item{Type: "message", Subject: strings.Repeat("a", 100000) + "b"}, EvalOptions{Timeout: 10 * time.Second})
	if res.TimedOut || res.Activates {
		t.Errorf("(a+)+$ on RE2: %+v", res)
	}
	if re, err := compileRuleRegex(`(a+)+$`, false); err != nil || re.Engine() != "re2" {
		t.Errorf("(a+)+$ does not run on RE2: %v", err)
	}

	// A cut-off known-entity filter likewise.
	filter := &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityURL, FilterName: "F", RegExFilter: `(?=a)(a+)+$`}
	res = Evaluate(filter, Item{Type: "message", BodyText: "see https://" + strings.Repeat("a", 40) + ".example/x"}, EvalOptions{Timeout: limit})
	if !res.TimedOut || res.Activates || !strings.Contains(res.Reason, `filter "F"`) {
		t.Errorf("catastrophic filter: %+v", res)
	}
}
