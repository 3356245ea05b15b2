package localapi

import (
	"testing"
	"time"
)

func TestParseTimeFlag(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	now := time.Date(2026, 12, 2, 12, 30, 0, 0, loc)
	day := func(d, h, m, s int) time.Time { return time.Date(2026, 12, d, h, m, s, 0, loc) }
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"24h", now.Add(-24 * time.Hour), false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"1h30m", now.Add(-90 * time.Minute), false},
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{"2w", now.Add(-14 * 24 * time.Hour), false},
		{"1w2d", now.Add(-9 * 24 * time.Hour), false},
		{"-5h", now.Add(-5 * time.Hour), false},
		{"3 days ago", now.Add(-3 * 24 * time.Hour), false},
		{"1.5h", now.Add(-90 * time.Minute), false},
		{"2026-11-01T00:00:00Z", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), false},
		{"2026-11-01T00:00:00+05:00", time.Date(2026, 11, 1, 0, 0, 0, 0, time.FixedZone("", 5*3600)), false},
		{"2026-12-02", day(2, 0, 0, 0), false},
		{"2026-12-01 08:19", day(1, 8, 19, 0), false},
		{"2026-12-01T08:19:30", day(1, 8, 19, 30), false},
		{"08:19", day(2, 8, 19, 0), false},
		{"08:19:05", day(2, 8, 19, 5), false},
		{"today", day(2, 0, 0, 0), false},
		{"Yesterday", day(1, 0, 0, 0), false},
		{"tomorrow", day(3, 0, 0, 0), false},
		{"now", now, false},
		{"", time.Time{}, true},
		{"last tuesday", time.Time{}, true},
		{"2026-13-01", time.Time{}, true},
		{"25:00", time.Time{}, true},
		{"5x", time.Time{}, true},
		{"h", time.Time{}, true},
		{"1e9w", time.Time{}, true},
		{"99999d", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTimeFlag(tt.in, now)
			if (err != nil) != tt.err {
				t.Fatalf("ParseTimeFlag(%q) err = %v, want error %v", tt.in, err, tt.err)
			}
			if !tt.err && !got.Equal(tt.want) {
				t.Fatalf("ParseTimeFlag(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzParseTimeFlag: any string parses, the same way twice, or fails with a message;
// a duration never lands after now; never panics.
func FuzzParseTimeFlag(f *testing.F) {
	for _, s := range []string{"24h", "2w", "yesterday", "08:19", "2026-12-02", "2026-12-02 08:19", "-5h", "3 days ago", "1e9w", "..5m"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTimeFlag(s, now)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if again, _ := ParseTimeFlag(s, now); !again.Equal(got) {
			t.Fatalf("ParseTimeFlag(%q) = %v, then %v", s, got, again)
		}
		if _, isAgo := parseAgo(s); isAgo && got.After(now) {
			t.Fatalf("ParseTimeFlag(%q) = %v: a duration before now lands after now", s, got)
		}
	})
}
