package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
	"unicode/utf8"
)

// addSeeds adds every fixture and, when the shared corpus exists, every corpus file
// matching pattern.
func addSeeds(f *testing.F, fixtures []string, corpusPattern string) {
	for _, name := range fixtures {
		f.Add(readFixture(f, name))
	}
	if corpusPattern == "" {
		return
	}
	if _, err := os.Stat(corpusDir); err != nil {
		return
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, corpusPattern))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
}

var (
	officeFixtures = []string{"mail-readwritemailbox.xml", "mail-restricted-regex.xml", "taskpane.xml", "content.xml", "too-many-rules.xml", "too-many-regex.xml", "billion-laughs.xml", "external-entity.xml"}
	spFixtures     = []string{"sharepoint-list.AppManifest.xml"}
	jsonFixtures   = []string{"unified-mail.manifest.json"}
)

// checkManifest asserts what every successful parse guarantees.
func checkManifest(t *testing.T, data []byte, m *Manifest) {
	t.Helper()
	sum := sha256.Sum256(data)
	if m.Size != len(data) || m.Digest != hex.EncodeToString(sum[:]) {
		t.Fatalf("Size/Digest do not describe the input")
	}
	switch m.Kind {
	case KindMail, KindTaskPane, KindContent, KindSharePoint:
	default:
		t.Fatalf("invalid kind %q", m.Kind)
	}
	if m.ID == "" {
		t.Fatal("parsed a manifest without an id")
	}
	for _, set := range m.RuleSets() {
		rules, regex := 0, 0
		for _, r := range set {
			c := r.counts()
			rules, regex = rules+c.rules, regex+c.regex
		}
		if rules > MaxActivationRules || regex > MaxRegularExpression {
			t.Fatalf("accepted a rule set with %d rules and %d expressions", rules, regex)
		}
	}
	m.HasRegexOrAttachmentRules()
	m.PlainHTTPURLs(true)
	if m.Rules != nil {
		Evaluate(m.Rules, Item{Type: "message", FormType: "Read", Subject: "x 425-555-0100", BodyText: "https://a.example"}, EvalOptions{})
	}
}

func FuzzParseOfficeXML(f *testing.F) {
	addSeeds(f, officeFixtures, "outlook/*.xml")
	addSeeds(f, nil, "taskpane/*.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseOfficeXML(data)
		if err != nil {
			return
		}
		if m.Format != FormatXML {
			t.Fatalf("format %q", m.Format)
		}
		checkManifest(t, data, m)
	})
}

func FuzzParseSharePoint(f *testing.F) {
	addSeeds(f, spFixtures, "sharepoint/*.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseSharePoint(data)
		if err != nil {
			return
		}
		if m.Format != FormatSharePoint || m.SharePoint == nil {
			t.Fatalf("format %q, permissions %v", m.Format, m.SharePoint)
		}
		checkManifest(t, data, m)
	})
}

func FuzzParseJSON(f *testing.F) {
	addSeeds(f, jsonFixtures, "unified/*.json")
	f.Add([]byte(`{"id":"x","extensions":[{"ribbons":[{"tabs":[{"groups":[{"controls":[{"items":[{"items":[{"items":[]}]}]}]}]}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseJSON(data)
		if err != nil {
			return
		}
		if m.Format != FormatJSON || m.Permission == "" {
			t.Fatalf("format %q, permission %q", m.Format, m.Permission)
		}
		checkManifest(t, data, m)
	})
}

func FuzzParse(f *testing.F) {
	addSeeds(f, append(append(append([]string{}, officeFixtures...), spFixtures...), jsonFixtures...), "*/*")
	f.Add([]byte(""))
	f.Add(utf16LE(`<OfficeApp/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		checkManifest(t, data, m)
	})
}

func FuzzParsePermissionRequests(f *testing.F) {
	f.Add([]byte(`<AppPermissionRequests AllowAppOnlyPolicy="true"><AppPermissionRequest Scope="http://sharepoint/content/sitecollection/web/list" Right="Read"><Property Name="BaseTemplateId" Value="101"/></AppPermissionRequest></AppPermissionRequests>`))
	f.Add([]byte(`<?xml version="1.0"?><AppPermissionRequest Scope="http://sharepoint/search" Right="QueryAsUserIgnoreAppPrincipal"/><AppPermissionRequest Scope="s" Right="r"/>`))
	f.Add([]byte(`</requestsFile><requestsFile>`))
	addSeeds(f, []string{"billion-laughs.xml", "sharepoint-list.AppManifest.xml"}, "")
	f.Fuzz(func(t *testing.T, data []byte) {
		sp, err := ParsePermissionRequests(data)
		if err != nil {
			return
		}
		for _, r := range sp.Requests {
			if r.Scope == "" || r.Right == "" {
				t.Fatalf("accepted a request without scope or right: %+v", r)
			}
		}
	})
}

// FuzzEvaluate parses a manifest with a fuzzed regular expression (and entity filter)
// and evaluates it against a fuzzed item: nothing may panic, and Microsoft's match
// limits must hold.
func FuzzEvaluate(f *testing.F) {
	f.Add(`CO-\d{9}`, `youtube\.com`, "Order CO-123456789 https://youtube.com/watch", "<b>CO-000000001</b>", "Subject", true)
	f.Add(`(a+)+b`, `^\(425`, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (425) 555-0100", "", "BodyAsPlaintext", false)
	f.Add(`(?i)é+`, `.`, "ÉÉÉ 123 Main St, Redmond, WA 98052", "ééé", "BodyAsHTML", true)
	f.Add(`\d`, `\d`, "1 2 3 4 5 6 7 8 9", "\xff\xfe", "SenderSMTPAddress", false)
	f.Fuzz(func(t *testing.T, expr, filter, body, html, property string, ignoreCase bool) {
		var esc bytes.Buffer
		attr := func(s string) string {
			esc.Reset()
			_ = xml.EscapeText(&esc, []byte(s))
			return esc.String()
		}
		ic := "false"
		if ignoreCase {
			ic = "true"
		}
		doc := `<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>f</Id><Permissions>ReadItem</Permissions>` +
			`<Rule xsi:type="RuleCollection" Mode="Or">` +
			`<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="R" RegExValue="` + attr(expr) + `" PropertyName="` + attr(property) + `" IgnoreCase="` + ic + `"/>` +
			`<Rule xsi:type="ItemHasKnownEntity" EntityType="PhoneNumber" FilterName="P" RegExFilter="` + attr(filter) + `"/>` +
			`<Rule xsi:type="ItemHasKnownEntity" EntityType="Url"/><Rule xsi:type="ItemHasKnownEntity" EntityType="Address"/>` +
			`</Rule></OfficeApp>`
		m, err := Parse([]byte(doc))
		if err != nil {
			return
		}
		item := Item{Type: "message", FormType: "Read", Subject: body, BodyText: body, BodyHTML: html, SenderAddress: body}
		res := Evaluate(m.Rules, item, EvalOptions{Timeout: 20 * time.Millisecond})
		if res.TimedOut && res.Activates {
			t.Fatalf("a cut-off evaluation activated: %+v", res)
		}
		for name, ms := range res.Matches {
			if len(ms) > MaxMatches {
				t.Fatalf("%s: %d matches", name, len(ms))
			}
			for _, s := range ms {
				if utf8.RuneCountInString(s) > MaxHTMLMatchLength {
					t.Fatalf("%s: match of %d characters", name, utf8.RuneCountInString(s))
				}
			}
		}
		for name, es := range res.Entities {
			if len(es) > MaxMatches {
				t.Fatalf("%s: %d entities", name, len(es))
			}
		}
		if !res.TimedOut && res.Activates != (len(res.Matches) > 0 || len(res.Entities) > 0) {
			t.Fatalf("Activates=%v but matches=%v entities=%v", res.Activates, res.Matches, res.Entities)
		}
	})
}

// FuzzRuleRegexEngines checks the regular-expression path: compiling never panics,
// and wherever an expression is given to RE2, RE2's matches are exactly those of the
// backtracking ECMAScript engine, so choosing RE2 never changes an answer.
func FuzzRuleRegexEngines(f *testing.F) {
	for _, s := range [][3]string{
		{`CO-\d{9}`, "Order CO-123456789", ""}, {`a.b|\s+$`, "a\rb a\u2028b axb  \n", "i"},
		{`[^\Wk-m]+\b`, "KLM kelvin \u212a sſ", "i"}, {`x{2,}?y*|[]|[^]`, "xxxyy{2}", ""},
		{`\x41\u00e9\cJ[\b\-z]`, "Aé\n\b-", ""}, {`(a+)+$`, "aaaaaaaaaaaaab", ""},
		{`PO-(?=\d{6})\d+`, "PO-1234567", ""}, {`[a-z-]{3}\B.`, "ab-cd", "i"},
		{`0{01}x{002,010}`, "0xx", ""},
	} {
		f.Add(s[0], s[1], s[2] == "i")
	}
	f.Fuzz(func(t *testing.T, expr, text string, ignoreCase bool) {
		if len(expr) > 64 || len(text) > 256 {
			return
		}
		re, err := compileRuleRegex(expr, ignoreCase)
		if err != nil {
			return
		}
		deadline := time.Now().Add(20 * time.Millisecond)
		got, err := re.findAll(text, MaxPlainMatchLength, MaxMatches, deadline)
		if err != nil && !errors.Is(err, errRegexTimeout) {
			t.Fatalf("findAll: %v", err)
		}
		if re.re2 == nil {
			return
		}
		ecma := &ruleRegex{ecmaSrc: re.ecmaSrc, ecmaOpts: re.ecmaOpts}
		want, err := ecma.findAll(text, MaxPlainMatchLength, MaxMatches, time.Now().Add(time.Second))
		if err != nil {
			return // the backtracking engine ran out of time: nothing to compare
		}
		if !slices.Equal(got, want) {
			re2src, _ := translateRegex(expr, targetRE2, ignoreCase)
			t.Fatalf("%q (ignore case %v) on %q: RE2 %q found %q, ECMAScript %q found %q", expr, ignoreCase, text, re2src, got, re.ecmaSrc, want)
		}
	})
}
