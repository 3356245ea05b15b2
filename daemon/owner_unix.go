//go:build !windows

package daemon

import (
	"fmt"
	"strconv"

	"github.com/shirou/gopsutil/v4/process"
)

func ownerOf(p *process.Process) (string, error) {
	uids, err := p.Uids()
	if err != nil {
		return "", err
	}
	if len(uids) == 0 {
		return "", fmt.Errorf("no uid reported")
	}
	// The real uid: who started it, not a setuid helper's effective uid.
	return strconv.FormatUint(uint64(uids[0]), 10), nil
}

// isSystemAccount reports whether uid is root's.
func isSystemAccount(uid string) bool { return uid == "0" }
