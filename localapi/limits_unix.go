//go:build !windows

package localapi

import "golang.org/x/sys/unix"

// descriptorLimit is the process's soft RLIMIT_NOFILE (0 when unknown).
func descriptorLimit() int {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &r); err != nil || r.Cur > 1<<30 {
		return 0
	}
	return int(r.Cur)
}
