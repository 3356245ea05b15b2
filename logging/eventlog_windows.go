//go:build windows

package logging

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows/svc/eventlog"
)

// EventSink is where EventLogWriter reports entries: *eventlog.Log, or a fake in tests.
type EventSink interface {
	Info(eid uint32, msg string) error
	Warning(eid uint32, msg string) error
	Error(eid uint32, msg string) error
}

var _ EventSink = (*eventlog.Log)(nil)

// EventLogWriter is a zerolog writer that reports each record to the Windows Event Log
// with a stable event ID (see EventIDs). The Event Log is where administrators and event
// forwarding look, so a record it refuses is not dropped silently: the failure and the
// record go to Stderr.
type EventLogWriter struct {
	Sink   EventSink
	Stderr io.Writer // default os.Stderr

	mu       sync.Mutex
	failures int
}

var _ zerolog.LevelWriter = (*EventLogWriter)(nil)

// maxFailureReports bounds how many write failures are reported in full, so a broken
// Event Log does not double every line on stderr forever.
const maxFailureReports = 20

// Write implements io.Writer for records without a known level.
func (w *EventLogWriter) Write(p []byte) (int, error) {
	return w.WriteLevel(zerolog.NoLevel, p)
}

// WriteLevel implements zerolog.LevelWriter. It always reports success to zerolog: a
// failure is reported here, with more context than zerolog's own message would have.
func (w *EventLogWriter) WriteLevel(level zerolog.Level, p []byte) (int, error) {
	rec := FormatEvent(level, p)
	var err error
	switch rec.Type {
	case EventError:
		err = w.Sink.Error(rec.ID, rec.Message)
	case EventWarning:
		err = w.Sink.Warning(rec.ID, rec.Message)
	default:
		err = w.Sink.Info(rec.ID, rec.Message)
	}
	if err != nil {
		w.reportFailure(rec, err)
	}
	return len(p), nil
}

func (w *EventLogWriter) reportFailure(rec EventRecord, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failures++
	out := w.Stderr
	if out == nil {
		out = os.Stderr
	}
	switch {
	case w.failures <= maxFailureReports:
		fmt.Fprintf(out, "addingovd: could not write event %d (%s) to the Windows Event Log: %v; the record was: %s\n", rec.ID, rec.Type, err, rec.Message)
	case w.failures == maxFailureReports+1:
		fmt.Fprintf(out, "addingovd: the Windows Event Log keeps refusing records (%v); not reporting further failures\n", err)
	}
}

// eventLogWriter opens the AddinGov event source and returns a writer that reports to it
// and also writes JSON to stderr (where a service's stderr is captured, or a console
// when `addingovd service` runs by hand). If the source cannot be opened, the daemon
// logs to stderr only and says why.
func eventLogWriter(opts Options) (io.Writer, func(), bool) {
	stderr := opts.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	l, err := eventlog.Open(EventSource)
	if err != nil {
		fmt.Fprintf(stderr, "addingovd: cannot open the Windows Event Log source %s (%v): logging to stderr only; `addingovd install` registers the source\n", EventSource, err)
		return nil, nil, false
	}
	w := zerolog.MultiLevelWriter(&EventLogWriter{Sink: l, Stderr: stderr}, stderr)
	return w, func() { l.Close() }, true
}
