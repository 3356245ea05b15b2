package version

import (
	"os"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		v  string
		ok bool
	}{
		{"1.0.0", true},
		{"255.255.65535", true},
		{"0.0.1", true},
		{"1.0", false},
		{"1.0.0.1", false},
		{"v1.0.0", false},
		{"256.0.0", false},
		{"1.256.0", false},
		{"1.0.65536", false},
		{"1.0.0-rc1", false},
		{"", false},
	} {
		err := Check(tc.v)
		if (err == nil) != tc.ok {
			t.Errorf("Check(%q) = %v, want ok=%v", tc.v, err, tc.ok)
		}
	}
}

// The VERSION file is what every build stamps: it must be a version the MSI accepts.
func TestVersionFile(t *testing.T) {
	b, err := os.ReadFile("../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(strings.TrimSpace(string(b))); err != nil {
		t.Fatalf("VERSION: %v", err)
	}
}
