package storage

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockHolder finds a process with path open by scanning /proc/*/fd, for when the holder
// wrote no pid file (an older build, or a read-only directory). It sees only processes
// this user may inspect.
func lockHolder(path string) (pid int, program string, ok bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, "", false
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, "", false
	}
	self := os.Getpid()
	for _, p := range procs {
		n, err := strconv.Atoi(p.Name())
		if err != nil || n == self {
			continue
		}
		fdDir := filepath.Join("/proc", p.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if target, err := os.Readlink(filepath.Join(fdDir, fd.Name())); err == nil && target == abs {
				comm, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "comm"))
				return n, cleanProgram(strings.TrimSpace(string(comm))), true
			}
		}
	}
	return 0, "", false
}
