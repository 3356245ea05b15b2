//go:build !windows

package monitor

import "github.com/shirou/gopsutil/v4/process"

// MemoryKind names the memory figure the sampler reports, for the policy view. Outside
// Windows it is the resident set: gopsutil's VMS there is the size of the address
// space, which says nothing about the memory a process costs the device.
const MemoryKind = "resident"

func memoryOf(m *process.MemoryInfoStat) uint64 { return m.RSS }
