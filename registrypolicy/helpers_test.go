package registrypolicy

import (
	"fmt"
	"time"

	"addingov/governance"
)

// validate checks an effective policy the way governance relies on it: every value
// inside its setting's range (or the built-in default), the governance policy agreeing
// with the settings, and managed modes valid. It returns the problems.
func (e *Effective) validate() []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(e.Settings) != len(settings) {
		bad("%d settings, want %d", len(e.Settings), len(settings))
	}
	nums := map[string]int64{}
	for i, sv := range e.Settings {
		def := settings[i]
		if sv.Name != def.Name {
			bad("setting %d is %s, want %s", i, sv.Name, def.Name)
			continue
		}
		switch def.Kind {
		case KindNumber:
			n, ok := sv.Value.(int64)
			if !ok {
				bad("%s: value %T, want int64", def.Name, sv.Value)
				continue
			}
			if (n < def.Min || n > def.Max) && n != def.Default.(int64) {
				bad("%s: %d outside %d–%d", def.Name, n, def.Min, def.Max)
			}
			nums[def.Name] = n
		case KindBool:
			if _, ok := sv.Value.(bool); !ok {
				bad("%s: value %T, want bool", def.Name, sv.Value)
			}
		case KindEnum:
			s, _ := sv.Value.(string)
			found := false
			for _, c := range def.Choices {
				found = found || c == s
			}
			if !found {
				bad("%s: %q is not a choice", def.Name, s)
			}
		case KindList:
			if _, ok := sv.Value.([]string); !ok {
				bad("%s: value %T, want []string", def.Name, sv.Value)
			}
		}
		if sv.Origin == "" {
			bad("%s: empty origin", def.Name)
		}
	}
	th := e.Policy.Thresholds
	if th.Interval != time.Duration(nums[AlertIntervalSeconds])*time.Second || th.Interval < 5*time.Second {
		bad("interval %v disagrees with %d s", th.Interval, nums[AlertIntervalSeconds])
	}
	if th.CrashLimit != int(nums[CrashLimit]) || th.ActivationLimit != int(nums[ActivationLimit]) {
		bad("limits disagree with settings")
	}
	if th.CPUCorePercent < 10 || th.CPUCorePercent > 100 || th.ActivationThreshold < 100*time.Millisecond {
		bad("thresholds out of range: %+v", th)
	}
	for id, m := range e.Policy.Managed {
		if m != governance.ManagedBlocked && m != governance.ManagedAlwaysEnabled && m != governance.ManagedUserDecides {
			bad("managed %s: mode %d", id, m)
		}
	}
	if len(e.Policy.Managed) != len(e.Managed) {
		bad("policy has %d managed add-ins, view %d", len(e.Policy.Managed), len(e.Managed))
	}
	return problems
}
