//go:build !unix && !windows

package notify

import "errors"

// OpenDesktop reports that this platform has no desktop notifier; notices go to the
// terminal.
func OpenDesktop() (Desktop, error) {
	return nil, errors.New("desktop notifications are not supported on this platform")
}
