package daemon

import (
	"strings"
	"testing"
	"time"
)

func TestIntervalFlagIsHeldToThePolicyRange(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, ""}, {5 * time.Second, ""}, {600 * time.Second, ""}, {30 * time.Second, ""},
		{2 * time.Second, "outside AlertIntervalSeconds's range"},
		{601 * time.Second, "outside"},
		{5500 * time.Millisecond, "whole seconds"},
	}
	for _, tt := range tests {
		err := checkInterval(tt.d)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("checkInterval(%s) = %v, want %q", tt.d, err, tt.want)
		}
	}
}
