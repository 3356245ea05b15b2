//go:build !linux && !windows

package monitor

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"
)

// MemoryKind names the memory figure the sampler reports, for the policy view. Here it
// is the resident set: gopsutil's VMS is the size of the address space.
const MemoryKind = "resident"

// gopsutilHandle is the portable handle where no cheaper reads are wired. Each Usage
// re-reads the creation time and the state, so pid reuse and zombies are exits.
type gopsutilHandle struct {
	p          *process.Process
	createTime int64
}

func openProcess(pid int32) (ProcessHandle, error) {
	p, err := process.NewProcess(pid)
	if errors.Is(err, process.ErrorProcessNotRunning) {
		return nil, ErrNoProcess
	}
	if err != nil {
		return nil, err
	}
	ct, err := p.CreateTime()
	if err != nil {
		return nil, fmt.Errorf("read creation time: %w", gone(pid, err))
	}
	return &gopsutilHandle{p: p, createTime: ct}, nil
}

func (h *gopsutilHandle) PID() int32                 { return h.p.Pid }
func (h *gopsutilHandle) CreateTime() int64          { return h.createTime }
func (h *gopsutilHandle) Close() error               { return nil }
func (h *gopsutilHandle) Children() ([]int32, error) { return nil, ErrNoChildList }

func (h *gopsutilHandle) Usage() (Usage, error) {
	now, err := (&process.Process{Pid: h.p.Pid}).CreateTime()
	if err != nil || now != h.createTime {
		return Usage{}, fmt.Errorf("read process %d: %w", h.p.Pid, ErrNoProcess)
	}
	if st, err := h.p.Status(); err == nil && slices.Contains(st, process.Zombie) {
		return Usage{}, fmt.Errorf("read process %d: %w (zombie)", h.p.Pid, ErrNoProcess)
	}
	times, err := h.p.Times()
	if err != nil {
		return Usage{}, fmt.Errorf("read CPU times of process %d: %w", h.p.Pid, gone(h.p.Pid, err))
	}
	mi, err := h.p.MemoryInfo()
	if err != nil {
		return Usage{}, fmt.Errorf("read memory of process %d: %w", h.p.Pid, gone(h.p.Pid, err))
	}
	cpu := time.Duration((times.User + times.System) * float64(time.Second))
	return Usage{CPUTime: cpu, MemoryBytes: mi.RSS}, nil
}

// gone turns a read error into ErrNoProcess when the process no longer exists, so the
// sampler can tell an exit from a read it is not allowed to make.
func gone(pid int32, err error) error {
	if exists, perr := process.PidExists(pid); perr == nil && !exists {
		return fmt.Errorf("%w (%v)", ErrNoProcess, err)
	}
	return err
}

func deviceMemory() (DeviceMemory, error) {
	vm, err := mem.VirtualMemory()
	if err != nil {
		return DeviceMemory{}, err
	}
	return DeviceMemory{TotalBytes: vm.Total, UsedPercent: vm.UsedPercent}, nil
}
