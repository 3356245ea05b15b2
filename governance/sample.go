package governance

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Units of sample strikes and their evidence.
const (
	unitCPU    = "% of one core"
	unitMemory = "MB"
)

// ObserveSample applies the CPU and memory episode rules to one sampling tick.
//
// CPU: CPUSampleCount consecutive samples at or above CPUCorePercent make an episode and
// one strike. Memory: MemorySampleCount consecutive samples at or above the memory limit
// (MemoryThresholdMB when set, else MemoryPercent of the device's physical memory), taken
// while device memory use is at or above DeviceMemoryGatePercent (0: always), make an
// episode and one strike. A sample that does not qualify ends the run; after an episode
// the next one needs a full run of new samples. A strike's Value is the mean of its
// episode's samples. CPU is judged first: when it disables the add-in, the memory rule
// does not run for this sample.
func (e *Engine) ObserveSample(s Sample) Result {
	c := e.begin(s.AddinID)
	a := e.governed(c, s.AddinID)
	if a == nil {
		return Result{}
	}
	var res Result
	if st, ok := a.observeCPU(c, s); ok {
		if e.record(c, s.AddinID, a, st, &res) {
			return res
		}
	}
	if st, ok := a.observeMemory(c, s); ok {
		if e.record(c, s.AddinID, a, st, &res) {
			return res
		}
	}
	e.settle(c, s.AddinID, a, &res)
	return res
}

// observeCPU extends or ends the CPU run and returns a strike when it completes an
// episode. A non-finite figure is a failed measurement and ends the run.
func (a *addin) observeCPU(c call, s Sample) (Strike, bool) {
	lim := c.limits
	if math.IsInf(s.CPUPercent, 0) || !(s.CPUPercent >= lim.CPUCorePercent) {
		a.cpuRun = nil
		return Strike{}, false
	}
	return episode(&a.cpuRun, Evidence{
		Time:   when(s.Time, c.now),
		Value:  s.CPUPercent,
		Unit:   unitCPU,
		Detail: pidDetail(s.PIDs),
	}, lim.CPUSampleCount, Strike{
		AddinID:   s.AddinID,
		Metric:    MetricCPU,
		Time:      c.now,
		Threshold: lim.CPUCorePercent,
		Unit:      unitCPU,
		Exempt:    exempt(c.policy, s.AddinID),
	})
}

// observeMemory extends or ends the memory run and returns a strike when it completes
// an episode. A sample below the device-memory gate, or one whose limit cannot be known
// (no absolute limit and no total memory), ends the run.
func (a *addin) observeMemory(c call, s Sample) (Strike, bool) {
	lim := c.limits
	gate := lim.DeviceMemoryGatePercent
	if gate > 0 && !(s.DeviceMemoryPercent >= gate) {
		a.memRun = nil
		return Strike{}, false
	}
	limit := memoryLimitBytes(lim, s.TotalMemoryBytes)
	if limit == 0 || s.MemoryBytes < limit {
		a.memRun = nil
		return Strike{}, false
	}
	return episode(&a.memRun, Evidence{
		Time:   when(s.Time, c.now),
		Value:  toMB(s.MemoryBytes),
		Unit:   unitMemory,
		Detail: deviceMemoryDetail(s.DeviceMemoryPercent, s.PIDs),
	}, lim.MemorySampleCount, Strike{
		AddinID:   s.AddinID,
		Metric:    MetricMemory,
		Time:      c.now,
		Threshold: toMB(limit),
		Unit:      unitMemory,
		Exempt:    exempt(c.policy, s.AddinID),
	})
}

// episode adds a sample over the threshold to run; once the run holds need samples it
// is an episode: the run restarts and the strike is returned with the run as evidence
// and its mean as value.
func episode(run *[]Evidence, ev Evidence, need int, strike Strike) (Strike, bool) {
	*run = append(*run, ev)
	if len(*run) < need {
		return Strike{}, false
	}
	strike.Evidence, strike.Value = *run, meanValue(*run)
	*run = nil
	return strike, true
}

// meanValue is the mean of the evidence values. The mean, not the peak, because a
// summary says the add-in "used" that much for the whole episode.
func meanValue(ev []Evidence) float64 {
	if len(ev) == 0 {
		return 0
	}
	var sum float64
	for _, x := range ev {
		sum += x.Value
	}
	return sum / float64(len(ev))
}

// pidDetail names the sampled process tree, so support can match the evidence with
// other diagnostics.
func pidDetail(pids []int32) string {
	if len(pids) == 0 {
		return ""
	}
	parts := make([]string, len(pids))
	for i, p := range pids {
		parts[i] = strconv.FormatInt(int64(p), 10)
	}
	return "processes " + strings.Join(parts, ", ")
}

// deviceMemoryDetail records how full the device was, which is why memory governance
// applied at all.
func deviceMemoryDetail(devicePercent float64, pids []int32) string {
	var parts []string
	if !math.IsNaN(devicePercent) && !math.IsInf(devicePercent, 0) && devicePercent > 0 {
		parts = append(parts, fmt.Sprintf("device memory %.0f%% in use", devicePercent))
	}
	if p := pidDetail(pids); p != "" {
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}
