package notify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The packaged autostart entry must be exactly what --install-autostart writes for
// the packaged program path, so the two never drift apart.
func TestPackagedAutostartEntryMatches(t *testing.T) {
	packaged, err := os.ReadFile(filepath.Join("..", "packaging", "linux", AutostartFileName))
	if err != nil {
		t.Fatalf("read the packaged autostart entry: %v", err)
	}
	if want := AutostartEntry(PackagedExecutable); string(packaged) != want {
		t.Fatalf("packaging/linux/%s differs from AutostartEntry(%q):\n--- packaged\n%s--- generated\n%s",
			AutostartFileName, PackagedExecutable, packaged, want)
	}
}

func TestDesktopExecQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/usr/local/bin/addingov", "/usr/local/bin/addingov"},
		{"/opt/my apps/addingov", `"/opt/my apps/addingov"`},
		{"/opt/100%/addingov", "/opt/100%%/addingov"},
		{`/opt/a"b/addingov`, `"/opt/a\\"b/addingov"`},
		{`/opt/a$b/addingov`, `"/opt/a\\$b/addingov"`},
		{`/opt/a\b/addingov`, `"/opt/a\\\\b/addingov"`},
		{"", `""`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := desktopExecQuote(tt.in)
			if got != tt.want {
				t.Errorf("desktopExecQuote(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if back := unquoteDesktopExec(t, got); back != tt.in {
				t.Errorf("unquoting %s gives %q, want %q", got, back, tt.in)
			}
		})
	}
}

// unquoteDesktopExec reads one Exec argument as a desktop environment does: first
// the string escapes of the value, then the Exec quoting, then %% field codes.
func unquoteDesktopExec(t *testing.T, s string) string {
	t.Helper()
	// String-level escapes: only \\ appears in what we write.
	var v strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] == '\\' {
			v.WriteByte('\\')
			i++
			continue
		}
		v.WriteByte(s[i])
	}
	arg := v.String()
	if strings.HasPrefix(arg, `"`) {
		if len(arg) < 2 || !strings.HasSuffix(arg, `"`) {
			t.Fatalf("unbalanced quotes in %s", s)
		}
		inner := arg[1 : len(arg)-1]
		var b strings.Builder
		for i := 0; i < len(inner); i++ {
			c := inner[i]
			if c == '\\' {
				if i+1 >= len(inner) || !strings.ContainsRune("\"`$\\", rune(inner[i+1])) {
					t.Fatalf("bad escape in %s", s)
				}
				i++
				c = inner[i]
			} else if strings.ContainsRune("\"`$\\", rune(c)) {
				t.Fatalf("unescaped %q inside quotes in %s", c, s)
			}
			b.WriteByte(c)
		}
		arg = b.String()
	} else if strings.ContainsAny(arg, " \t\n\"'\\><~|&;$*?#()`") {
		t.Fatalf("reserved character outside quotes in %s", s)
	}
	if strings.Contains(strings.ReplaceAll(arg, "%%", ""), "%") {
		t.Fatalf("lone %% (a field code) in %s", s)
	}
	return strings.ReplaceAll(arg, "%%", "%")
}

func FuzzDesktopExecQuote(f *testing.F) {
	for _, s := range []string{"/usr/local/bin/addingov", "/opt/my apps/x", `a"b\c$d` + "`e", "100%", "%f", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
			return // InstallAutostart refuses these
		}
		if back := unquoteDesktopExec(t, desktopExecQuote(s)); back != s {
			t.Fatalf("round trip of %q gave %q", s, back)
		}
	})
}

func TestInstallAutostart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "autostart")
	tests := []struct {
		name    string
		exe     string
		wantErr string
	}{
		{name: "fresh", exe: "/usr/bin/addingov"},
		{name: "replaces", exe: "/opt/addingov tools/addingov"},
		{name: "relative path", exe: "addingov", wantErr: "not absolute"},
		{name: "control character", exe: "/opt/a\nb", wantErr: "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, err := InstallAutostart(dir, tt.exe)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("InstallAutostart(%q) error = %v, want %q", tt.exe, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if path != filepath.Join(dir, AutostartFileName) {
				t.Errorf("path %s", path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != AutostartEntry(tt.exe) {
				t.Errorf("wrote\n%s", data)
			}
			fi, _ := os.Stat(path)
			if fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want 0644", fi.Mode().Perm())
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("autostart directory holds %d files, want only the entry", len(entries))
	}
}

func TestAutostartDirFollowsXDG(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/tmp/cfg")
	if d, err := AutostartDir(); err != nil || d != filepath.Join("/tmp/cfg", "autostart") {
		t.Fatalf("AutostartDir() = %q, %v", d, err)
	}
	t.Setenv("XDG_CONFIG_HOME", "relative") // not absolute: ignored, as the spec says
	t.Setenv("HOME", "/home/u")
	if d, err := AutostartDir(); err != nil || d != "/home/u/.config/autostart" {
		t.Fatalf("AutostartDir() with a relative XDG_CONFIG_HOME = %q, %v", d, err)
	}
}
