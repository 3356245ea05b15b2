package officetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// CorpusKeys are every registry key the corpus writes (and the tests change): cleared
// before and after each Windows test.
var CorpusKeys = []string{
	`HKCU\Software\Microsoft\Office`,
	`HKLM\Software\Microsoft\Office`,
	`HKLM\Software\WOW6432Node\Microsoft\Office`,
	`HKCU\Software\Classes\AppID\KeepOutlookRunning.DLL`,
	`HKCU\Software\Classes\KeepOutlookRunningCOMAddin.Connect`,
	`HKCU\Software\Classes\KeepOutlookRunningCOMAddin.Connect.1`,
	`HKCU\Software\Classes\CLSID\{AA9CDF1C-A41E-43C4-81C8-7330D6A5322E}`,
	`HKCU\Software\Classes\TypeLib\{870E8189-BD89-46B7-B3E3-25A79EB78459}`,
	`HKCU\Software\Policies\Microsoft\Office\16.0\Outlook\Resiliency`,
}

// UnderWine reports whether the process runs under Wine.
func UnderWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// Disposable says whether the registry may be overwritten: always under Wine; on a real
// Windows machine only when ADDINGOV_REGISTRY_TESTS=1 says it is disposable (the tests
// would replace its Office registrations).
func Disposable() (bool, string) {
	if UnderWine() || os.Getenv("ADDINGOV_REGISTRY_TESTS") == "1" {
		return true, ""
	}
	return false, "would overwrite this machine's Office add-in registrations: set ADDINGOV_REGISTRY_TESTS=1 on a disposable machine (CI runs these under Wine)"
}

// UseRegistry imports the corpus at CorpusDir into the real registry (Wine's in CI) for
// the test, clearing CorpusKeys before and again when it ends. It skips the test when
// the registry is not Disposable or the corpus is not there.
func UseRegistry(t testing.TB) {
	t.Helper()
	if ok, why := Disposable(); !ok {
		t.Skip(why)
	}
	if _, err := os.Stat(CorpusDir); err != nil {
		t.Skipf("shared corpus not present at %s", CorpusDir)
	}
	ClearRegistry()
	t.Cleanup(ClearRegistry)
	if err := ImportIntoRegistry(CorpusDir); err != nil {
		t.Fatal(err)
	}
}

// ClearRegistry deletes CorpusKeys (a missing key is what is wanted).
func ClearRegistry() {
	for _, k := range CorpusKeys {
		_ = exec.Command("reg", "delete", k, "/f").Run()
	}
}

// ImportIntoRegistry writes the corpus at dir into the real registry with the reg
// tool: `reg import` for the .reg files, one `reg add` per installer entry (the WiX and
// Inno Setup entries translated as InstallerWrites says).
func ImportIntoRegistry(dir string) error {
	for _, f := range RegFiles {
		if out, err := exec.Command("reg", "import", filepath.Join(dir, filepath.FromSlash(f))).CombinedOutput(); err != nil {
			return fmt.Errorf("reg import %s: %v: %s", f, err, out)
		}
	}
	for _, w := range InstallerWrites {
		typ := "REG_SZ"
		if w.DWORD {
			typ = "REG_DWORD"
		}
		args := []string{"add", w.Key, "/v", w.Name, "/t", typ, "/d", w.Data, "/f"}
		if out, err := exec.Command("reg", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("reg %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// RegQueryDWORD reads a DWORD back with `reg query`, as an administrator would check.
func RegQueryDWORD(key, name string) (uint64, bool) {
	out, err := exec.Command("reg", "query", key, "/v", name).CombinedOutput()
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && strings.EqualFold(f[0], name) && f[1] == "REG_DWORD" {
			var n uint64
			if _, err := fmt.Sscanf(f[2], "0x%x", &n); err == nil {
				return n, true
			}
		}
	}
	return 0, false
}
