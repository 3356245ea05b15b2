//go:build unix

package demo

import (
	"os"
	"syscall"
)

// exitStatus is the exit code, or 128+N when signal N ended the process (the shell's
// convention, which the crash evidence explains).
func exitStatus(ps *os.ProcessState) (int, bool) {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	switch {
	case !ok:
		return ps.ExitCode(), ps.ExitCode() >= 0
	case ws.Signaled():
		return 128 + int(ws.Signal()), true
	}
	return ws.ExitStatus(), true
}
