package monitor

import (
	"errors"
	"time"
)

// ErrNoProcess means the process does not exist (it never did, it exited, or its pid
// now names a different process).
var ErrNoProcess = errors.New("no such process")

// ErrNoChildList means the operating system keeps no list of one process's children
// (Windows; Linux without CONFIG_PROC_CHILDREN): the sampler then reads the whole
// process table, once per tick, to find descendants.
var ErrNoChildList = errors.New("this system lists no process's children on their own")

// ProcessSource is the seam between the sampler and the operating system. SystemSource
// implements it (/proc on Linux, process handles on Windows, gopsutil elsewhere);
// monitortest.FakeSource implements it for tests.
type ProcessSource interface {
	// Open returns a handle on the running process pid, with its creation time read
	// now. It returns an error wrapping ErrNoProcess when no such process runs.
	Open(pid int32) (ProcessHandle, error)
	// Processes lists every running process with its parent. Processes that have
	// exited but not yet been reaped (Unix zombies) are left out: they use no CPU or
	// memory and will never run again.
	Processes() ([]ProcessEntry, error)
	// DeviceMemory reads the device's physical memory and its use.
	DeviceMemory() (DeviceMemory, error)
}

// ProcessHandle is an open process, identified by its pid and creation time.
type ProcessHandle interface {
	PID() int32
	// CreateTime is the process's creation time in milliseconds since the Unix epoch,
	// read when the handle was opened. (pid, CreateTime) identifies a process: pids
	// are reused, creation times of one pid are not.
	CreateTime() int64
	// Usage reads the process's cumulative CPU time and its memory. It returns an
	// error wrapping ErrNoProcess when the pid no longer names the process the handle
	// was opened on: it exited (a Unix zombie has), or the pid now names another
	// process. One call is the whole per-tick read of a process that stays.
	Usage() (Usage, error)
	// Children lists the pids of the process's children, read now. Call it after Usage
	// in the same tick. It returns an error wrapping ErrNoChildList when the system
	// cannot list one process's children; the caller then uses ProcessSource.Processes.
	Children() ([]int32, error)
	// Close releases whatever the handle holds. The sampler closes a handle when it
	// stops tracking the process.
	Close() error
}

// ProcessEntry is one row of the process table.
type ProcessEntry struct {
	PID  int32
	PPID int32
	// Name is the executable's name as the process table reports it: the image name
	// on Windows, the command name on Linux (truncated by the kernel to 15 bytes).
	Name string
}

// Usage is one reading of a process's resource use.
type Usage struct {
	// CPUTime is the user plus system CPU time the process has used since it started.
	CPUTime time.Duration
	// MemoryBytes is the memory governance compares, of the kind MemoryKind names.
	MemoryBytes uint64
}

// DeviceMemory is the device's physical memory.
type DeviceMemory struct {
	TotalBytes  uint64
	UsedPercent float64
}
