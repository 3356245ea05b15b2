package governance

import (
	"strings"
	"time"
	"unicode"
)

// unitActivation is the unit of activation strikes: latency in milliseconds.
const unitActivation = "ms"

// Evidence details of activation strikes. A summary lists each strike by its detail,
// except slow ones, which it lists by their latency.
const (
	detailSlow     = "slow"
	detailTimedOut = "timed out"
	detailFailed   = "failed"
)

// maxReasonRunes bounds a host-reported failure reason kept in evidence: the host is
// not trusted to keep it short.
const maxReasonRunes = 120

// ObserveActivation applies the activation rule: an activation slower than
// ActivationThreshold, or one that failed, is a strike; ActivationLimit of them inside
// the window reach the limit. An activation exactly at the threshold is not slow.
func (e *Engine) ObserveActivation(act Activation) Result {
	c := e.begin(act.AddinID)
	a := e.governed(c, act.AddinID)
	if a == nil {
		return Result{}
	}
	var res Result
	if act.Failed || act.Latency > c.limits.ActivationThreshold {
		latency := max(act.Latency, 0)
		st := Strike{
			AddinID:   act.AddinID,
			Metric:    MetricActivation,
			Time:      c.now,
			Value:     toMillis(latency),
			Threshold: toMillis(c.limits.ActivationThreshold),
			Unit:      unitActivation,
			Evidence: []Evidence{{
				Time:   when(act.Time, c.now),
				Value:  toMillis(latency),
				Unit:   unitActivation,
				Detail: activationDetail(act),
			}},
			Exempt: exempt(c.policy, act.AddinID),
		}
		e.record(c, act.AddinID, a, st, &res)
		return res
	}
	e.settle(c, act.AddinID, a, &res)
	return res
}

// activationDetail says in plain words what went wrong with an activation.
func activationDetail(act Activation) string {
	if !act.Failed {
		return detailSlow
	}
	reason := cleanReason(act.Reason)
	switch {
	case reason == "":
		return detailFailed
	case strings.EqualFold(reason, "timeout"):
		return detailTimedOut
	}
	return detailFailed + " (" + reason + ")"
}

// cleanReason makes a host-reported reason safe to store and print: control characters
// become spaces, runs of spaces collapse, and it is cut to maxReasonRunes.
func cleanReason(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxReasonRunes {
		s = string(r[:maxReasonRunes-1]) + "…"
	}
	return s
}

// latencyOf turns a strike's millisecond figure back into a duration for summaries.
func latencyOf(ms float64) time.Duration {
	return time.Duration(ms * float64(time.Millisecond))
}
