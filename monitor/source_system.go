package monitor

import (
	"fmt"

	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/process"
)

func init() {
	// gopsutil reads the boot time from /proc/stat on every creation-time or CPU-time
	// parse unless told to keep it; the boot time of a running system does not change.
	host.EnableBootTimeCache(true)
	process.EnableBootTimeCache(true)
}

// SystemSource is the ProcessSource of the running operating system. Its handles stay
// open between ticks (on Linux the process's /proc stat file, on Windows a process
// handle), so a tick reads each process's CPU time and memory with one read and
// nothing else.
type SystemSource struct{}

var _ ProcessSource = SystemSource{}

// Open implements ProcessSource.
func (SystemSource) Open(pid int32) (ProcessHandle, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("open process %d: %w", pid, ErrNoProcess)
	}
	h, err := openProcess(pid)
	if err != nil {
		return nil, fmt.Errorf("open process %d: %w", pid, err)
	}
	return h, nil
}

// Processes implements ProcessSource with the platform's process table.
func (SystemSource) Processes() ([]ProcessEntry, error) {
	entries, err := listProcesses()
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	return entries, nil
}

// DeviceMemory implements ProcessSource.
func (SystemSource) DeviceMemory() (DeviceMemory, error) {
	d, err := deviceMemory()
	if err != nil {
		return DeviceMemory{}, fmt.Errorf("read device memory: %w", err)
	}
	return d, nil
}
