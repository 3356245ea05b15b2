package logging

import (
	"io"
	"os"

	"github.com/coreos/go-systemd/v22/journal"
	"github.com/rs/zerolog/journald"
)

// systemWriter sends logs to journald when the daemon's stderr is connected to the
// journal (systemd sets JOURNAL_STREAM) and the journal socket exists, so fields stay
// structured instead of arriving as one text line.
func systemWriter(opts Options) (io.Writer, func(), bool) {
	if os.Getenv("JOURNAL_STREAM") == "" || !journal.Enabled() {
		return nil, nil, false
	}
	return journald.NewJournalDWriter(), func() {}, true
}
