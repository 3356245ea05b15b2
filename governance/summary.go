package governance

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Summaries are phrases that follow the add-in's name in a notice ("Contoso Helper used
// 97% of a processor core for 15 seconds"), so they start with a verb and have no final
// full stop.

// summarize describes in plain words why strikes, the counted strikes of metric m
// (oldest first, at least one), reached the limit.
func summarize(m Metric, strikes []Strike, lim Thresholds) string {
	last := strikes[len(strikes)-1]
	switch m {
	case MetricCPU:
		return cpuSummary(last.Value, len(last.Evidence), lim.Interval)
	case MetricMemory:
		return memorySummary(last.Value, last.Threshold, len(last.Evidence), lim.Interval)
	case MetricCrash:
		return crashSummary(len(strikes), lim.StrikeWindow)
	case MetricActivation:
		return activationSummary(strikes)
	}
	return "reached a governance limit"
}

// cpuSummary: "used 97% of a processor core for 15 seconds". From one and a half cores
// up the figure is given in cores ("used 2.5 processor cores"), which reads better than
// 250%; below that "103% of a processor core" is clearer than "1 processor cores".
func cpuSummary(percent float64, samples int, interval time.Duration) string {
	var s string
	if percent >= 150 {
		s = "used " + trimFloat(percent/100, 1) + " processor cores"
	} else {
		s = fmt.Sprintf("used %.0f%% of a processor core", percent)
	}
	return s + forSpan(samples, interval)
}

// memorySummary: "used 812 MB of memory (the limit is 200 MB) for 3 seconds".
func memorySummary(mb, limitMB float64, samples int, interval time.Duration) string {
	return fmt.Sprintf("used %.0f MB of memory (the limit is %.0f MB)", mb, limitMB) + forSpan(samples, interval)
}

// crashSummary: "crashed 4 times in 24 hours".
func crashSummary(count int, window time.Duration) string {
	return "crashed " + times(count) + " in " + formatSpan(window)
}

// activationSummary: "was slow or failed to start 3 times (1.5 s, 1.6 s, timed out;
// the limit is 1 s)".
func activationSummary(strikes []Strike) string {
	if last := strikes[len(strikes)-1]; last.Decisive {
		return startupSummary(last)
	}
	items := make([]string, len(strikes))
	for i, s := range strikes {
		items[i] = formatLatency(latencyOf(s.Value))
		if len(s.Evidence) > 0 && s.Evidence[0].Detail != detailSlow && s.Evidence[0].Detail != "" {
			items[i] = s.Evidence[0].Detail
		}
	}
	limit := formatLatency(latencyOf(strikes[len(strikes)-1].Threshold))
	return fmt.Sprintf("was slow or failed to start %s (%s; the limit is %s)", times(len(strikes)), strings.Join(items, ", "), limit)
}

// forSpan is " for <duration>" of an episode of samples taken interval apart, or
// nothing when the episode's samples are unknown (a strike restored without evidence).
func forSpan(samples int, interval time.Duration) string {
	if samples <= 0 || interval <= 0 {
		return ""
	}
	return " for " + formatSpan(time.Duration(samples)*interval)
}

// formatSpan writes a duration for people: "15 seconds", "1.5 seconds", "2 minutes",
// "1 hour 30 minutes", "24 hours".
func formatSpan(d time.Duration) string {
	if d < time.Minute {
		secs := trimFloat(d.Seconds(), 1)
		return secs + plural(secs == "1", " second", " seconds")
	}
	d = d.Truncate(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var parts []string
	if h > 0 {
		parts = append(parts, count(h, "hour", "hours"))
	}
	if m > 0 {
		parts = append(parts, count(m, "minute", "minutes"))
	}
	if s > 0 {
		parts = append(parts, count(s, "second", "seconds"))
	}
	return strings.Join(parts, " ")
}

// formatLatency writes an activation time: "800 ms" under a second, else seconds to the
// millisecond ("1.5 s", "1.001 s"), so that a latency just over a 1 s limit does not
// read as "1 s".
func formatLatency(d time.Duration) string {
	ms := d.Round(time.Millisecond).Milliseconds()
	if ms < 1000 {
		return strconv.FormatInt(ms, 10) + " ms"
	}
	return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) + " s"
}

// times is "once", "twice" or "N times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return strconv.Itoa(n) + " times"
}

func count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + plural(n == 1, one, many)
}

func plural(isOne bool, one, many string) string {
	if isOne {
		return one
	}
	return many
}

// trimFloat formats f with at most decimals digits after the point and no trailing
// zeros: 2.50 → "2.5", 3.0 → "3".
func trimFloat(f float64, decimals int) string {
	p := math.Pow10(decimals)
	return strconv.FormatFloat(math.Round(f*p)/p, 'f', -1, 64)
}
