package monitor

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/shirou/gopsutil/v4/mem"
	"golang.org/x/sys/windows"
)

// MemoryKind names the memory figure the sampler reports, for the policy view. On
// Windows it is the private commit (PROCESS_MEMORY_COUNTERS.PagefileUsage, which
// gopsutil reports as VMS), which is what Microsoft's memoryalertthreshold ("virtual
// memory") limits.
const MemoryKind = "private commit"

// winHandle keeps a process handle open between ticks. Microsoft's "Process Security
// and Access Rights": PROCESS_QUERY_LIMITED_INFORMATION suffices for GetProcessTimes and
// GetProcessMemoryInfo, SYNCHRONIZE for waiting on the process. An open handle keeps
// the process object, so its creation time read through the handle stays the one read
// at open; the sampler still compares creation times of what the snapshot lists.
type winHandle struct {
	pid        int32
	createTime int64
	h          windows.Handle
}

var procGetProcessMemoryInfo = windows.NewLazySystemDLL("kernel32.dll").NewProc("K32GetProcessMemoryInfo")

// processMemoryCounters is PROCESS_MEMORY_COUNTERS (psapi.h).
type processMemoryCounters struct {
	cb                         uint32
	pageFaultCount             uint32
	peakWorkingSetSize         uintptr
	workingSetSize             uintptr
	quotaPeakPagedPoolUsage    uintptr
	quotaPagedPoolUsage        uintptr
	quotaPeakNonPagedPoolUsage uintptr
	quotaNonPagedPoolUsage     uintptr
	pagefileUsage              uintptr
	peakPagefileUsage          uintptr
}

func openProcess(pid int32) (ProcessHandle, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION|windows.SYNCHRONIZE, false, uint32(pid))
	if errors.Is(err, windows.ERROR_INVALID_PARAMETER) {
		return nil, ErrNoProcess // OpenProcess's answer for a pid that names no process
	}
	if err != nil {
		return nil, err
	}
	wh := &winHandle{pid: pid, h: h}
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("read creation time: %w", err)
	}
	if wh.exited() {
		windows.CloseHandle(h)
		return nil, ErrNoProcess
	}
	wh.createTime = created.Nanoseconds() / int64(time.Millisecond)
	return wh, nil
}

func (h *winHandle) PID() int32                 { return h.pid }
func (h *winHandle) CreateTime() int64          { return h.createTime }
func (h *winHandle) Close() error               { return windows.CloseHandle(h.h) }
func (h *winHandle) Children() ([]int32, error) { return nil, ErrNoChildList }

// exited reports whether the process has ended: its handle is signalled then
// (WaitForSingleObject with a zero timeout only tests it).
func (h *winHandle) exited() bool {
	ev, err := windows.WaitForSingleObject(h.h, 0)
	return err == nil && ev == windows.WAIT_OBJECT_0
}

// ExitCode implements exitCoder: the handle keeps the ended process's object, so
// GetExitCodeProcess still answers (Microsoft's "GetExitCodeProcess function"; 259,
// STILL_ACTIVE, means it runs).
func (h *winHandle) ExitCode() (int, bool) {
	if !h.exited() {
		return 0, false
	}
	var code uint32
	if err := windows.GetExitCodeProcess(h.h, &code); err != nil {
		return 0, false
	}
	return int(code), true
}

func (h *winHandle) Usage() (Usage, error) {
	if h.exited() {
		return Usage{}, fmt.Errorf("read process %d: %w", h.pid, ErrNoProcess)
	}
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h.h, &created, &exited, &kernel, &user); err != nil {
		return Usage{}, fmt.Errorf("read CPU times of process %d: %w", h.pid, err)
	}
	var mc processMemoryCounters
	mc.cb = uint32(unsafe.Sizeof(mc))
	if ok, _, err := procGetProcessMemoryInfo.Call(uintptr(h.h), uintptr(unsafe.Pointer(&mc)), uintptr(mc.cb)); ok == 0 {
		return Usage{}, fmt.Errorf("read memory of process %d: %w", h.pid, err)
	}
	return Usage{CPUTime: filetimeDuration(kernel) + filetimeDuration(user), MemoryBytes: uint64(mc.pagefileUsage)}, nil
}

// filetimeDuration converts a FILETIME holding a duration (100 ns units).
func filetimeDuration(ft windows.Filetime) time.Duration {
	return time.Duration(uint64(ft.HighDateTime)<<32|uint64(ft.LowDateTime)) * 100
}

func deviceMemory() (DeviceMemory, error) {
	vm, err := mem.VirtualMemory()
	if err != nil {
		return DeviceMemory{}, err
	}
	return DeviceMemory{TotalBytes: vm.Total, UsedPercent: vm.UsedPercent}, nil
}
