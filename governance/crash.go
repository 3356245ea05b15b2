package governance

import "fmt"

// Units of crash strikes and their evidence.
const (
	unitCrash    = "crashes"
	unitExitCode = "exit code"
)

// ObserveCrash applies the crash rule: each crash is a strike, whose Value is the number
// of crashes inside the window including this one. CrashLimit restarts are allowed; the
// next crash inside the window reaches the limit (default 3, so the 4th crash disables).
func (e *Engine) ObserveCrash(cr Crash) Result {
	c := e.begin(cr.AddinID)
	a := e.governed(c, cr.AddinID)
	if a == nil {
		return Result{}
	}
	count := len(a.metricStrikes(MetricCrash)) + 1
	st := Strike{
		AddinID:   cr.AddinID,
		Metric:    MetricCrash,
		Time:      c.now,
		Value:     float64(count),
		Threshold: float64(c.limits.CrashLimit),
		Unit:      unitCrash,
		Evidence: []Evidence{{
			Time:   when(cr.Time, c.now),
			Value:  float64(cr.ExitCode),
			Unit:   unitExitCode,
			Detail: fmt.Sprintf("process %d exited with code %d while an activation was live", cr.PID, cr.ExitCode),
		}},
		Exempt: exempt(c.policy, cr.AddinID),
	}
	var res Result
	e.record(c, cr.AddinID, a, st, &res)
	return res
}
