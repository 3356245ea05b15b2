//go:build !linux && !windows

package monitor

import (
	"slices"

	"github.com/shirou/gopsutil/v4/process"
)

// listProcesses uses gopsutil's portable calls where no cheaper table is wired.
func listProcesses() ([]ProcessEntry, error) {
	pids, err := process.Pids()
	if err != nil {
		return nil, err
	}
	entries := make([]ProcessEntry, 0, len(pids))
	for _, pid := range pids {
		p := &process.Process{Pid: pid}
		ppid, err := p.Ppid()
		if err != nil {
			continue // exited since the list was read, or not ours to read
		}
		if st, err := p.Status(); err == nil && slices.Contains(st, process.Zombie) {
			continue
		}
		name, _ := p.Name()
		entries = append(entries, ProcessEntry{PID: pid, PPID: ppid, Name: name})
	}
	return entries, nil
}
