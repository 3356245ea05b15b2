package monitor

import (
	"errors"
	"fmt"
	"time"

	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"
)

// SystemSource is the ProcessSource of the running operating system, built on gopsutil.
// Its handles keep one *process.Process per pid, which caches the creation time, so a
// tick reads each process's CPU times and memory once and nothing else.
type SystemSource struct{}

var _ ProcessSource = SystemSource{}

// Open implements ProcessSource.
func (SystemSource) Open(pid int32) (ProcessHandle, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("open process %d: %w", pid, ErrNoProcess)
	}
	p, err := process.NewProcess(pid)
	if errors.Is(err, process.ErrorProcessNotRunning) {
		return nil, fmt.Errorf("open process %d: %w", pid, ErrNoProcess)
	}
	if err != nil {
		return nil, fmt.Errorf("open process %d: %w", pid, err)
	}
	ct, err := p.CreateTime()
	if err != nil {
		return nil, fmt.Errorf("open process %d: read creation time: %w", pid, gone(pid, err))
	}
	return &systemHandle{p: p, createTime: ct}, nil
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
	vm, err := mem.VirtualMemory()
	if err != nil {
		return DeviceMemory{}, fmt.Errorf("read device memory: %w", err)
	}
	return DeviceMemory{TotalBytes: vm.Total, UsedPercent: vm.UsedPercent}, nil
}

type systemHandle struct {
	p          *process.Process
	createTime int64
}

func (h *systemHandle) PID() int32        { return h.p.Pid }
func (h *systemHandle) CreateTime() int64 { return h.createTime }
func (h *systemHandle) Close() error      { return nil } // gopsutil holds no OS handle between calls

// Alive uses gopsutil's IsRunning, which re-reads the pid's creation time and compares
// it with the one cached in the handle: that is what tells pid reuse from a live process.
func (h *systemHandle) Alive() (bool, error) {
	ok, err := h.p.IsRunning()
	if err != nil {
		if exists, perr := process.PidExists(h.p.Pid); perr == nil && !exists {
			return false, nil
		}
		return false, fmt.Errorf("check process %d: %w", h.p.Pid, err)
	}
	return ok, nil
}

func (h *systemHandle) Usage() (Usage, error) {
	times, err := h.p.Times()
	if err != nil {
		return Usage{}, fmt.Errorf("read CPU times of process %d: %w", h.p.Pid, gone(h.p.Pid, err))
	}
	mi, err := h.p.MemoryInfo()
	if err != nil {
		return Usage{}, fmt.Errorf("read memory of process %d: %w", h.p.Pid, gone(h.p.Pid, err))
	}
	cpu := time.Duration((times.User + times.System) * float64(time.Second))
	return Usage{CPUTime: cpu, MemoryBytes: memoryOf(mi)}, nil
}

// gone turns a read error into ErrNoProcess when the process no longer exists, so the
// sampler can tell an exit from a read it is not allowed to make.
func gone(pid int32, err error) error {
	if exists, perr := process.PidExists(pid); perr == nil && !exists {
		return fmt.Errorf("%w (%v)", ErrNoProcess, err)
	}
	return err
}
