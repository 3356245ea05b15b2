package governance

import "time"

// bytesPerMB is Microsoft's megabyte in memoryalertthreshold: 2^20 bytes, as Windows
// counts memory.
const bytesPerMB = 1 << 20

// Episode limits: one CPU episode and one memory episode disable (DESIGN.md). They are
// not overridable.
const (
	cpuEpisodeLimit    = 1
	memoryEpisodeLimit = 1
)

// limitsOf returns t with every value that would make a rule meaningless (zero or
// negative counts and durations, NaN or non-positive percentages) replaced by its
// built-in default. registrypolicy already rejects out-of-range values; this is the
// engine's last guard, so that no policy can make it disable everything or nothing.
func limitsOf(t Thresholds) Thresholds {
	d := DefaultThresholds()
	if t.Interval <= 0 {
		t.Interval = d.Interval
	}
	if !(t.CPUCorePercent > 0) {
		t.CPUCorePercent = d.CPUCorePercent
	}
	if t.CPUSampleCount < 1 {
		t.CPUSampleCount = d.CPUSampleCount
	}
	if !(t.MemoryPercent > 0) {
		t.MemoryPercent = d.MemoryPercent
	}
	if t.MemorySampleCount < 1 {
		t.MemorySampleCount = d.MemorySampleCount
	}
	if !(t.DeviceMemoryGatePercent >= 0) {
		t.DeviceMemoryGatePercent = d.DeviceMemoryGatePercent
	}
	if t.CrashLimit < 0 {
		t.CrashLimit = d.CrashLimit
	}
	if t.ActivationThreshold <= 0 {
		t.ActivationThreshold = d.ActivationThreshold
	}
	if t.ActivationLimit < 1 {
		t.ActivationLimit = d.ActivationLimit
	}
	if t.StartupCount < 1 {
		t.StartupCount = d.StartupCount
	}
	if t.StrikeWindow <= 0 {
		t.StrikeWindow = d.StrikeWindow
	}
	return t
}

// strikesToDecide is how many counted strikes of metric m reach its limit.
func strikesToDecide(m Metric, t Thresholds) int {
	switch m {
	case MetricCPU:
		return cpuEpisodeLimit
	case MetricMemory:
		return memoryEpisodeLimit
	case MetricCrash:
		// CrashLimit restarts are allowed; the next crash disables.
		return t.CrashLimit + 1
	case MetricActivation:
		return t.ActivationLimit
	}
	return 0
}

// memoryLimitBytes is the memory threshold for a sample: the absolute MB limit when
// set, else MemoryPercent of the device's physical memory. It returns 0 when neither
// can be known (no absolute limit and no total memory reported): such a sample cannot
// be judged.
func memoryLimitBytes(t Thresholds, totalMemoryBytes uint64) uint64 {
	if t.MemoryThresholdMB > 0 {
		if t.MemoryThresholdMB > ^uint64(0)/bytesPerMB {
			return ^uint64(0)
		}
		return t.MemoryThresholdMB * bytesPerMB
	}
	if totalMemoryBytes == 0 {
		return 0
	}
	limit := t.MemoryPercent / 100 * float64(totalMemoryBytes)
	if limit >= float64(^uint64(0)) {
		return ^uint64(0)
	}
	if limit < 1 {
		return 1
	}
	return uint64(limit)
}

// toMB converts bytes to Microsoft's megabytes.
func toMB(b uint64) float64 { return float64(b) / bytesPerMB }

// toMillis converts a duration to milliseconds, keeping fractions.
func toMillis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
