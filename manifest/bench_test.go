package manifest

import (
	"fmt"
	"strings"
	"testing"
)

// bigManifest builds a mail manifest of about 200 KB from the ReadWriteMailbox
// fixture by adding many localized resources, close to Outlook's 256 KB limit and
// larger than any manifest in the shared corpus.
func bigManifest(tb testing.TB) []byte {
	base := string(readFixture(tb, "mail-readwritemailbox.xml"))
	var extra strings.Builder
	for i := 0; extra.Len() < 190<<10; i++ {
		fmt.Fprintf(&extra, `<bt:Url id="extra%d" DefaultValue="https://addins.fabrikam.example/pages/%d.html"><bt:Override Locale="fr-FR" Value="https://addins.fabrikam.example/fr/pages/%d.html"/></bt:Url>`+"\n", i, i, i)
	}
	const anchor = `<bt:Url id="functionFile"`
	return []byte(strings.Replace(base, anchor, extra.String()+anchor, 1))
}

func TestBigManifestParses(t *testing.T) {
	data := bigManifest(t)
	if len(data) < 190<<10 || len(data) > MaxManifestBytes {
		t.Fatalf("big manifest is %d bytes", len(data))
	}
	m, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.VersionOverrides.URLs) < 1000 {
		t.Errorf("only %d resource URLs parsed", len(m.VersionOverrides.URLs))
	}
}

func BenchmarkParse(b *testing.B) {
	data := bigManifest(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	m := mustParse(b, "mail-readwritemailbox.xml")
	var body strings.Builder
	for body.Len() < MaxPlainBodyBytes {
		body.WriteString("Lorem ipsum dolor sit amet, call (425) 555-0100 or see https://contoso.example/a. ")
	}
	item := Item{Type: "message", FormType: "Edit", Subject: "FAB-123456", Attachments: []string{"a"}, BodyText: body.String()}
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if !Evaluate(m.Rules, item, EvalOptions{}).Activates {
			b.Fatal("did not activate")
		}
	}
}

// BenchmarkEvaluatePathological runs the classic catastrophic-backtracking expression
// over 1 MB of "a": with RE2 it costs about what any other expression costs.
func BenchmarkEvaluatePathological(b *testing.B) {
	rule := regexRule("Evil", `(a+)+b`, PropertyBodyAsPlaintext)
	item := Item{BodyText: strings.Repeat("a", MaxPlainBodyBytes)}
	b.SetBytes(MaxPlainBodyBytes)
	for b.Loop() {
		Evaluate(rule, item, EvalOptions{})
	}
}

// BenchmarkExtractEntitiesAdversarial measures 1 MB bodies shaped to make each
// recogniser try, and fail, at as many positions as possible.
func BenchmarkExtractEntitiesAdversarial(b *testing.B) {
	cases := []struct{ entity, unit string }{
		{EntityPhoneNumber, "1 "},
		{EntityPhoneNumber, "(425) 555-010 "},
		{EntityAddress, "1 Main St, "},
		{EntityAddress, "12 Main St, WA 98052 "},
		{EntityURL, "www "},
	}
	for _, c := range cases {
		text := strings.Repeat(c.unit, MaxPlainBodyBytes/len(c.unit))
		b.Run(c.entity+"/"+strings.TrimSpace(c.unit), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				extractEntities(c.entity, text, -1)
			}
		})
	}
}
