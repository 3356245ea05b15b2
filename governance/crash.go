package governance

import (
	"fmt"
	"time"
)

// Units of crash strikes and their evidence.
const (
	unitCrash    = "crashes"
	unitExitCode = "exit code"
)

// ObserveCrash applies the crash rule: each crash is a strike, whose Value is the number
// of crashes inside the window including this one. CrashLimit restarts are allowed; the
// next crash inside the window reaches the limit (default 3, so the 4th crash disables).
func (e *Engine) ObserveCrash(cr Crash) Result {
	c := e.begin()
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
		Evidence:  []Evidence{crashEvidence(cr, when(cr.Time, c.now))},
		Exempt:    exempt(c.policy, cr.AddinID),
	}
	var res Result
	e.record(c, cr.AddinID, a, st, &res)
	return res
}

// crashEvidence describes how the process ended: its exit code when the daemon could
// know it (a process it launched, or one the OS reported), else why it could not.
func crashEvidence(cr Crash, at time.Time) Evidence {
	if cr.ExitCode < 0 {
		return Evidence{Time: at, Detail: fmt.Sprintf("process %d exited while an activation was live; its exit code is unknown: "+
			"only the process that started it (the host) learns it, and the host did not report it", cr.PID)}
	}
	code := fmt.Sprintf("code %d", cr.ExitCode)
	switch {
	case cr.ExitCode > 0xFFFF:
		code += fmt.Sprintf(" (0x%08X)", uint32(cr.ExitCode)) // a Windows NTSTATUS such as 0xC0000005
	case cr.ExitCode > 128 && cr.ExitCode < 128+65:
		code += fmt.Sprintf(" (128+%d: ended by signal %d)", cr.ExitCode-128, cr.ExitCode-128)
	}
	return Evidence{Time: at, Value: float64(cr.ExitCode), Unit: unitExitCode,
		Detail: fmt.Sprintf("process %d exited with %s while an activation was live", cr.PID, code)}
}
