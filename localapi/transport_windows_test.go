//go:build windows

package localapi

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// Issue 12 item 12 on Windows: a pipe whose security descriptor refuses this account
// (ERROR_ACCESS_DENIED) is reported as "running but you may not connect", a missing
// pipe as unreachable. Wine does not enforce pipe security, so the mapping is tested
// with the errors themselves.
func TestIssue12_PipeAccessDeniedIsNotUnreachable(t *testing.T) {
	tests := []struct {
		err    error
		denied bool
	}{
		{fmt.Errorf("open pipe: %w", windows.ERROR_ACCESS_DENIED), true},
		{fmt.Errorf("open pipe: %w", windows.ERROR_FILE_NOT_FOUND), false},
		{fmt.Errorf("open pipe: %w", windows.ERROR_PIPE_BUSY), false},
	}
	for _, tt := range tests {
		err := dialError(PipeAddress, tt.err)
		if IsAccessDenied(err) != tt.denied || IsUnreachable(err) == tt.denied {
			t.Errorf("%v → %T %v; want access denied %v", tt.err, err, err, tt.denied)
		}
		if tt.denied && !strings.Contains(err.Error(), "running but you may not connect to "+PipeAddress) {
			t.Errorf("%v → %q", tt.err, err)
		}
	}
}

// A missing pipe, dialled for real, is unreachable.
func TestDialMissingPipeIsUnreachable(t *testing.T) {
	_, err := NewTransport(ListenOptions{}).Dial(t.Context(), testPipe(t))
	if !IsUnreachable(err) {
		t.Fatalf("dial a missing pipe: %T %v; want unreachable", err, err)
	}
}
