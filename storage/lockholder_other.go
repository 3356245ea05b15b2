//go:build !linux

package storage

// lockHolder cannot identify the holder without a pid file on this system.
func lockHolder(string) (pid int, program string, ok bool) { return 0, "", false }
