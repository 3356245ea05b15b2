package office

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// FileEvents is an EventSource that follows a JSON Lines file of events, one Event
// object per line ({"provider":"Outlook","id":45,"time":…,"user":…,"text":…}): events
// exported from another machine's Application log for a support engineer to replay,
// or written by a test where the Event Log cannot deliver them (under Wine). Lines in
// the file when Run starts are history; lines appended later are live.
type FileEvents struct {
	Path string
	// Poll is how often the file is checked for new lines; zero means 200 ms.
	Poll time.Duration
	// OnError receives lines that are not an event; nil drops them.
	OnError func(error)
}

// Run implements EventSource.
func (f FileEvents) Run(ctx context.Context, deliver func(Event)) error {
	poll := f.Poll
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	var (
		offset  int64
		lineNo  int
		partial string
		live    bool
	)
	for {
		n, err := f.read(offset, &lineNo, &partial, live, deliver)
		offset += n
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("follow %s: %w", f.Path, err)
		}
		live = true
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// read delivers the complete lines after offset and returns how many bytes it used.
func (f FileEvents) read(offset int64, lineNo *int, partial *string, live bool, deliver func(Event)) (int64, error) {
	file, err := os.Open(f.Path)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	if _, err := file.Seek(offset, io.SeekStart); err != nil {
		return 0, err
	}
	r := bufio.NewReaderSize(file, 64<<10)
	var used int64
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			// An incomplete last line is read again once its newline is written.
			return used, nil
		}
		used += int64(len(line))
		*lineNo++
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(line) > maxEventText*2 {
			f.fail(fmt.Errorf("%s:%d: line longer than %d bytes (ignored)", f.Path, *lineNo, maxEventText*2))
			continue
		}
		var ev Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Provider == "" || ev.ID == 0 {
			f.fail(fmt.Errorf("%s:%d: not an event (want a JSON object with provider, id and text): %v (ignored)", f.Path, *lineNo, err))
			continue
		}
		ev.Live = live
		deliver(ev)
	}
}

func (f FileEvents) fail(err error) {
	if f.OnError != nil {
		f.OnError(err)
	}
}
