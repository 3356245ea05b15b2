//go:build windows

package daemon

import (
	"os"
	"path/filepath"
)

// DefaultStateDir is %ProgramData%\AddinGov.
func DefaultStateDir() string {
	pd := os.Getenv("ProgramData")
	if pd == "" {
		pd = `C:\ProgramData`
	}
	return filepath.Join(pd, "AddinGov")
}
