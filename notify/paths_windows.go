package notify

import (
	"errors"
	"os"
	"path/filepath"
)

// DefaultStateDir is the per-user directory for the agent's state and lock:
// %LOCALAPPDATA%\addingov.
func DefaultStateDir() (string, error) {
	if d := os.Getenv("LOCALAPPDATA"); d != "" {
		return filepath.Join(d, "addingov"), nil
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "addingov"), nil
	}
	return "", errors.New("cannot find your local application data folder for the agent's state: set LOCALAPPDATA or pass --state-file")
}

// syncDir is a no-op: Windows cannot open a directory for FlushFileBuffers the way
// Unix fsyncs one; NTFS journals the rename itself.
func syncDir(string) {}
