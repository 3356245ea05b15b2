package monitor

import (
	"fmt"
	"strings"

	"github.com/shirou/gopsutil/v4/process"
)

// DiscoverRunning applies the rules to this machine's running processes. It reads the
// process table once and the executable path and command line only of processes whose
// table name could be one of the rules' programs, so it is cheap enough to run on
// every tick.
func (c Config) DiscoverRunning() ([]Binding, error) {
	if len(c.Discovery) == 0 {
		return nil, nil
	}
	entries, err := listProcesses()
	if err != nil {
		return nil, fmt.Errorf("discover add-in hosts: list processes: %w", err)
	}
	var infos []ProcessInfo
	for _, e := range entries {
		if !c.mayMatchName(e.Name) {
			continue
		}
		if info, ok := readProcessInfo(e); ok {
			infos = append(infos, info)
		}
	}
	return c.Discover(infos), nil
}

// readProcessInfo reads what discovery needs; ok is false when the process exited
// meanwhile, or its command line is not readable or empty (a kernel thread).
func readProcessInfo(e ProcessEntry) (ProcessInfo, bool) {
	p := &process.Process{Pid: e.PID}
	args, err := p.CmdlineSlice()
	if err != nil || len(args) == 0 {
		return ProcessInfo{}, false
	}
	exe, err := p.Exe()
	if err != nil || exe == "" {
		exe = e.Name // another user's process: its path is not ours to read
	}
	// Linux marks the link of a replaced executable; the name is still the program's.
	exe = strings.TrimSuffix(exe, " (deleted)")
	return ProcessInfo{PID: e.PID, Executable: exe, Args: args}, true
}
