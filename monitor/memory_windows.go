package monitor

import "github.com/shirou/gopsutil/v4/process"

// MemoryKind names the memory figure the sampler reports, for the policy view. On
// Windows it is the private commit (gopsutil's VMS is PagefileUsage there), which is
// what Microsoft's memoryalertthreshold ("virtual memory") limits.
const MemoryKind = "private commit"

func memoryOf(m *process.MemoryInfoStat) uint64 { return m.VMS }
