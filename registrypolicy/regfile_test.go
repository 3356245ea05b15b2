package registrypolicy

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

// utf16le encodes s as regedit exports: UTF-16LE with a BOM and CRLF line ends.
func utf16le(s string) []byte {
	s = strings.ReplaceAll(s, "\n", "\r\n")
	b := []byte{0xFF, 0xFE}
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c), byte(c>>8))
	}
	return b
}

func mustParse(t *testing.T, text string) *MemoryStore {
	t.Helper()
	f, err := ParseRegFile("t.reg", []byte(text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	s := NewMemoryStore()
	f.Apply(s)
	return s
}

func TestParseRegFileValues(t *testing.T) {
	const key = `HKEY_CURRENT_USER\Software\Test`
	tests := []struct {
		name string
		line string // one value line (or lines) below [key]
		want Value
	}{
		{"dword", `"v"=dword:0000000a`, DWord(10)},
		{"dword short and upper case", `"v"=DWORD:FF`, DWord(255)},
		{"dword max", `"v"=dword:ffffffff`, DWord(0xffffffff)},
		{"dword with comment", `"v"=dword:00000001 ; on`, DWord(1)},
		{"string", `"v"="hello"`, String("hello")},
		{"string escapes", `"v"="C:\\Program Files\\\"x\""`, String(`C:\Program Files\"x"`)},
		{"string with semicolon", `"v"="a;b" ; comment`, String("a;b")},
		{"empty string", `"v"=""`, String("")},
		{"binary", `"v"=hex:01,02,ff`, Binary([]byte{1, 2, 0xff})},
		{"binary empty", `"v"=hex:`, Binary([]byte{})},
		{"expand string hex(2)", `"v"=hex(2):25,00,54,00,45,00,4d,00,50,00,25,00,00,00`, ExpandString("%TEMP%")},
		{"multi string hex(7)", `"v"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00`, MultiString([]string{"a", "bc"})},
		{"qword hex(b)", `"v"=hex(b):00,e4,0b,54,02,00,00,00`, QWord(10000000000)},
		{"dword as hex(4)", `"v"=hex(4):0a,00,00,00`, DWord(10)},
		{"continuation", "\"v\"=hex(7):61,00,00,00,\\\n  62,00,00,00,\\\n  00,00", MultiString([]string{"a", "b"})},
		{"continuation with comment", "\"v\"=hex:01,02,\\ ; first\n  03", Binary([]byte{1, 2, 3})},
		{"default value", `@="dflt"`, String("dflt")},
		{"spaces around =", `"v" = dword:00000002`, DWord(2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := "v"
			if strings.HasPrefix(tc.line, "@") {
				name = ""
			}
			s := mustParse(t, "Windows Registry Editor Version 5.00\n\n["+key+"]\n"+tc.line+"\n")
			got, ok, err := s.ReadValue(HKCU, `Software\Test`, name)
			if err != nil || !ok {
				t.Fatalf("value missing: ok=%v err=%v", ok, err)
			}
			if got.Type != tc.want.Type || !bytes.Equal(got.Data, tc.want.Data) {
				t.Errorf("got %s %x, want %s %x", got.Type, got.Data, tc.want.Type, tc.want.Data)
			}
		})
	}
}

func TestParseRegFileDecodedAccessors(t *testing.T) {
	s := mustParse(t, `Windows Registry Editor Version 5.00
[HKEY_LOCAL_MACHINE\SOFTWARE\X]
"e"=hex(2):25,00,41,00,25,00,00,00
"m"=hex(7):6f,00,6e,00,65,00,00,00,74,00,77,00,6f,00,00,00,00,00
"q"=hex(b):ff,ff,ff,ff,ff,ff,ff,ff
`)
	e, _, _ := s.ReadValue(HKLM, `SOFTWARE\X`, "e")
	if txt, err := e.Text(); err != nil || txt != "%A%" {
		t.Errorf("hex(2) text = %q, %v", txt, err)
	}
	m, _, _ := s.ReadValue(HKLM, `SOFTWARE\X`, "m")
	if ss, err := m.Strings(); err != nil || !reflect.DeepEqual(ss, []string{"one", "two"}) {
		t.Errorf("hex(7) strings = %q, %v", ss, err)
	}
	q, _, _ := s.ReadValue(HKLM, `SOFTWARE\X`, "q")
	if n, err := q.Integer(); err != nil || n != 1<<64-1 {
		t.Errorf("hex(b) = %d, %v", n, err)
	}
}

func TestParseRegFileEncodings(t *testing.T) {
	const text = "Windows Registry Editor Version 5.00\n\n[HKEY_CURRENT_USER\\Software\\Ü]\n\"naïve\"=\"ü€\"\n"
	tests := []struct {
		name string
		data []byte
	}{
		{"UTF-16LE with BOM and CRLF", utf16le(text)},
		{"UTF-16LE without BOM", utf16le(text)[2:]},
		{"UTF-8", []byte(text)},
		{"UTF-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, text...)},
		{"UTF-8 with CRLF", []byte(strings.ReplaceAll(text, "\n", "\r\n"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseRegFile("t.reg", tc.data)
			if err != nil {
				t.Fatal(err)
			}
			s := NewMemoryStore()
			f.Apply(s)
			v, ok, _ := s.ReadValue(HKCU, `software\ü`, "NAÏVE")
			txt, _ := v.Text()
			if !ok || txt != "ü€" {
				t.Errorf("value = %q (found %v), want ü€", txt, ok)
			}
		})
	}
}

func TestParseRegFileREGEDIT4(t *testing.T) {
	// REGEDIT4 files are ANSI: é is 0xE9 in Windows-1252, and hex(2) data is single-byte.
	data := []byte("REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\Old]\r\n\"s\"=\"caf\xe9\"\r\n\"e\"=hex(2):25,54,25,00\r\n")
	f, err := ParseRegFile("old.reg", data)
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != RegVersion4 {
		t.Errorf("version %q", f.Version)
	}
	s := NewMemoryStore()
	f.Apply(s)
	v, _, _ := s.ReadValue(HKCU, `Software\Old`, "s")
	if txt, _ := v.Text(); txt != "café" {
		t.Errorf("ANSI string = %q, want café", txt)
	}
	e, _, _ := s.ReadValue(HKCU, `Software\Old`, "e")
	if txt, err := e.Text(); err != nil || txt != "%T%" || e.Type != TypeExpandString {
		t.Errorf("REGEDIT4 hex(2) = %s %q %v, want REG_EXPAND_SZ %%T%%", e.Type, txt, err)
	}
}

func TestRegFileDeletions(t *testing.T) {
	s := mustParse(t, `Windows Registry Editor Version 5.00

[HKEY_CURRENT_USER\Software\A]
"keep"=dword:00000001
"gone"=dword:00000002

[HKEY_CURRENT_USER\Software\A\Sub]
"x"="y"

[HKEY_CURRENT_USER\Software\B]
"b"="1"

; later sections delete what earlier ones set, as regedit applies them in order
[HKEY_CURRENT_USER\Software\A]
"gone"=-

[-HKEY_CURRENT_USER\Software\B]
[-HKEY_CURRENT_USER\Software\a\SUB]
`)
	tests := []struct {
		key, name string
		want      bool
	}{
		{`Software\A`, "keep", true},
		{`Software\A`, "gone", false},
		{`Software\A\Sub`, "x", false},
		{`Software\B`, "b", false},
	}
	for _, tc := range tests {
		t.Run(tc.key+`\`+tc.name, func(t *testing.T) {
			if _, ok, _ := s.ReadValue(HKCU, tc.key, tc.name); ok != tc.want {
				t.Errorf("exists = %v, want %v", ok, tc.want)
			}
		})
	}
}

func TestParseRegFileErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		want       string
	}{
		{"no header", "[HKEY_CURRENT_USER\\X]\n", 1, "first line must be"},
		{"empty", "", 1, "empty file"},
		{"value before key", "REGEDIT4\n\"a\"=dword:1\n", 2, "value outside a key"},
		{"bad hive", "REGEDIT4\n[HKEY_NOWHERE\\X]\n", 2, "unknown registry root"},
		{"unclosed key", "REGEDIT4\n[HKEY_CURRENT_USER\\X\n", 2, "without ']'"},
		{"dword too long", "REGEDIT4\n[HKCU\\X]\n\"a\"=dword:000000001\n", 3, "1 to 8 hex digits"},
		{"dword not hex", "REGEDIT4\n[HKCU\\X]\n\"a\"=dword:0000000g\n", 3, "hex digits"},
		{"bad hex byte", "REGEDIT4\n[HKCU\\X]\n\"a\"=hex:01,zz\n", 3, "hex byte 2"},
		{"bad hex type", "REGEDIT4\n[HKCU\\X]\n\"a\"=hex(q):01\n", 3, "hex(q)"},
		{"unterminated string", "REGEDIT4\n[HKCU\\X]\n\"a\"=\"abc\n", 3, "missing closing quote"},
		{"unknown escape", "REGEDIT4\n[HKCU\\X]\n\"a\"=\"C:\\temp\"\n", 3, "unknown escape \\t"},
		{"missing equals", "REGEDIT4\n[HKCU\\X]\n\"a\" dword:1\n", 3, "missing '='"},
		{"unknown data", "REGEDIT4\n[HKCU\\X]\n\"a\"=str:1\n", 3, "unknown data"},
		{"junk after string", "REGEDIT4\n[HKCU\\X]\n\"a\"=\"x\" y\n", 3, "after the closing quote"},
		{"value under deletion", "REGEDIT4\n[-HKCU\\X]\n\"a\"=dword:1\n", 3, "below a key deletion"},
		{"dangling continuation", "REGEDIT4\n[HKCU\\X]\n\"a\"=hex:01,\\", 3, "continuation"},
		{"garbage line", "REGEDIT4\n[HKCU\\X]\nhello\n", 3, "expected a value line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRegFile("bad.reg", []byte(tc.text))
			var se *RegSyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *RegSyntaxError", err)
			}
			if se.Line != tc.line || !strings.Contains(se.Msg, tc.want) {
				t.Errorf("got line %d %q, want line %d containing %q", se.Line, se.Msg, tc.line, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "bad.reg:") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestLoadRegFileOrigins(t *testing.T) {
	s, err := LoadRegFile("testdata/alert-below-range.reg")
	if err != nil {
		t.Fatal(err)
	}
	got := s.Origin(HKLM, `software\policies\addingov`, "cpucorepercent")
	want := `testdata/alert-below-range.reg:10 HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\CPUCorePercent`
	if got != want {
		t.Errorf("origin %q, want %q", got, want)
	}
	if _, err := LoadRegFile("testdata/missing.reg"); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestParseRealRegExport reads a real regedit export (UTF-16LE, BOM, CRLF) from the
// shared corpus.
func TestParseRealRegExport(t *testing.T) {
	data, err := os.ReadFile("../../shared/corpus/policy/Igneos79-Office.reg")
	if os.IsNotExist(err) {
		t.Skip("shared corpus not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseRegFile("Igneos79-Office.reg", data)
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != RegVersion5 {
		t.Errorf("version %q", f.Version)
	}
	values := 0
	for _, sec := range f.Sections {
		values += len(sec.Values)
	}
	if len(f.Sections) < 40 || values < 15 {
		t.Errorf("parsed %d sections and %d values; the export has more", len(f.Sections), values)
	}
	s := NewMemoryStore()
	f.Apply(s)
	v, ok, _ := s.ReadValue(HKCU, `Software\Policies\Microsoft\Office\16.0\Word\Security`, "vbawarnings")
	if n, err := v.Integer(); !ok || err != nil || n != 4 {
		t.Errorf("vbawarnings = %d (found %v, %v), want 4", n, ok, err)
	}
}

func FuzzParseRegFile(f *testing.F) {
	f.Add([]byte("Windows Registry Editor Version 5.00\n\n[HKEY_CURRENT_USER\\Software\\X]\n\"a\"=dword:00000001\n\"b\"=\"s\\\\t\"\n@=hex(7):61,00,00,00,\\\n  00,00\n[-HKEY_CURRENT_USER\\Software\\Y]\n\"c\"=-\n"))
	f.Add([]byte("REGEDIT4\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\AddinGov]\r\n\"CPUCorePercent\"=dword:50\r\n"))
	f.Add(utf16le("Windows Registry Editor Version 5.00\n[HKCU\\A]\n\"q\"=hex(b):01,02,03,04,05,06,07,08\n"))
	for _, name := range []string{"testdata/done-when.reg", "testdata/alert-below-range.reg"} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rf, err := ParseRegFile("fuzz.reg", data)
		if err != nil {
			var se *RegSyntaxError
			if !errors.As(err, &se) || se.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		s := NewMemoryStore()
		rf.Apply(s)
		e := Evaluate(s)
		if problems := e.validate(); len(problems) > 0 {
			t.Fatalf("invalid policy from a parsed file: %v", problems)
		}
	})
}
