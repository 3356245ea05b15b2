//go:build !windows

package daemon

import (
	"os"
	"path/filepath"
)

// DefaultStateDir is where the daemon keeps its database: /var/lib/addingov for root
// (systemd's StateDirectory), else $XDG_STATE_HOME/addingov.
func DefaultStateDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/addingov"
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "addingov")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "addingov")
	}
	return filepath.Join(os.TempDir(), "addingov-state")
}

// secureStateDir makes the state directory the daemon user's alone (MkdirAll's mode
// is filtered by the umask).
func secureStateDir(dir string) error { return os.Chmod(dir, 0o700) }
