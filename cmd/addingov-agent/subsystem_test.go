package main

import (
	"debug/pe"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The Windows executables as scripts/build-windows.sh builds them (and so the MSI ships
// them): the agent, which the Run key starts at every logon, is a GUI-subsystem program,
// so Windows opens no console window for it; the daemon (session 0, never shown) and the
// CLI (run from shells, whose output a GUI build would lose) stay console programs.
func TestWindowsSubsystems(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatalf("bash is needed to run scripts/build-windows.sh: %v", err)
	}
	out, err := os.MkdirTemp("", "addingov-pe-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(out)
	cmd := exec.Command("bash", "../../scripts/build-windows.sh", "--exe-only", out)
	cmd.Env = append(os.Environ(), "VERSION=1.2.3")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build-windows.sh: %v\n%s", err, b)
	}
	for _, tc := range []struct {
		exe  string
		want uint16
	}{
		{"addingov-agent.exe", pe.IMAGE_SUBSYSTEM_WINDOWS_GUI},
		{"addingovd.exe", pe.IMAGE_SUBSYSTEM_WINDOWS_CUI},
		{"addingov.exe", pe.IMAGE_SUBSYSTEM_WINDOWS_CUI},
	} {
		t.Run(tc.exe, func(t *testing.T) {
			f, err := pe.Open(filepath.Join(out, tc.exe))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
			if !ok {
				t.Fatalf("%s has no 64-bit optional header (%T)", tc.exe, f.OptionalHeader)
			}
			if oh.Subsystem != tc.want {
				t.Errorf("%s: PE subsystem %d, want %d", tc.exe, oh.Subsystem, tc.want)
			}
		})
	}
}
