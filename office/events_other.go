//go:build !windows

package office

import "context"

// NoEvents is the EventSource where there is no Windows Event Log.
type NoEvents struct{}

// Run implements EventSource.
func (NoEvents) Run(context.Context, func(Event)) error { return ErrEventLogUnavailable }
