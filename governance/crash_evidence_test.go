package governance

import (
	"strings"
	"testing"
	"time"
)

func TestCrashEvidenceSaysHowTheProcessEnded(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		code   int
		want   string
		unit   string
		valued bool
	}{
		{-1, "exit code is unknown", "", false},
		{3, "exited with code 3 while", unitExitCode, true},
		{0, "exited with code 0 while", unitExitCode, true},
		{137, "code 137 (128+9: ended by signal 9)", unitExitCode, true},
		{3221225477, "code 3221225477 (0xC0000005)", unitExitCode, true},
	}
	for _, tt := range tests {
		ev := crashEvidence(Crash{AddinID: "a", PID: 42, ExitCode: tt.code}, at)
		if !strings.Contains(ev.Detail, tt.want) || !strings.Contains(ev.Detail, "process 42") || ev.Unit != tt.unit ||
			(tt.valued && ev.Value != float64(tt.code)) || !ev.Time.Equal(at) {
			t.Errorf("code %d: %+v, want detail with %q and unit %q", tt.code, ev, tt.want, tt.unit)
		}
	}
}
