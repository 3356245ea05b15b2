//go:build !windows

package daemon

import "github.com/rs/zerolog"

// fileExists is not asked off Windows: registrations name Windows paths.
var fileExists func(string) bool

// setupOffice does nothing off Windows: Office's registry and event log are Windows'.
func setupOffice(*Daemon, RunOptions, zerolog.Logger) error { return nil }
