package manifest

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func itemIs(itemType, form string) *Rule {
	return &Rule{Type: RuleItemIs, ItemType: itemType, FormType: form}
}

func regexRule(name, expr, prop string) *Rule {
	return &Rule{Type: RuleItemHasRegularExpressionMatch, RegExName: name, RegExValue: expr, PropertyName: prop}
}

func and(rules ...*Rule) *Rule { return &Rule{Type: RuleCollection, Mode: "And", Rules: rules} }
func or(rules ...*Rule) *Rule  { return &Rule{Type: RuleCollection, Mode: "Or", Rules: rules} }

func TestEvaluateItemIs(t *testing.T) {
	tests := []struct {
		name string
		rule *Rule
		item Item
		want bool
	}{
		{"message read", itemIs("Message", "Read"), Item{Type: "message", FormType: "Read"}, true},
		{"message edit vs read rule", itemIs("Message", "Read"), Item{Type: "message", FormType: "Edit"}, false},
		{"appointment vs message rule", itemIs("Message", ""), Item{Type: "appointment", FormType: "Read"}, false},
		{"no form type matches any", itemIs("Appointment", ""), Item{Type: "appointment", FormType: "Edit"}, true},
		{"ReadOrEdit rule", itemIs("Message", "ReadOrEdit"), Item{Type: "message", FormType: "Edit"}, true},
		{"ReadOrEdit item", itemIs("Message", "Edit"), Item{Type: "message", FormType: "ReadOrEdit"}, true},
		{"case-insensitive type", itemIs("Message", "Read"), Item{Type: "Message", FormType: "read"}, true},
		{"exact class", &Rule{Type: RuleItemIs, ItemType: "Message", ItemClass: "IPM.Note.Contoso"}, Item{Type: "message", MessageClass: "ipm.note.contoso"}, true},
		{"subclass without IncludeSubClasses", &Rule{Type: RuleItemIs, ItemType: "Message", ItemClass: "IPM.Note"}, Item{Type: "message", MessageClass: "IPM.Note.Contoso"}, false},
		{"subclass with IncludeSubClasses", &Rule{Type: RuleItemIs, ItemType: "Message", ItemClass: "IPM.Note", IncludeSubClasses: true}, Item{Type: "message", MessageClass: "IPM.Note.Contoso.Order"}, true},
		{"prefix is not a subclass", &Rule{Type: RuleItemIs, ItemType: "Message", ItemClass: "IPM.Note", IncludeSubClasses: true}, Item{Type: "message", MessageClass: "IPM.NoteBook"}, false},
		{"class itself with IncludeSubClasses", &Rule{Type: RuleItemIs, ItemType: "Message", ItemClass: "IPM.Note", IncludeSubClasses: true}, Item{Type: "message", MessageClass: "IPM.Note"}, true},
		{"attachment present", &Rule{Type: RuleItemHasAttachment}, Item{Attachments: []string{"a.pdf"}}, true},
		{"attachment absent", &Rule{Type: RuleItemHasAttachment}, Item{}, false},
		{"unknown rule type", &Rule{Type: "ItemIsFlagged"}, Item{Type: "message"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Evaluate(tt.rule, tt.item, EvalOptions{})
			if res.Activates != tt.want {
				t.Errorf("Activates = %v, want %v (reason: %s)", res.Activates, tt.want, res.Reason)
			}
			if res.Reason == "" {
				t.Error("Reason is empty")
			}
		})
	}
}

func TestEvaluateRegex(t *testing.T) {
	item := Item{
		Type:          "message",
		FormType:      "Read",
		Subject:       "Order CO-123456789 shipped",
		BodyText:      "Tracking 1Z999AA10123456784 and 1Z999AA10123456785.",
		BodyHTML:      `<a href="https://github.com/contoso/widgets">repo</a>`,
		SenderAddress: "orders@contoso.example",
	}
	tests := []struct {
		name    string
		rule    *Rule
		want    bool
		matches map[string][]string
	}{
		{"subject", regexRule("Order", `CO-\d{9}`, PropertySubject), true, map[string][]string{"Order": {"CO-123456789"}}},
		{"plain body, all matches", regexRule("UPS", `1Z\w{16}`, PropertyBodyAsPlaintext), true, map[string][]string{"UPS": {"1Z999AA10123456784", "1Z999AA10123456785"}}},
		{"HTML body", regexRule("Repo", `github\.com/[\w.-]+/[\w.-]+`, PropertyBodyAsHTML), true, map[string][]string{"Repo": {"github.com/contoso/widgets"}}},
		{"sender", regexRule("At", `@contoso\.example$`, PropertySenderSMTPAddress), true, map[string][]string{"At": {"@contoso.example"}}},
		{"case matters by default", regexRule("Lower", `co-\d+`, PropertySubject), false, nil},
		{"IgnoreCase", &Rule{Type: RuleItemHasRegularExpressionMatch, RegExName: "Lower", RegExValue: `co-\d+`, PropertyName: PropertySubject, IgnoreCase: true}, true, map[string][]string{"Lower": {"CO-123456789"}}},
		{"no match", regexRule("None", `ZZZ`, PropertyBodyAsPlaintext), false, nil},
		{"backreference runs on the backtracking engine", regexRule("Back", `(\w)\1`, PropertySubject), true, map[string][]string{"Back": {"pp"}}},
		{"And with ItemIs", and(itemIs("Message", "Read"), regexRule("Order", `CO-\d{9}`, PropertySubject)), true, map[string][]string{"Order": {"CO-123456789"}}},
		{"And fails on the form", and(itemIs("Message", "Edit"), regexRule("Order", `CO-\d{9}`, PropertySubject)), false, map[string][]string{"Order": {"CO-123456789"}}},
		{"Or collects every match", or(regexRule("A", `shipped`, PropertySubject), regexRule("B", `Tracking`, PropertyBodyAsPlaintext)), true, map[string][]string{"A": {"shipped"}, "B": {"Tracking"}}},
		{"Or of failures", or(itemIs("Appointment", ""), regexRule("None", `ZZZ`, PropertySubject)), false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Evaluate(tt.rule, item, EvalOptions{})
			if res.Activates != tt.want {
				t.Errorf("Activates = %v, want %v (reason: %s)", res.Activates, tt.want, res.Reason)
			}
			if !reflect.DeepEqual(res.Matches, tt.matches) {
				t.Errorf("Matches = %v, want %v", res.Matches, tt.matches)
			}
		})
	}
	t.Run("reason names the failing rule", func(t *testing.T) {
		res := Evaluate(regexRule("Back", `(a`, PropertySubject), item, EvalOptions{})
		if !strings.Contains(res.Reason, `"Back"`) || !strings.Contains(res.Reason, "JavaScript") {
			t.Errorf("Reason = %q", res.Reason)
		}
	})
}

func TestEvaluateMicrosoftLimits(t *testing.T) {
	t.Run("plain body searched in its first 1 MB only", func(t *testing.T) {
		body := strings.Repeat("x", MaxPlainBodyBytes-3) + "NEEDLE"
		res := Evaluate(regexRule("N", "NEEDLE", PropertyBodyAsPlaintext), Item{BodyText: body}, EvalOptions{})
		if res.Activates {
			t.Error("matched past the 1 MB limit")
		}
		res = Evaluate(regexRule("N", "NEE", PropertyBodyAsPlaintext), Item{BodyText: body}, EvalOptions{})
		if !res.Activates {
			t.Error("did not match inside the 1 MB limit")
		}
	})
	t.Run("HTML body searched in its first 512 KB only", func(t *testing.T) {
		body := strings.Repeat("x", MaxHTMLBodyBytes) + "NEEDLE"
		if Evaluate(regexRule("N", "NEEDLE", PropertyBodyAsHTML), Item{BodyHTML: body}, EvalOptions{}).Activates {
			t.Error("matched past the 512 KB limit")
		}
		if !Evaluate(regexRule("N", "NEEDLE", PropertyBodyAsPlaintext), Item{BodyText: body}, EvalOptions{}).Activates {
			t.Error("the same text in the plain body should match")
		}
	})
	t.Run("truncation keeps UTF-8 whole", func(t *testing.T) {
		body := strings.Repeat("x", MaxPlainBodyBytes-1) + "é"
		res := Evaluate(regexRule("Any", `x$`, PropertyBodyAsPlaintext), Item{BodyText: body}, EvalOptions{})
		if !res.Activates {
			t.Errorf("the cut should fall before the two-byte rune: %s", res.Reason)
		}
	})
	t.Run("match length", func(t *testing.T) {
		plain := strings.Repeat("a", MaxPlainMatchLength+1)
		if Evaluate(regexRule("Long", `a+`, PropertyBodyAsPlaintext), Item{BodyText: plain}, EvalOptions{}).Activates {
			t.Error("a plain match over 1,536 characters was kept")
		}
		if !Evaluate(regexRule("Long", `a+`, PropertyBodyAsHTML), Item{BodyHTML: plain}, EvalOptions{}).Activates {
			t.Error("an HTML match under 3,072 characters was dropped")
		}
		html := strings.Repeat("a", MaxHTMLMatchLength+1)
		if Evaluate(regexRule("Long", `a+`, PropertyBodyAsHTML), Item{BodyHTML: html}, EvalOptions{}).Activates {
			t.Error("an HTML match over 3,072 characters was kept")
		}
		// Length is counted in characters, not bytes.
		runes := strings.Repeat("é", MaxPlainMatchLength)
		if !Evaluate(regexRule("Long", `é+`, PropertyBodyAsPlaintext), Item{BodyText: runes}, EvalOptions{}).Activates {
			t.Error("a 1,536-character match of two-byte runes was dropped")
		}
	})
	t.Run("at most 50 matches", func(t *testing.T) {
		res := Evaluate(regexRule("D", `\d`, PropertyBodyAsPlaintext), Item{BodyText: strings.Repeat("1 ", 80)}, EvalOptions{})
		if len(res.Matches["D"]) != MaxMatches {
			t.Errorf("%d matches, want %d", len(res.Matches["D"]), MaxMatches)
		}
	})
	t.Run("rules sharing a name stay under 50 together", func(t *testing.T) {
		r := or(regexRule("D", `\d`, PropertyBodyAsPlaintext), regexRule("D", `\d`, PropertySubject))
		res := Evaluate(r, Item{BodyText: strings.Repeat("1 ", 40), Subject: strings.Repeat("2 ", 40)}, EvalOptions{})
		if len(res.Matches["D"]) != MaxMatches {
			t.Errorf("%d matches, want %d", len(res.Matches["D"]), MaxMatches)
		}
	})
}

func TestEvaluateKnownEntities(t *testing.T) {
	item := Item{
		Type:     "message",
		Subject:  "Meet at 123 Main St, Redmond, WA 98052",
		BodyText: "Call (425) 555-0100 or (206) 555-0199. Video: https://www.youtube.com/watch?v=abc and https://contoso.example/x",
	}
	tests := []struct {
		name        string
		rule        *Rule
		item        Item
		want        bool
		entities    map[string][]string
		unsupported []string
	}{
		{"phone numbers", &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityPhoneNumber}, item, true,
			map[string][]string{EntityPhoneNumber: {"(425) 555-0100", "(206) 555-0199"}}, nil},
		{"address in the subject", &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityAddress}, item, true,
			map[string][]string{EntityAddress: {"123 Main St, Redmond, WA 98052"}}, nil},
		{"filtered URLs under the filter name", &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityURL, FilterName: "YouTube", RegExFilter: `YOUTUBE\.com/watch`, IgnoreCase: true}, item, true,
			map[string][]string{"YouTube": {"https://www.youtube.com/watch?v=abc"}}, nil},
		{"filter is case-sensitive by default", &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityURL, FilterName: "YouTube", RegExFilter: `YOUTUBE`}, item, false, nil, nil},
		{"filter narrows phones", &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityPhoneNumber, RegExFilter: `^\(206\)`}, item, true,
			map[string][]string{EntityPhoneNumber: {"(206) 555-0199"}}, nil},
		{"no entity", &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityAddress}, Item{BodyText: "nothing here"}, false, nil, nil},
		{"HTML-only body", &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityURL}, Item{BodyHTML: `<p>see <b>www.contoso.example</b></p>`}, true,
			map[string][]string{EntityURL: {"www.contoso.example"}}, nil},
		{"unsupported entities never match", or(&Rule{Type: RuleItemHasKnownEntity, EntityType: EntityEmailAddress}, &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityMeetingSuggestion}, &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityEmailAddress}), Item{BodyText: "mail a@b.example tomorrow at 3"}, false,
			nil, []string{EntityEmailAddress, EntityMeetingSuggestion}},
		{"bad filter", &Rule{Type: RuleItemHasKnownEntity, EntityType: EntityURL, RegExFilter: `(?=x`}, item, false, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Evaluate(tt.rule, tt.item, EvalOptions{})
			if res.Activates != tt.want {
				t.Errorf("Activates = %v, want %v (reason: %s)", res.Activates, tt.want, res.Reason)
			}
			if !reflect.DeepEqual(res.Entities, tt.entities) {
				t.Errorf("Entities = %q, want %q", res.Entities, tt.entities)
			}
			if !slices.Equal(res.Unsupported, tt.unsupported) {
				t.Errorf("Unsupported = %v, want %v", res.Unsupported, tt.unsupported)
			}
		})
	}
}

func TestEvaluateIRMAndNil(t *testing.T) {
	rule := itemIs("Message", "")
	protected := Item{Type: "message", IRMProtected: true}
	tests := []struct {
		name   string
		rule   *Rule
		item   Item
		opts   EvalOptions
		want   bool
		reason string
	}{
		{"IRM item blocked by default", rule, protected, EvalOptions{}, false, "IRM-protected"},
		{"IRM item allowed", rule, protected, EvalOptions{AllowIRM: true}, true, "activates"},
		{"no rules", nil, Item{Type: "message"}, EvalOptions{}, false, "no activation rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Evaluate(tt.rule, tt.item, tt.opts)
			if res.Activates != tt.want || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("Activates/Reason = %v/%q, want %v/…%s…", res.Activates, res.Reason, tt.want, tt.reason)
			}
		})
	}
}

func TestEvaluateParsedManifest(t *testing.T) {
	m := mustParse(t, "mail-readwritemailbox.xml")
	tests := []struct {
		name string
		item Item
		want bool
	}{
		{"read message", Item{Type: "message", FormType: "Read"}, true},
		{"appointment subclass", Item{Type: "appointment", FormType: "Edit", MessageClass: "IPM.Appointment.Contoso"}, true},
		{"compose with ticket, attachment and Redmond phone", Item{Type: "message", FormType: "Edit", Subject: "FAB-000123", Attachments: []string{"x"}, BodyText: "(425) 555-0100"}, true},
		{"compose with ticket but Seattle phone", Item{Type: "message", FormType: "Edit", Subject: "FAB-000123", Attachments: []string{"x"}, BodyText: "(206) 555-0100"}, false},
		{"compose without attachment", Item{Type: "message", FormType: "Edit", Subject: "FAB-000123", BodyText: "(425) 555-0100"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res := Evaluate(m.Rules, tt.item, EvalOptions{}); res.Activates != tt.want {
				t.Errorf("Activates = %v, want %v (reason: %s)", res.Activates, tt.want, res.Reason)
			}
		})
	}
}

func TestEvaluatePathologicalRegexCompletes(t *testing.T) {
	// (a+)+b backtracks exponentially in engines like JavaScript's; RE2 runs it in
	// linear time, so this returns (there is no timing assertion: finishing is the test).
	body := strings.Repeat("a", MaxPlainBodyBytes)
	res := Evaluate(regexRule("Evil", `(a+)+b`, PropertyBodyAsPlaintext), Item{BodyText: body}, EvalOptions{})
	if res.Activates {
		t.Error("matched a body with no b")
	}
	if res.Duration <= 0 {
		t.Error("Duration was not measured")
	}
}
