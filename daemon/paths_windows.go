//go:build windows

package daemon

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// DefaultStateDir is %ProgramData%\AddinGov, found through the known-folder API (a
// service's environment may not carry ProgramData).
func DefaultStateDir() string {
	pd, err := windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0)
	if err != nil || pd == "" {
		if pd = os.Getenv("ProgramData"); pd == "" {
			pd = `C:\ProgramData`
		}
	}
	return filepath.Join(pd, "AddinGov")
}

// stateDirSDDL gives SYSTEM and Administrators full control of the state directory and
// what it holds, and nobody else access: the database is the daemon's alone.
const stateDirSDDL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

// secureStateDir applies stateDirSDDL to dir (file modes mean nothing on Windows).
func secureStateDir(dir string) error {
	sd, err := windows.SecurityDescriptorFromString(stateDirSDDL)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	err = windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if err != nil {
		return fmt.Errorf("restrict %s to SYSTEM and Administrators: %w", dir, err)
	}
	return nil
}
