package notify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// AutostartFileName is the XDG autostart entry's file name.
const AutostartFileName = DesktopEntryID + ".desktop"

// PackagedExecutable is where the packages install the CLI; the packaged autostart
// entry (packaging/linux/addingov-agent.desktop) runs it from there.
const PackagedExecutable = "/usr/local/bin/addingov"

// AutostartEntry returns the XDG autostart desktop entry that runs `exe agent` at
// logon. The packaged file is AutostartEntry(PackagedExecutable).
func AutostartEntry(exe string) string {
	return `[Desktop Entry]
Type=Application
Name=addingov agent
Comment=Shows add-in governance notices (an add-in was turned off, and why) on the desktop
Exec=` + desktopExecQuote(exe) + ` agent
Icon=dialog-warning
Terminal=false
NoDisplay=true
X-GNOME-Autostart-enabled=true
`
}

// desktopExecQuote quotes one argument of a desktop entry's Exec key (Desktop Entry
// Specification, "The Exec key"): reserved characters need double quotes, and inside
// them ", `, $ and \ are escaped with a backslash. A literal % is written %%.
func desktopExecQuote(arg string) string {
	arg = strings.ReplaceAll(arg, "%", "%%")
	if arg != "" && !strings.ContainsAny(arg, " \t\n\"'\\><~|&;$*?#()`") {
		return arg
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range arg {
		if r == '"' || r == '`' || r == '$' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	// The desktop entry format escapes backslashes once more in string values.
	return strings.ReplaceAll(b.String(), `\`, `\\`)
}

// AutostartDir is the user's XDG autostart directory: $XDG_CONFIG_HOME/autostart,
// else ~/.config/autostart.
func AutostartDir() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "autostart"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", errors.New("cannot find your home directory for the autostart entry: set XDG_CONFIG_HOME")
	}
	return filepath.Join(home, ".config", "autostart"), nil
}

// InstallAutostart writes the autostart entry running exe into dir and returns its
// path. Running it again replaces the entry (for example after moving the program).
func InstallAutostart(dir, exe string) (string, error) {
	if !filepath.IsAbs(exe) {
		return "", fmt.Errorf("the agent's program path %q is not absolute", exe)
	}
	if strings.ContainsFunc(exe, unicode.IsControl) {
		return "", fmt.Errorf("the agent's program path %q contains a control character, which a desktop entry cannot hold", exe)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create autostart directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, AutostartFileName)
	tmp, err := os.CreateTemp(dir, ".addingov-agent-*")
	if err != nil {
		return "", fmt.Errorf("write autostart entry in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(AutostartEntry(exe))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return "", fmt.Errorf("write autostart entry %s: %w", tmp.Name(), err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("write autostart entry %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("install autostart entry %s: %w", path, err)
	}
	return path, nil
}
