package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/unicode"

	"addingov/registrypolicy"
)

// The parts of an ADMX file the sync check compares with the definition table.
type admxFile struct {
	Policies []admxPolicy `xml:"policies>policy"`
}

type admxPolicy struct {
	Name      string        `xml:"name,attr"`
	Class     string        `xml:"class,attr"`
	Key       string        `xml:"key,attr"`
	ValueName string        `xml:"valueName,attr"`
	Enabled   *admxDecimal  `xml:"enabledValue>decimal"`
	Disabled  *admxDecimal  `xml:"disabledValue>decimal"`
	Elements  *admxElements `xml:"elements"`
}

type admxDecimal struct {
	Value string `xml:"value,attr"`
}

type admxElements struct {
	Decimals []struct {
		ID        string `xml:"id,attr"`
		ValueName string `xml:"valueName,attr"`
		Min       string `xml:"minValue,attr"`
		Max       string `xml:"maxValue,attr"`
	} `xml:"decimal"`
	Enums []struct {
		ID        string `xml:"id,attr"`
		ValueName string `xml:"valueName,attr"`
		Items     []struct {
			String string `xml:"value>string"`
		} `xml:"item"`
	} `xml:"enum"`
	Lists []struct {
		ID  string `xml:"id,attr"`
		Key string `xml:"key,attr"`
	} `xml:"list"`
}

// parseADMX reads an ADMX or ADML file in UTF-8 or UTF-16 (with BOM, as Microsoft
// ships them).
func parseADMX(data []byte, v any) error {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		utf8, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return fmt.Errorf("decode UTF-16: %w", err)
		}
		data = utf8
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	// The text is UTF-8 by now whatever the declaration says.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return d.Decode(v)
}

// checkADMX compares a parsed ADMX with the table and returns every disagreement:
// missing or extra policies, and any key, value name, type, range, choice or class
// that differs.
func checkADMX(f admxFile, settings []registrypolicy.Setting) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	byName := map[string]admxPolicy{}
	for _, p := range f.Policies {
		byName[p.Name] = p
	}
	for _, s := range settings {
		if !s.Ours() {
			continue // Microsoft's own policy: Office's ADMX defines it
		}
		p, ok := byName[s.Name]
		if !ok {
			bad("%s: no policy in the ADMX", s.Name)
			continue
		}
		delete(byName, s.Name)
		var want string
		switch s.Scope {
		case registrypolicy.ScopeMachine:
			want = "Machine"
		case registrypolicy.ScopeUser:
			want = "User"
		default:
			want = "Both"
		}
		if p.Class != want {
			bad("%s: class %q, want %q", s.Name, p.Class, want)
		}
		for _, loc := range s.Locations {
			if loc.Authority != registrypolicy.AuthorityAddinGov {
				continue
			}
			checkLocation(s, loc, p, bad)
		}
	}
	for name := range byName {
		bad("%s: policy in the ADMX but not in the table", name)
	}
	return problems
}

func checkLocation(s registrypolicy.Setting, loc registrypolicy.Location, p admxPolicy, bad func(string, ...any)) {
	el := p.Elements
	if el == nil {
		el = &admxElements{}
	}
	switch s.Kind {
	case registrypolicy.KindBool:
		if !strings.EqualFold(p.Key, loc.Key) || !strings.EqualFold(p.ValueName, loc.ValueName) {
			bad("%s: writes %s\\%s, want %s\\%s", s.Name, p.Key, p.ValueName, loc.Key, loc.ValueName)
		}
		if p.Enabled == nil || p.Enabled.Value != "1" || p.Disabled == nil || p.Disabled.Value != "0" {
			bad("%s: a switch must write decimal 1 when enabled and 0 when disabled", s.Name)
		}
	case registrypolicy.KindNumber:
		if len(el.Decimals) != 1 {
			bad("%s: want exactly one <decimal> element, found %d", s.Name, len(el.Decimals))
			return
		}
		d := el.Decimals[0]
		if !strings.EqualFold(p.Key, loc.Key) || !strings.EqualFold(d.ValueName, loc.ValueName) {
			bad("%s: writes %s\\%s, want %s\\%s", s.Name, p.Key, d.ValueName, loc.Key, loc.ValueName)
		}
		if d.Min != strconv.FormatInt(s.Min, 10) || d.Max != strconv.FormatInt(s.Max, 10) {
			bad("%s: range %s–%s, want %d–%d", s.Name, d.Min, d.Max, s.Min, s.Max)
		}
	case registrypolicy.KindEnum:
		if len(el.Enums) != 1 {
			bad("%s: want exactly one <enum> element, found %d", s.Name, len(el.Enums))
			return
		}
		e := el.Enums[0]
		if !strings.EqualFold(p.Key, loc.Key) || !strings.EqualFold(e.ValueName, loc.ValueName) {
			bad("%s: writes %s\\%s, want %s\\%s", s.Name, p.Key, e.ValueName, loc.Key, loc.ValueName)
		}
		var got []string
		for _, it := range e.Items {
			got = append(got, it.String)
		}
		if strings.Join(got, ",") != strings.Join(s.Choices, ",") {
			bad("%s: choices %v, want %v", s.Name, got, s.Choices)
		}
	case registrypolicy.KindList:
		if len(el.Lists) != 1 {
			bad("%s: want exactly one <list> element, found %d", s.Name, len(el.Lists))
			return
		}
		if !strings.EqualFold(el.Lists[0].Key, loc.Key) {
			bad("%s: list key %s, want %s", s.Name, el.Lists[0].Key, loc.Key)
		}
	}
}

var resourceRef = regexp.MustCompile(`\$\((string|presentation)\.([A-Za-z0-9_]+)\)`)

// checkADML returns every $(string.X) and $(presentation.X) the ADMX uses that the
// ADML does not define.
func checkADML(admx, adml []byte) ([]string, error) {
	var res struct {
		Strings []struct {
			ID string `xml:"id,attr"`
		} `xml:"resources>stringTable>string"`
		Presentations []struct {
			ID string `xml:"id,attr"`
		} `xml:"resources>presentationTable>presentation"`
	}
	if err := parseADMX(adml, &res); err != nil {
		return nil, err
	}
	defined := map[string]bool{}
	for _, s := range res.Strings {
		defined["string."+s.ID] = true
	}
	for _, p := range res.Presentations {
		defined["presentation."+p.ID] = true
	}
	var missing []string
	for _, m := range resourceRef.FindAllStringSubmatch(string(admx), -1) {
		if !defined[m[1]+"."+m[2]] {
			missing = append(missing, m[0])
		}
	}
	return missing, nil
}
