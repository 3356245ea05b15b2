package manifest

import (
	"slices"
	"testing"
)

func TestExtractEntities(t *testing.T) {
	tests := []struct {
		name       string
		entityType string
		text       string
		want       []string
	}{
		{"US dashed", EntityPhoneNumber, "Call 425-555-0100 today", []string{"425-555-0100"}},
		{"US parenthesised", EntityPhoneNumber, "Office: (425) 555-0100.", []string{"(425) 555-0100"}},
		{"US dotted and +1", EntityPhoneNumber, "a 425.555.0100 b +1 206 555 0199", []string{"425.555.0100", "+1 206 555 0199"}},
		{"international", EntityPhoneNumber, "London +44 20 7946 0958, Paris +33 1 23 45 67 89", []string{"+44 20 7946 0958", "+33 1 23 45 67 89"}},
		{"international with area in parentheses", EntityPhoneNumber, "Berlin +49 (30) 901820", []string{"+49 (30) 901820"}},
		{"order of appearance across forms", EntityPhoneNumber, "+44 20 7946 0958 then 425-555-0100", []string{"+44 20 7946 0958", "425-555-0100"}},
		{"not inside a longer number", EntityPhoneNumber, "Order 9425-555-01001 and ref A425-555-0100", nil},
		{"too few digits", EntityPhoneNumber, "+1 555 0100 or 555-0100", nil},
		{"too many digits", EntityPhoneNumber, "+999 1234 5678 9012 3456", nil},
		{"dates are not numbers", EntityPhoneNumber, "on 2024-05-17 at 10:30", nil},

		{"street address", EntityAddress, "Visit us at 123 Main St, Redmond, WA 98052 soon.", []string{"123 Main St, Redmond, WA 98052"}},
		{"address with suite and ZIP+4", EntityAddress, "1 Microsoft Way Suite 200, Redmond, WA 98052-6399", []string{"1 Microsoft Way Suite 200, Redmond, WA 98052-6399"}},
		{"address with direction and two-word city", EntityAddress, "500 108th Ave NE, Bellevue, WA 98004 and 4 Elm Street, Salt Lake City, UT 84101",
			[]string{"500 108th Ave NE, Bellevue, WA 98004", "4 Elm Street, Salt Lake City, UT 84101"}},
		{"no state", EntityAddress, "123 Main St, Redmond 98052", nil},
		{"not a street", EntityAddress, "We sold 12 apples, Redmond, WA 98052", nil},

		{"https and www", EntityURL, "see https://contoso.example/a?b=1, or www.fabrikam.example.", []string{"https://contoso.example/a?b=1", "www.fabrikam.example"}},
		{"in parentheses", EntityURL, "(http://x.example/path)", []string{"http://x.example/path"}},
		{"case-insensitive scheme", EntityURL, "HTTPS://X.EXAMPLE", []string{"HTTPS://X.EXAMPLE"}},
		{"no scheme no www", EntityURL, "contoso.example/path", nil},

		{"unsupported type", EntityEmailAddress, "someone@contoso.example", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := extractEntities(tt.entityType, tt.text, -1); !slices.Equal(got, tt.want) {
				t.Errorf("extractEntities(%s) = %q, want %q", tt.entityType, got, tt.want)
			}
		})
	}
}

func TestExtractEntitiesLimit(t *testing.T) {
	text := ""
	for range 60 {
		text += "https://a.example/ 425-555-0100 "
	}
	for _, et := range []string{EntityURL, EntityPhoneNumber} {
		if got := extractEntities(et, text, MaxMatches); len(got) != MaxMatches {
			t.Errorf("%s: %d entities, want the cap of %d", et, len(got), MaxMatches)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	got := htmlToText(`<p>Call <b>425-555-0100</b> &amp; visit<br/>www.x.example</p>`)
	if want := " Call  425-555-0100  & visit www.x.example "; got != want {
		t.Errorf("htmlToText = %q, want %q", got, want)
	}
}
