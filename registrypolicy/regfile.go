package registrypolicy

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RegVersion is a .reg file's format, from its header line.
type RegVersion string

// The two formats regedit reads. Version 5 files are UTF-16LE (regedit's export) or
// UTF-8; REGEDIT4 files are ANSI, and their hex(2)/hex(7) data is single-byte text.
const (
	RegVersion5 RegVersion = "Windows Registry Editor Version 5.00"
	RegVersion4 RegVersion = "REGEDIT4"
)

// RegFile is a parsed .reg file: its sections in file order. Applying it to a store
// replays it the way regedit imports it.
type RegFile struct {
	Name     string // as given to ParseRegFile; origins name it
	Version  RegVersion
	Sections []RegSection
}

// RegSection is one [KEY] or [-KEY] line and the value lines below it.
type RegSection struct {
	Hive   Hive
	Key    string // below the hive
	Delete bool   // [-KEY]: delete the key and everything below it
	Line   int
	Values []RegEntry
}

// RegEntry is one value line: "name"=data, @=data, or a deletion "name"=-.
type RegEntry struct {
	Name   string // "" is the key's default value (@)
	Delete bool
	Value  Value
	Line   int
}

// RegSyntaxError is a .reg file error: where it is and what to fix.
type RegSyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *RegSyntaxError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ParseRegFile parses a .reg file exactly as regedit writes and reads it: either header,
// UTF-16LE with BOM (regedit's export), UTF-8 (with or without BOM) or ANSI, CRLF or
// LF, quoted strings with \\ and \" escapes, dword:, hex:, hex(N): with \ line
// continuations, [-KEY] and "name"=- deletions, and ; comments. name labels errors and
// origins. Errors are *RegSyntaxError values with the line number and what to fix.
func ParseRegFile(name string, data []byte) (*RegFile, error) {
	text, err := decodeRegText(data)
	if err != nil {
		return nil, &RegSyntaxError{File: name, Line: 1, Msg: err.Error()}
	}
	p := &regParser{file: &RegFile{Name: name}, lines: splitLines(text)}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.file, nil
}

// LoadRegFile reads and parses the .reg file at path and applies it to a new store
// whose origins name the file and line of every value.
func LoadRegFile(path string) (*MemoryStore, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy file: %w", err)
	}
	f, err := ParseRegFile(path, data)
	if err != nil {
		return nil, fmt.Errorf("policy file %w", err)
	}
	s := NewMemoryStore()
	f.Apply(s)
	return s, nil
}

// Apply replays the file into s as regedit imports it: sections in order, [-KEY]
// deleting the key with its subkeys, "name"=- deleting a value.
func (f *RegFile) Apply(s *MemoryStore) {
	for _, sec := range f.Sections {
		if sec.Delete {
			s.DeleteKey(sec.Hive, sec.Key)
			continue
		}
		s.CreateKey(sec.Hive, sec.Key)
		for _, e := range sec.Values {
			if e.Delete {
				s.DeleteValue(sec.Hive, sec.Key, e.Name)
				continue
			}
			origin := fmt.Sprintf("%s:%d %s", f.Name, e.Line, valuePath(sec.Hive, sec.Key, e.Name))
			s.SetWithOrigin(sec.Hive, sec.Key, e.Name, e.Value, origin)
		}
	}
}

type regParser struct {
	file  *RegFile
	lines []string
	i     int // index of the next line
}

func (p *regParser) errorf(line int, format string, args ...any) error {
	return &RegSyntaxError{File: p.file.Name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (p *regParser) parse() error {
	if err := p.header(); err != nil {
		return err
	}
	var cur *RegSection
	for p.i < len(p.lines) {
		lineNo := p.i + 1
		line := strings.TrimSpace(p.lines[p.i])
		p.i++
		switch {
		case line == "" || line[0] == ';':
			continue
		case line[0] == '[':
			sec, err := p.section(line, lineNo)
			if err != nil {
				return err
			}
			p.file.Sections = append(p.file.Sections, sec)
			cur = &p.file.Sections[len(p.file.Sections)-1]
		default:
			if cur == nil {
				return p.errorf(lineNo, "value outside a key: put it below a [HKEY_…\\…] line")
			}
			if cur.Delete {
				return p.errorf(lineNo, "value below a key deletion [-%s\\%s]: remove the '-' to set values in that key, or remove the value line", cur.Hive, cur.Key)
			}
			e, err := p.value(line, lineNo)
			if err != nil {
				return err
			}
			cur.Values = append(cur.Values, e)
		}
	}
	return nil
}

func (p *regParser) header() error {
	for p.i < len(p.lines) {
		line := strings.TrimSpace(p.lines[p.i])
		p.i++
		if line == "" {
			continue
		}
		switch line {
		case string(RegVersion5):
			p.file.Version = RegVersion5
		case string(RegVersion4):
			p.file.Version = RegVersion4
		default:
			return p.errorf(p.i, "not a .reg file: the first line must be %q or %q, found %q", RegVersion5, RegVersion4, truncate(line, 60))
		}
		return nil
	}
	return p.errorf(1, "empty file: a .reg file starts with %q", RegVersion5)
}

func (p *regParser) section(line string, lineNo int) (RegSection, error) {
	end := strings.LastIndexByte(line, ']')
	if end < 0 {
		return RegSection{}, p.errorf(lineNo, "key line without ']': write it as [HKEY_CURRENT_USER\\Software\\…]")
	}
	if rest := strings.TrimSpace(line[end+1:]); rest != "" && rest[0] != ';' {
		return RegSection{}, p.errorf(lineNo, "unexpected %q after the key's ']'", truncate(rest, 40))
	}
	body := line[1:end]
	sec := RegSection{Line: lineNo}
	if strings.HasPrefix(body, "-") {
		sec.Delete, body = true, body[1:]
	}
	h, key, err := splitKeyPath(body)
	if err != nil {
		return RegSection{}, p.errorf(lineNo, "%v", err)
	}
	sec.Hive, sec.Key = h, key
	return sec, nil
}

// value parses one value line (continuations are consumed from the following lines).
func (p *regParser) value(line string, lineNo int) (RegEntry, error) {
	e := RegEntry{Line: lineNo}
	var rest string
	switch line[0] {
	case '@':
		rest = line[1:]
	case '"':
		name, n, err := parseQuoted(line)
		if err != nil {
			return e, p.errorf(lineNo, "value name: %v", err)
		}
		e.Name, rest = name, line[n:]
	default:
		return e, p.errorf(lineNo, "expected a value line (\"name\"=… or @=…), a [KEY] line or a ; comment, found %q", truncate(line, 40))
	}
	rest = strings.TrimLeft(rest, " \t")
	if !strings.HasPrefix(rest, "=") {
		return e, p.errorf(lineNo, "missing '=' after the value name")
	}
	data := strings.TrimLeft(rest[1:], " \t")
	v, del, err := p.data(data, lineNo)
	if err != nil {
		return e, err
	}
	e.Value, e.Delete = v, del
	return e, nil
}

// data parses a value's data: -, "string", dword:, hex:, hex(N):.
func (p *regParser) data(data string, lineNo int) (Value, bool, error) {
	lower := strings.ToLower(data)
	switch {
	case strings.HasPrefix(data, "-") && isComment(data[1:]):
		return Value{}, true, nil
	case strings.HasPrefix(data, `"`):
		s, n, err := parseQuoted(data)
		if err != nil {
			return Value{}, false, p.errorf(lineNo, "string data: %v", err)
		}
		if !isComment(data[n:]) {
			return Value{}, false, p.errorf(lineNo, "unexpected %q after the closing quote", truncate(strings.TrimSpace(data[n:]), 40))
		}
		return String(s), false, nil
	case strings.HasPrefix(lower, "dword:"):
		digits := strings.TrimSpace(stripComment(data[len("dword:"):]))
		if digits == "" || len(digits) > 8 {
			return Value{}, false, p.errorf(lineNo, "dword: takes 1 to 8 hex digits, e.g. dword:0000000a for 10; found %q", truncate(digits, 20))
		}
		n, err := strconv.ParseUint(digits, 16, 32)
		if err != nil {
			return Value{}, false, p.errorf(lineNo, "dword: takes hex digits (0-9, a-f), e.g. dword:0000000a for 10; found %q", digits)
		}
		return DWord(uint32(n)), false, nil
	case strings.HasPrefix(lower, "hex"):
		return p.hexData(data, lineNo)
	}
	return Value{}, false, p.errorf(lineNo, "unknown data %q: use \"text\", dword:XXXXXXXX, hex:…, hex(N):… or - to delete", truncate(data, 40))
}

// hexData parses hex: and hex(N): data, following \ continuations onto the next lines.
func (p *regParser) hexData(data string, lineNo int) (Value, bool, error) {
	colon := strings.IndexByte(data, ':')
	if colon < 0 {
		return Value{}, false, p.errorf(lineNo, "hex data needs a ':', as in hex:01,02 or hex(7):…")
	}
	typ := TypeBinary
	if spec := strings.ToLower(data[:colon]); spec != "hex" {
		inner, ok := strings.CutPrefix(spec, "hex(")
		if inner, ok2 := strings.CutSuffix(inner, ")"); ok && ok2 {
			n, err := strconv.ParseUint(inner, 16, 32)
			if err != nil {
				return Value{}, false, p.errorf(lineNo, "hex(%s): the type in parentheses is a hex number, e.g. hex(7) or hex(b)", inner)
			}
			typ = ValueType(n)
		} else {
			return Value{}, false, p.errorf(lineNo, "unknown data type %q: use hex: or hex(N):", truncate(spec, 20))
		}
	}
	body := stripComment(data[colon+1:])
	for {
		t := strings.TrimRight(body, " \t")
		if !strings.HasSuffix(t, `\`) {
			body = t
			break
		}
		if p.i >= len(p.lines) {
			return Value{}, false, p.errorf(p.i, "the file ends after a '\\' continuation: remove the trailing backslash")
		}
		body = t[:len(t)-1] + stripComment(strings.TrimSpace(p.lines[p.i]))
		p.i++
	}
	raw, err := parseHexBytes(body)
	if err != nil {
		return Value{}, false, p.errorf(lineNo, "%v", err)
	}
	if p.file.Version == RegVersion4 && (typ == TypeString || typ == TypeExpandString || typ == TypeMultiString) {
		// REGEDIT4 stores text values as ANSI bytes; hold them as the registry does.
		raw = encodeUTF16(ansiToString(raw))
	}
	return Value{Type: typ, Data: raw}, false, nil
}

func parseHexBytes(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return []byte{}, nil
	}
	parts := strings.Split(s, ",")
	if strings.TrimSpace(parts[len(parts)-1]) == "" {
		parts = parts[:len(parts)-1] // regedit tolerates a trailing comma
	}
	out := make([]byte, 0, len(parts))
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" || len(part) > 2 {
			return nil, fmt.Errorf("hex byte %d is %q: write bytes as two hex digits separated by commas, e.g. 0a,00", i+1, truncate(part, 10))
		}
		b, err := strconv.ParseUint(part, 16, 8)
		if err != nil {
			return nil, fmt.Errorf("hex byte %d is %q: only 0-9 and a-f are hex digits", i+1, part)
		}
		out = append(out, byte(b))
	}
	return out, nil
}

// parseQuoted parses a quoted string at the start of s with regedit's escapes (\\ and
// \"; \n, \r and \0 are also read, as Wine's regedit does) and returns it and the
// number of bytes consumed.
func parseQuoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("unterminated string: a trailing '\\' escapes nothing; write a backslash as \\\\")
			}
			i++
			switch s[i] {
			case '\\', '"':
				b.WriteByte(s[i])
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			default:
				return "", 0, fmt.Errorf("unknown escape \\%c: write a backslash as \\\\ and a quote as \\\"", s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("missing closing quote")
}

// stripComment removes a ; comment from hex or dword data (Wine's regedit allows them
// there; strings are parsed separately so a ; inside quotes is kept).
func stripComment(s string) string {
	if i := strings.IndexByte(s, ';'); i >= 0 {
		return s[:i]
	}
	return s
}

// isComment reports whether s is empty, blank or a ; comment.
func isComment(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s[0] == ';'
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
