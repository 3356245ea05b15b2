// Package logging builds addingov's zerolog logger: JSON on stderr, a readable console
// format on a terminal, journald under systemd on Linux, and the Windows Event Log (with
// stable event IDs) when running as a service on Windows.
package logging

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

// Options choose where logs go.
type Options struct {
	Level string // debug, info, warn, error; default info
	// Service is true when running under the service manager (Windows SCM, systemd):
	// logs then also go to the platform's system log.
	Service bool
	Stderr  io.Writer // default os.Stderr
	// Recent, when set, also keeps the last lines as JSON (for `addingov bugreport`).
	Recent *Recent
}

// New returns the logger and a function that releases what it opened.
func New(opts Options) (zerolog.Logger, func(), error) {
	level := zerolog.InfoLevel
	if opts.Level != "" {
		l, err := zerolog.ParseLevel(opts.Level)
		if err != nil || l == zerolog.NoLevel {
			return zerolog.Nop(), nil, fmt.Errorf("log level %q: use debug, info, warn or error", opts.Level)
		}
		level = l
	}
	stderr := opts.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	var w io.Writer = stderr
	if f, ok := stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		w = zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly}
	}
	closer := func() {}
	if sys, c, ok := systemWriter(opts); ok {
		w = sys
		closer = c
	}
	if opts.Recent != nil {
		w = zerolog.MultiLevelWriter(w, opts.Recent)
	}
	log := zerolog.New(w).Level(level).With().Timestamp().Logger()
	return log, closer, nil
}
