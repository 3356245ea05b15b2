package monitor_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"addingov/monitor"
)

const sampleConfig = `{
  "log_level": "info",
  "discovery": [
    {"executable": "outlook-addin-host.exe", "cmdline": "--addin=(?P<id>[a-z0-9-]+)"},
    {
      "executable": "WebViewHost.exe",
      "path": "C:\\Program Files\\Contoso\\WebViewHost.exe",
      "cmdline": "/addin:(?<id>[A-Za-z0-9.]+)"
    }
  ],
  "storage": {"path": "state.db"}
}`

func TestLoadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "addingovd.json")
	if err := os.WriteFile(path, []byte(sampleConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := monitor.LoadConfig(path)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if len(cfg.Discovery) != 2 {
		t.Fatalf("%d rules, want 2", len(cfg.Discovery))
	}
	r := cfg.Discovery[1]
	if r.Executable != "WebViewHost.exe" || r.Path != `C:\Program Files\Contoso\WebViewHost.exe` || r.Cmdline.String() != "/addin:(?<id>[A-Za-z0-9.]+)" {
		t.Errorf("rule 2 = %+v", r)
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := monitor.LoadConfig(filepath.Join(t.TempDir(), "absent.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error = %v, want a not-exist error", err)
	}
}

func TestParseConfigAccepts(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		rules int
	}{
		{"no discovery key", `{"other": [1, 2]}`, 0},
		{"null discovery", `{"discovery": null}`, 0},
		{"empty list", `{"discovery": []}`, 0},
		{"one rule", `{"discovery": [{"executable": "h.exe", "cmdline": "(?P<id>x)"}]}`, 1},
		{"leading whitespace and nested other keys", " \n{\"a\": {\"discovery\": 5}, \"discovery\": [{\"executable\": \"h\", \"cmdline\": \"(?P<id>\\\\w+)\"}]}", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := monitor.ParseConfig([]byte(tc.json), "test.json")
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			if len(cfg.Discovery) != tc.rules {
				t.Errorf("%d rules, want %d", len(cfg.Discovery), tc.rules)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		want []string // substrings of the error
	}{
		{"bad JSON", "{\n  \"discovery\": [\n    {\"executable\": \"h.exe\",}\n  ]\n}", []string{"test.json: line 3, column 28", "invalid character"}},
		{"truncated", `{"discovery": [`, []string{"test.json", "unexpected end"}},
		{"not an object", `[1]`, []string{"must be a JSON object"}},
		{"discovery not a list", `{"discovery": {"executable": "h"}}`, []string{"line 1, column 15", "must be a list"}},
		{"rule not an object", `{"discovery": ["h.exe"]}`, []string{"discovery rule 1", "must be an object"}},
		{"bad regexp", "{\"discovery\": [\n {\"executable\": \"a\", \"cmdline\": \"(?P<id>a)\"},\n {\"executable\": \"h.exe\", \"cmdline\": \"(?P<id>[a-z\"}]}", []string{"line 3, column 2", "discovery rule 2", "does not compile", "missing closing ]"}},
		{"no id group", `{"discovery": [{"executable": "h.exe", "cmdline": "--addin=([a-z]+)"}]}`, []string{"discovery rule 1", `no "id" group`, "(?P<id>"}},
		{"wrong group name", `{"discovery": [{"executable": "h.exe", "cmdline": "--addin=(?P<addin>[a-z]+)"}]}`, []string{`no "id" group`}},
		{"missing executable", `{"discovery": [{"cmdline": "(?P<id>x)"}]}`, []string{`"executable" is missing`}},
		{"executable is a path", `{"discovery": [{"executable": "C:\\x\\h.exe", "cmdline": "(?P<id>x)"}]}`, []string{`is a path`, `"path"`}},
		{"missing cmdline", `{"discovery": [{"executable": "h.exe"}]}`, []string{`"cmdline" is missing`}},
		{"misspelt key", `{"discovery": [{"executable": "h.exe", "cmdline": "(?P<id>x)", "pth": "h"}]}`, []string{"discovery rule 1", `unknown field "pth"`}},
		{"wrong type", `{"discovery": [{"executable": 5, "cmdline": "(?P<id>x)"}]}`, []string{"discovery rule 1", "cannot unmarshal number"}},
		{"twice", `{"discovery": [], "discovery": []}`, []string{"appears twice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := monitor.ParseConfig([]byte(tc.json), "test.json")
			if err == nil {
				t.Fatal("ParseConfig succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func mustRule(t testing.TB, executable, path, cmdline string) monitor.DiscoveryRule {
	t.Helper()
	r, err := monitor.NewDiscoveryRule(executable, path, cmdline)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDiscover(t *testing.T) {
	cfg := monitor.Config{Discovery: []monitor.DiscoveryRule{
		mustRule(t, "outlook-addin-host.exe", "", `--addin=(?P<id>[a-z0-9-]+)`),
		mustRule(t, "webviewhost.exe", `C:\Program Files\Contoso\WebViewHost.exe`, `/addin:(?P<id>[^ ]+)`),
		mustRule(t, "linux-host", "/opt/contoso/linux-host", `--addin=(?P<id>[a-z0-9-]+)`),
	}}
	tests := []struct {
		name  string
		procs []monitor.ProcessInfo
		want  []monitor.Binding
	}{
		{
			name:  "executable path",
			procs: []monitor.ProcessInfo{{PID: 10, Executable: `C:\Office\Outlook-AddIn-Host.EXE`, Args: []string{`C:\Office\Outlook-AddIn-Host.EXE`, "--addin=contoso-crm"}}},
			want:  []monitor.Binding{{AddinID: "contoso-crm", PID: 10}},
		},
		{
			name:  "Linux path",
			procs: []monitor.ProcessInfo{{PID: 11, Executable: "/opt/office/outlook-addin-host.exe", Args: []string{"/opt/office/outlook-addin-host.exe", "--addin=a1"}}},
			want:  []monitor.Binding{{AddinID: "a1", PID: 11}},
		},
		{
			name:  "under Wine: the program is only the first argument",
			procs: []monitor.ProcessInfo{{PID: 12, Executable: "/usr/lib/wine/wine64-preloader", Args: []string{`C:\Program Files\Office\outlook-addin-host.exe`, "--addin=wine-addin"}}},
			want:  []monitor.Binding{{AddinID: "wine-addin", PID: 12}},
		},
		{
			name: "one host, several add-ins, duplicates dropped",
			procs: []monitor.ProcessInfo{{PID: 13, Executable: "outlook-addin-host.exe",
				Args: []string{"outlook-addin-host.exe", "--addin=zeta", "--addin=alpha", "--addin=zeta"}}},
			want: []monitor.Binding{{AddinID: "alpha", PID: 13}, {AddinID: "zeta", PID: 13}},
		},
		{
			name:  "other program with the same arguments",
			procs: []monitor.ProcessInfo{{PID: 14, Executable: "/usr/bin/bash", Args: []string{"bash", "-c", "outlook-addin-host.exe --addin=x"}}},
		},
		{
			name:  "right program, no add-in argument",
			procs: []monitor.ProcessInfo{{PID: 15, Executable: "outlook-addin-host.exe", Args: []string{"outlook-addin-host.exe", "--help"}}},
		},
		{
			name: "path rule: the right file",
			procs: []monitor.ProcessInfo{{PID: 16, Executable: `c:/program files/contoso/webviewhost.exe`,
				Args: []string{`C:\Program Files\Contoso\WebViewHost.exe`, "/addin:Contoso.Mail"}}},
			want: []monitor.Binding{{AddinID: "Contoso.Mail", PID: 16}},
		},
		{
			name: "path rule: a renamed copy elsewhere",
			procs: []monitor.ProcessInfo{{PID: 17, Executable: `C:\Users\eve\WebViewHost.exe`,
				Args: []string{`C:\Users\eve\WebViewHost.exe`, "/addin:Contoso.Mail"}}},
		},
		{
			name:  "Unix path rule: the right file",
			procs: []monitor.ProcessInfo{{PID: 19, Executable: "/opt/contoso/linux-host", Args: []string{"linux-host", "--addin=l1"}}},
			want:  []monitor.Binding{{AddinID: "l1", PID: 19}},
		},
		{
			name:  "Unix path rule: paths are case-sensitive",
			procs: []monitor.ProcessInfo{{PID: 19, Executable: "/opt/Contoso/linux-host", Args: []string{"linux-host", "--addin=l1"}}},
		},
		{
			name: "ids with control characters or too long are ignored",
			procs: []monitor.ProcessInfo{{PID: 18, Executable: `C:\Program Files\Contoso\WebViewHost.exe`,
				Args: []string{"x", "/addin:a\x1bb", "/addin:" + strings.Repeat("a", 129), "/addin:ok"}}},
			want: []monitor.Binding{{AddinID: "ok", PID: 18}},
		},
		{
			name: "sorted by add-in then pid",
			procs: []monitor.ProcessInfo{
				{PID: 30, Executable: "outlook-addin-host.exe", Args: []string{"h", "--addin=b"}},
				{PID: 20, Executable: "outlook-addin-host.exe", Args: []string{"h", "--addin=b"}},
				{PID: 25, Executable: "outlook-addin-host.exe", Args: []string{"h", "--addin=a"}},
			},
			want: []monitor.Binding{{AddinID: "a", PID: 25}, {AddinID: "b", PID: 20}, {AddinID: "b", PID: 30}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cfg.Discover(tc.procs)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Discover = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(sampleConfig))
	f.Add([]byte(`{"discovery": [{"executable": "h.exe", "cmdline": "(?P<id>x)"}]}`))
	f.Add([]byte(`{"discovery": [{"executable": "h.exe", "cmdline": "(?P<id>[a-z"}]}`))
	f.Add([]byte(`{"discovery": null, "discovery": 1}`))
	f.Add([]byte(`[`))
	f.Add([]byte(`{"discovery": [1, {"executable": 2}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := monitor.ParseConfig(data, "fuzz.json")
		if err != nil {
			if cfg.Discovery != nil {
				t.Fatalf("rules returned with error %v", err)
			}
			return
		}
		for i, r := range cfg.Discovery {
			if r.Executable == "" || r.Cmdline == nil || r.Cmdline.SubexpIndex("id") < 0 {
				t.Fatalf("accepted an invalid rule %d: %+v", i, r)
			}
		}
		// Whatever parsed must be usable on any command line.
		cfg.Discover([]monitor.ProcessInfo{{PID: 1, Executable: "h.exe", Args: []string{"h.exe", string(data)}}})
	})
}

// FuzzDiscover feeds process names and command lines, which any local user chooses.
func FuzzDiscover(f *testing.F) {
	f.Add(`C:\x\outlook-addin-host.exe`, `C:\x\outlook-addin-host.exe`, "--addin=contoso")
	f.Add("", "", "")
	f.Add(`"`, `\`, `"`)
	f.Add("outlook-addin-host.exe", "/", "--addin=\xff\x00 --addin=a")
	f.Fuzz(func(t *testing.T, exe, arg0, arg1 string) {
		cfg := monitor.Config{Discovery: []monitor.DiscoveryRule{
			mustRule(t, "outlook-addin-host.exe", "", `--addin=(?P<id>\S+)`),
			mustRule(t, "outlook-addin-host.exe", `C:\x\outlook-addin-host.exe`, `(?P<id>.*)`),
		}}
		for _, b := range cfg.Discover([]monitor.ProcessInfo{{PID: 7, Executable: exe, Args: []string{arg0, arg1}}}) {
			if b.PID != 7 || b.AddinID == "" || len(b.AddinID) > 128 || strings.ContainsAny(b.AddinID, " \t\r\n\x00") {
				t.Fatalf("bad binding %+v", b)
			}
		}
	})
}
