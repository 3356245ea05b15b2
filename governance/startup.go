package governance

import (
	"fmt"
	"sort"
	"time"
)

// detailStart is the evidence detail of one start in a start-up strike.
const detailStart = "start"

// ObserveStartups applies a host's own start-up rule to the starts it recorded (for
// Outlook, Microsoft's "Performance criteria for keeping add-ins enabled": the median
// start-up time over the last 5 starts above 1000 ms disables the add-in). The median
// of the last StartupCount starts above ActivationThreshold is one strike that reaches
// the activation limit on its own; fewer starts than StartupCount are not judged yet.
// The caller passes each start once in a call that ends with a new start, so a restart
// of the daemon does not count old starts again.
func (e *Engine) ObserveStartups(s Startups) Result {
	c := e.begin(s.AddinID)
	a := e.governed(c, s.AddinID)
	if a == nil {
		return Result{}
	}
	var res Result
	n := c.limits.StartupCount
	if len(s.Starts) < n {
		return res
	}
	last := s.Starts[len(s.Starts)-n:]
	med := medianLatency(last)
	if med <= c.limits.ActivationThreshold {
		e.settle(c, s.AddinID, a, &res)
		return res
	}
	st := Strike{
		AddinID:   s.AddinID,
		Metric:    MetricActivation,
		Time:      c.now,
		Value:     toMillis(med),
		Threshold: toMillis(c.limits.ActivationThreshold),
		Unit:      unitActivation,
		Exempt:    exempt(c.policy, s.AddinID),
		Decisive:  true,
	}
	for _, start := range last {
		st.Evidence = append(st.Evidence, Evidence{
			Time: when(start.Time, c.now), Value: toMillis(max(start.Latency, 0)), Unit: unitActivation, Detail: detailStart,
		})
	}
	e.record(c, s.AddinID, a, st, &res)
	return res
}

// medianLatency is the median of the starts' latencies (the mean of the middle two for
// an even count).
func medianLatency(starts []Activation) time.Duration {
	l := make([]time.Duration, len(starts))
	for i, s := range starts {
		l[i] = max(s.Latency, 0)
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	if len(l)%2 == 1 {
		return l[len(l)/2]
	}
	return (l[len(l)/2-1] + l[len(l)/2]) / 2
}

// startupSummary: "took a median of 2.4 seconds to start over its last 5 starts (the
// limit is 1 second)".
func startupSummary(s Strike) string {
	return fmt.Sprintf("took a median of %s to start over its last %d starts (the limit is %s)",
		formatLatency(latencyOf(s.Value)), len(s.Evidence), formatLatency(latencyOf(s.Threshold)))
}
