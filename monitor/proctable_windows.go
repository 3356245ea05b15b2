package monitor

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// listProcesses walks one Toolhelp snapshot, which carries every process's parent and
// image name. gopsutil's Ppid takes a whole snapshot per process; this takes one per
// tick.
func listProcesses() ([]ProcessEntry, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(snap)
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	var entries []ProcessEntry
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		if pe.ProcessID == 0 {
			continue // the System Idle Process is not a process anyone runs
		}
		entries = append(entries, ProcessEntry{
			PID:  int32(pe.ProcessID),
			PPID: int32(pe.ParentProcessID),
			Name: windows.UTF16ToString(pe.ExeFile[:]),
		})
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil, err
	}
	return entries, nil
}
