//go:build !windows

package notify

import (
	"errors"
	"os"
	"path/filepath"
)

// DefaultStateDir is the per-user directory for the agent's state and lock:
// $XDG_STATE_HOME/addingov, else ~/.local/state/addingov.
func DefaultStateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "addingov"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", errors.New("cannot find your home directory for the agent's state: set XDG_STATE_HOME or pass --state-file")
	}
	return filepath.Join(home, ".local", "state", "addingov"), nil
}

// syncDir makes a rename in dir durable; failure only weakens durability, so it is
// not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
