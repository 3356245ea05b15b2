//go:build windows

package logging

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// fakeSink records what EventLogWriter reports, and fails when told to.
type fakeSink struct {
	calls []string
	fail  error
}

func (f *fakeSink) record(kind string, id uint32, msg string) error {
	f.calls = append(f.calls, fmt.Sprintf("%s %d %s", kind, id, msg))
	return f.fail
}
func (f *fakeSink) Info(id uint32, msg string) error    { return f.record("info", id, msg) }
func (f *fakeSink) Warning(id uint32, msg string) error { return f.record("warning", id, msg) }
func (f *fakeSink) Error(id uint32, msg string) error   { return f.record("error", id, msg) }

func TestEventLogWriterLevels(t *testing.T) {
	tests := []struct {
		name string
		log  func(zerolog.Logger)
		want string
	}{
		{"daemon started is information 100", func(l zerolog.Logger) {
			l.Info().Str("address", `\\.\pipe\x`).Msg("daemon started")
		}, "info 100 daemon started\naddress=\\\\.\\pipe\\x"},
		{"governance disable is warning 200", func(l zerolog.Logger) {
			l.Warn().Str("event", "addin-disable").Str("addin", "contoso").Str("reason", "cpu").Msg("add-in disabled")
		}, "warning 200 add-in disabled\naddin=contoso\nevent=addin-disable\nreason=cpu"},
		{"storage problem is error 400", func(l zerolog.Logger) {
			l.Error().Str("event", "storage-problem").Err(errors.New("disk full")).Msg("store decision")
		}, "error 400 store decision\nerror=disk full\nevent=storage-problem"},
		{"unknown error gets the generic error ID", func(l zerolog.Logger) {
			l.Error().Msg("something else")
		}, "error 3 something else"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &fakeSink{}
			var stderr bytes.Buffer
			tt.log(zerolog.New(&EventLogWriter{Sink: sink, Stderr: &stderr}))
			if len(sink.calls) != 1 || sink.calls[0] != tt.want {
				t.Errorf("reported %q, want [%q]", sink.calls, tt.want)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr got %q although the sink accepted the record", stderr.String())
			}
		})
	}
}

func TestEventLogWriterReportsFailures(t *testing.T) {
	sink := &fakeSink{fail: errors.New("the event log is full")}
	var stderr bytes.Buffer
	log := zerolog.New(&EventLogWriter{Sink: sink, Stderr: &stderr})
	for i := range maxFailureReports + 5 {
		log.Warn().Int("n", i).Str("event", "policy-invalid").Msg("bad value")
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	// Each record is reported on one line plus its field lines; count the headers.
	var headers, giveUp int
	for _, l := range lines {
		if strings.HasPrefix(l, "addingovd: could not write event 302 (Warning) to the Windows Event Log: the event log is full") {
			headers++
		}
		if strings.Contains(l, "keeps refusing records") {
			giveUp++
		}
	}
	if headers != maxFailureReports || giveUp != 1 {
		t.Errorf("stderr has %d failure reports and %d give-up lines, want %d and 1:\n%s", headers, giveUp, maxFailureReports, stderr.String())
	}
	if !strings.Contains(stderr.String(), "the record was: bad value") {
		t.Errorf("the failure report does not carry the record:\n%s", stderr.String())
	}
}

// TestEventLogReal writes through the real Event Log API, in a child process so that
// under Wine the eventlog debug channel (WINEDEBUG=+eventlog) shows what ReportEvent
// received. Wine writes that trace to the Unix stderr its first process inherited, not to
// the child's stderr handle, so this test cannot read it back: it checks that the source
// opens and every write succeeds (a refusal is reported on the child's stderr), and
// scripts/msi-test.sh checks the trace of the installed daemon from the Linux side.
func TestEventLogReal(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperEventLogChild$")
	cmd.Env = append(os.Environ(), "ADDINGOV_TEST_EVENTLOG_CHILD=1", "WINEDEBUG=-all,+eventlog,fixme+advapi")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stderr.String()
	if strings.Contains(out, "could not write event") || strings.Contains(out, "cannot open the Windows Event Log") {
		t.Fatalf("the Event Log refused records:\n%s", out)
	}
	// The tee to stderr carries every record as JSON.
	for _, want := range []string{`"message":"daemon started"`, `"event":"addin-disable"`, `"event":"storage-problem"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the child's stderr lacks %s:\n%s", want, out)
		}
	}
}

// TestHelperEventLogChild is not a test: it is TestEventLogReal's child process.
func TestHelperEventLogChild(t *testing.T) {
	if os.Getenv("ADDINGOV_TEST_EVENTLOG_CHILD") == "" {
		t.Skip("helper process for TestEventLogReal")
	}
	w, closer, ok := eventLogWriter(Options{Service: true, Stderr: os.Stderr})
	if !ok {
		os.Exit(2)
	}
	log := zerolog.New(w)
	log.Info().Str("state_dir", `C:\ProgramData\AddinGov`).Msg("daemon started")
	log.Warn().Str("event", "addin-disable").Str("addin", "contoso").Str("reason", "cpu").Msg("add-in disabled")
	log.Error().Str("event", "storage-problem").Msg("store decision")
	closer()
	os.Exit(0)
}
