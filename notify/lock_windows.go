package notify

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

func openLockFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// lockFile locks the file's first byte range; Windows releases it when the process
// ends, so a crashed agent never leaves a stale lock. Other processes may still read
// the holder's pid: the lock covers a range past the pid's bytes.
func lockFile(f *os.File) error {
	ol := new(windows.Overlapped)
	ol.Offset = lockOffset
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errLockHeld
	}
	return err
}

func unlockFile(f *os.File) error {
	ol := new(windows.Overlapped)
	ol.Offset = lockOffset
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
}

// lockOffset is far past the pid written at the start of the file.
const lockOffset = 1 << 20
