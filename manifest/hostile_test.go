package manifest

import (
	"errors"
	"strings"
	"testing"
)

func TestHostileXML(t *testing.T) {
	deep := strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000)
	tests := []struct {
		name    string
		data    []byte
		wantErr error  // matched with errors.Is when set
		want    string // substring of the message otherwise
	}{
		{"billion laughs", readFixture(t, "billion-laughs.xml"), ErrDTD, ""},
		{"external entity", readFixture(t, "external-entity.xml"), ErrDTD, ""},
		{"bare DOCTYPE", []byte(`<!DOCTYPE OfficeApp><OfficeApp/>`), ErrDTD, ""},
		{"entity declaration inside the document", []byte(`<OfficeApp><!ENTITY x "y"></OfficeApp>`), ErrDTD, ""},
		{"undeclared entity reference", []byte(`<OfficeApp><Id>&lol9;</Id></OfficeApp>`), nil, "not well formed"},
		{"deep nesting", []byte(`<OfficeApp>` + deep + `</OfficeApp>`), nil, "deeper than 64 levels"},
		{"giant attribute", []byte(`<OfficeApp x="` + strings.Repeat("A", 200<<10) + `"/>`), nil, "attribute x of <OfficeApp>"},
		{"giant text", []byte(`<OfficeApp><Id>` + strings.Repeat("A", 100<<10) + `</Id></OfficeApp>`), nil, "text inside <Id>"},
		{"too many attributes", []byte(`<OfficeApp ` + manyAttrs(100) + `/>`), nil, "100 attributes"},
		{"too many elements", []byte(`<OfficeApp>` + strings.Repeat("<b/>", 25000) + `</OfficeApp>`), nil, "more than 20000 elements"},
	}
	parsers := map[string]func([]byte) (*Manifest, error){
		"Parse": Parse, "ParseOfficeXML": ParseOfficeXML, "ParseSharePoint": ParseSharePoint,
	}
	for _, tt := range tests {
		for pname, parse := range parsers {
			t.Run(tt.name+"/"+pname, func(t *testing.T) {
				m, err := parse(tt.data)
				if err == nil {
					t.Fatalf("parsed %+v, want an error", m)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if tt.want != "" && !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.want)
				}
			})
		}
		t.Run(tt.name+"/ParsePermissionRequests", func(t *testing.T) {
			if _, err := ParsePermissionRequests(tt.data); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func manyAttrs(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(" a")
		b.WriteString(strings.Repeat("x", i%7+1))
		b.WriteByte(byte('a' + i%26))
		b.WriteString(strings.Repeat("y", i/26+1))
		b.WriteString(`="1"`)
	}
	return b.String()
}

func TestOversizeRefusedBeforeParsing(t *testing.T) {
	// Not even well formed: the size check must come first.
	data := []byte("<OfficeApp>" + strings.Repeat("x", MaxManifestBytes))
	parsers := map[string]func([]byte) (*Manifest, error){
		"Parse": Parse, "ParseOfficeXML": ParseOfficeXML, "ParseSharePoint": ParseSharePoint, "ParseJSON": ParseJSON,
	}
	for name, parse := range parsers {
		t.Run(name, func(t *testing.T) {
			_, err := parse(data)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != LimitManifestSize || le.Got != len(data) || le.Max != 262144 {
				t.Fatalf("err = %v, want a manifest-size LimitError with Got=%d", err, len(data))
			}
		})
	}
	t.Run("ParsePermissionRequests", func(t *testing.T) {
		_, err := ParsePermissionRequests(data)
		var le *LimitError
		if !errors.As(err, &le) || le.Got != len(data) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("exactly 256 KB is allowed", func(t *testing.T) {
		head := `<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="TaskPaneApp"><Id>x</Id>`
		tail := `</OfficeApp>`
		pad := "<!--" + strings.Repeat("p", MaxManifestBytes-len(head)-len(tail)-7) + "-->"
		data := []byte(head + pad + tail)
		if len(data) != MaxManifestBytes {
			t.Fatalf("test data is %d bytes", len(data))
		}
		if _, err := Parse(data); err != nil {
			t.Fatalf("Parse: %v", err)
		}
	})
}
