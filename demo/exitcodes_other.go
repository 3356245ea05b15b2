//go:build !unix

package demo

import "os"

// exitStatus is the exit code (on Windows the full 32-bit code, e.g. an NTSTATUS).
func exitStatus(ps *os.ProcessState) (int, bool) {
	return ps.ExitCode(), ps.ExitCode() >= 0
}
