//go:build windows

package daemon

import (
	"fmt"

	"github.com/shirou/gopsutil/v4/process"
	"golang.org/x/sys/windows"
)

// ownerOf returns the SID of the user whose token the process runs with.
func ownerOf(p *process.Process) (string, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(p.Pid))
	if err != nil {
		return "", fmt.Errorf("open process: %w", err)
	}
	defer windows.CloseHandle(h)
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return "", fmt.Errorf("open process token: %w", err)
	}
	defer tok.Close()
	u, err := tok.GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("read token user: %w", err)
	}
	return u.User.Sid.String(), nil
}

// isSystemAccount reports whether sid is LocalSystem's, LocalService's or NetworkService's.
func isSystemAccount(sid string) bool {
	return sid == "S-1-5-18" || sid == "S-1-5-19" || sid == "S-1-5-20"
}
