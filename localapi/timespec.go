package localapi

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseTimeFlag parses a point in time the way journalctl's --since and --until do:
//
//   - an RFC 3339 time with a zone: 2026-12-02T08:19:00Z, 2026-12-02T08:19:00+01:00
//   - a date, or a date and time without a zone, in now's location (local time):
//     2026-12-02, 2026-12-02 08:19, 2026-12-02T08:19:30
//   - a time of day, today in now's location: 08:19, 08:19:30
//   - the words now, today (midnight), yesterday (midnight the day before) and tomorrow
//   - a duration before now: 90s, 30m, 24h, 1h30m, 7d, 2w (a leading "-" is accepted,
//     as journalctl writes "-2h", and so is a trailing " ago")
//
// The CLI resolves a flag with the user's own location before sending it, so the
// daemon's time zone never changes what a user meant.
func ParseTimeFlag(s string, now time.Time) (time.Time, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return time.Time{}, fmt.Errorf("empty time: give a date (2026-12-02), a time (08:19), yesterday, or a duration like 24h or 2w")
	}
	loc := now.Location()
	switch strings.ToLower(in) {
	case "now":
		return now, nil
	case "today":
		return midnight(now, 0), nil
	case "yesterday":
		return midnight(now, -1), nil
	case "tomorrow":
		return midnight(now, 1), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, in); err == nil {
		return t, nil
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, in, loc); err == nil {
			return t, nil
		}
	}
	for _, layout := range clockLayouts {
		if t, err := time.ParseInLocation(layout, in, loc); err == nil {
			y, m, d := now.Date()
			return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, loc), nil
		}
	}
	if d, ok := parseAgo(in); ok {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: give a date (2026-12-02), a date and time (2026-12-02 08:19), "+
		"a time of day (08:19), today, yesterday, a duration before now (90m, 24h, 7d, 2w) or an RFC 3339 time", s)
}

// localLayouts are dates and date-times without a zone, read as local time.
var localLayouts = []string{
	"2006-01-02",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// clockLayouts are times of day, read as today.
var clockLayouts = []string{"15:04", "15:04:05"}

// maxAgo bounds durations: the log keeps at most ten years (LogRetentionDays).
const maxAgo = 3650 * 24 * time.Hour

// parseAgo reads a non-negative duration with Go's units plus d (days) and w (weeks),
// optionally written "-2h" or "2h ago".
func parseAgo(s string) (time.Duration, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "ago"))
	s = strings.TrimPrefix(s, "-")
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, false
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && (s[i] == '.' || (s[i] >= '0' && s[i] <= '9')) {
			i++
		}
		if i == 0 {
			return 0, false
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, false
		}
		j := i
		for j < len(s) && (s[j] < '0' || s[j] > '9') && s[j] != '.' {
			j++
		}
		unit, ok := agoUnits[s[i:j]]
		if !ok {
			return 0, false
		}
		if n*float64(unit) > float64(maxAgo) {
			return 0, false
		}
		total += time.Duration(n * float64(unit))
		s = s[j:]
	}
	if total > maxAgo {
		return 0, false
	}
	return total, true
}

var agoUnits = map[string]time.Duration{
	"ms": time.Millisecond,
	"s":  time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// midnight is the start of the day days after now's, in now's location.
func midnight(now time.Time, days int) time.Time {
	y, m, d := now.Date()
	return time.Date(y, m, d+days, 0, 0, 0, 0, now.Location())
}
