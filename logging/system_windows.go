//go:build windows

package logging

import "io"

// systemWriter on Windows: the Event Log writer is added by eventlog_windows.go when
// running as a service.
func systemWriter(opts Options) (io.Writer, func(), bool) {
	if !opts.Service {
		return nil, nil, false
	}
	return eventLogWriter(opts)
}
