package monitor

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"addingov/addinid"
)

// maxConfigBytes bounds the config file: it is a few rules, and a runaway file must
// not make the daemon allocate without limit.
const maxConfigBytes = 4 << 20

// Config is the monitor's part of the daemon's config file.
type Config struct {
	Discovery []DiscoveryRule
}

// DiscoveryRule binds running processes to add-ins for hosts that do not report pids.
type DiscoveryRule struct {
	// Executable is the program's file name, compared case-insensitively with the
	// base name of the process's executable or of its first command-line argument.
	Executable string
	// Path, when set, is the program's full path; the process's executable must be
	// exactly that file. A Windows path (drive letter or backslash) compares
	// case-insensitively with either slash; any other path compares exactly. Without
	// it any program of that name matches, including one a local user copied.
	Path string
	// Cmdline matches the process's command line; its "id" group is the add-in id.
	// Every match binds, so one host process may serve several add-ins.
	Cmdline *regexp.Regexp
}

// ProcessInfo is what discovery looks at in a running process.
type ProcessInfo struct {
	PID int32
	// Executable is the program's path (or only its name when the path is unreadable).
	Executable string
	// Args is the command line, one element per argument; Args[0] is the program as
	// it was started. Rules' regular expressions see the arguments joined by spaces.
	Args []string
}

// Binding is a process discovery attributes to an add-in.
type Binding struct {
	AddinID string
	PID     int32
}

// NewDiscoveryRule checks and compiles one rule; path may be empty.
func NewDiscoveryRule(executable, path, cmdline string) (DiscoveryRule, error) {
	executable = strings.TrimSpace(executable)
	switch {
	case executable == "":
		return DiscoveryRule{}, errors.New(`"executable" is missing: give the host program's file name, e.g. "outlook-addin-host.exe"`)
	case strings.ContainsAny(executable, `/\`):
		return DiscoveryRule{}, fmt.Errorf(`"executable" %q is a path: give the file name only, and the full path in "path"`, executable)
	}
	if cmdline == "" {
		return DiscoveryRule{}, errors.New(`"cmdline" is missing: give a regular expression with an "id" group, e.g. "--addin=(?P<id>[a-z0-9-]+)"`)
	}
	re, err := regexp.Compile(cmdline)
	if err != nil {
		return DiscoveryRule{}, fmt.Errorf(`"cmdline" %q does not compile: %w`, cmdline, err)
	}
	if re.SubexpIndex("id") < 0 {
		return DiscoveryRule{}, fmt.Errorf(`"cmdline" %q has no "id" group: name the part that is the add-in id, e.g. (?P<id>[a-z0-9-]+)`, cmdline)
	}
	return DiscoveryRule{Executable: executable, Path: strings.TrimSpace(path), Cmdline: re}, nil
}

// LoadConfig reads the monitor's settings from the daemon's config file at path.
func LoadConfig(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return Config{}, fmt.Errorf("read config %s: %w", path, err)
	}
	if len(data) > maxConfigBytes {
		return Config{}, fmt.Errorf("read config %s: larger than %d MiB; is it the right file?", path, maxConfigBytes>>20)
	}
	return ParseConfig(data, path)
}

// ParseConfig parses the monitor's settings from a config file's contents; name (the
// file's path) prefixes error positions. Keys other than "discovery" belong to other
// parts of the daemon and are ignored; unknown keys inside a rule are errors, since a
// misspelt key would silently change what the rule matches.
func ParseConfig(data []byte, name string) (Config, error) {
	// A full decode first: its syntax errors carry the offset in the whole file.
	var whole any
	if err := json.Unmarshal(data, &whole); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the offending byte itself; point at it.
			return Config{}, fmt.Errorf("%s: %s: %v", name, position(data, se.Offset-1), err)
		}
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	if _, ok := whole.(map[string]any); !ok {
		return Config{}, fmt.Errorf("%s: the config must be a JSON object, e.g. {\"discovery\": [...]}", name)
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if _, err := dec.Token(); err != nil { // the opening brace, checked above
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	var cfg Config
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", name, err)
		}
		key, _ := tok.(string)
		if key != "discovery" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return Config{}, fmt.Errorf("%s: %w", name, err)
			}
			continue
		}
		at := valueStart(data, dec.InputOffset())
		if seen {
			return Config{}, fmt.Errorf("%s: %s: \"discovery\" appears twice; merge the two lists", name, position(data, at))
		}
		seen = true
		rules, err := parseRules(dec, data, name, at)
		if err != nil {
			return Config{}, err
		}
		cfg.Discovery = rules
	}
	return cfg, nil
}

// ruleJSON is one rule as written in the config file.
type ruleJSON struct {
	Executable string `json:"executable"`
	Path       string `json:"path"`
	Cmdline    string `json:"cmdline"`
}

func parseRules(dec *json.Decoder, data []byte, name string, at int64) ([]DiscoveryRule, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if tok == nil {
		return nil, nil // "discovery": null is an empty list
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("%s: %s: \"discovery\" must be a list of rules", name, position(data, at))
	}
	var rules []DiscoveryRule
	for n := 1; dec.More(); n++ {
		ruleAt := valueStart(data, dec.InputOffset())
		fail := func(err error) error {
			return fmt.Errorf("%s: %s: discovery rule %d: %w", name, position(data, ruleAt), n, err)
		}
		if ruleAt < int64(len(data)) && data[ruleAt] != '{' {
			return nil, fail(errors.New(`a rule must be an object like {"executable": "...", "cmdline": "..."}`))
		}
		var rj ruleJSON
		if err := dec.Decode(&rj); err != nil {
			return nil, fail(err)
		}
		r, err := NewDiscoveryRule(rj.Executable, rj.Path, rj.Cmdline)
		if err != nil {
			return nil, fail(err)
		}
		rules = append(rules, r)
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rules, nil
}

// valueStart moves past the whitespace, comma or colon before the next JSON value, so
// a position points at the value itself.
func valueStart(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// position renders a byte offset as "line L, column C" (both from 1; columns count
// bytes).
func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int64(len(before)-bytes.LastIndexByte(before, '\n')-1) + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}

// Discover returns the bindings the rules find among procs, ordered by add-in id then
// pid, without duplicates. A captured id that addinid refuses (empty, longer than 128
// bytes, or holding a character outside its alphabet) is ignored: command lines are
// chosen by whoever starts the process.
func (c Config) Discover(procs []ProcessInfo) []Binding {
	var out []Binding
	for _, p := range procs {
		for _, r := range c.Discovery {
			if !r.matchesProgram(p) || r.Cmdline == nil {
				continue
			}
			idx := r.Cmdline.SubexpIndex("id")
			if idx < 0 {
				continue
			}
			for _, m := range r.Cmdline.FindAllStringSubmatch(strings.Join(p.Args, " "), -1) {
				if id := m[idx]; validAddinID(id) {
					out = append(out, Binding{AddinID: id, PID: p.PID})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Binding) int {
		if c := strings.Compare(a.AddinID, b.AddinID); c != 0 {
			return c
		}
		return cmp.Compare(a.PID, b.PID)
	})
	return slices.Compact(out)
}

// matchesProgram compares the rule's program with the process's executable and with
// its first argument: under Wine the executable is Wine's loader, and the Windows
// program shows only as the first argument.
func (r DiscoveryRule) matchesProgram(p ProcessInfo) bool {
	if r.Path != "" {
		return samePath(r.Path, p.Executable)
	}
	if strings.EqualFold(baseName(p.Executable), r.Executable) {
		return true
	}
	return len(p.Args) > 0 && strings.EqualFold(baseName(p.Args[0]), r.Executable)
}

// mayMatchName reports whether a process-table name could be one of the rules'
// programs. Linux truncates command names to 15 bytes, so a 15-byte name matches any
// program it begins.
func (c Config) mayMatchName(name string) bool {
	name = baseName(name)
	for _, r := range c.Discovery {
		if strings.EqualFold(name, r.Executable) ||
			(len(name) >= 15 && len(r.Executable) > len(name) && strings.EqualFold(r.Executable[:len(name)], name)) {
			return true
		}
	}
	return false
}

// validAddinID is addinid's alphabet: a command line is any local user's to choose.
func validAddinID(id string) bool { return addinid.Valid(id) }

// baseName is the last element of a path with either slash: a Windows path must split
// the same way on every platform the config is read on.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// samePath compares a rule's path with a process's executable: Windows paths are
// case-insensitive and take either slash, other paths must be identical.
func samePath(rule, exe string) bool {
	if !isWindowsPath(rule) {
		return rule == exe
	}
	return strings.EqualFold(strings.ReplaceAll(rule, `\`, "/"), strings.ReplaceAll(exe, `\`, "/"))
}

func isWindowsPath(p string) bool {
	return strings.Contains(p, `\`) || (len(p) >= 2 && p[1] == ':' && unicode.IsLetter(rune(p[0])))
}
