package daemon

import (
	"os/exec"
	"testing"

	"addingov/office"
	"addingov/office/officetest"
)

// The end-to-end scenario on the real registry: the event-45 text is fed through the
// EventSource interface because Wine's event log cannot deliver events (its wevtapi
// is a stub); LoadBehavior is read back with reg query.
func TestOfficeScenarioOnTheRegistry(t *testing.T) {
	officetest.UseRegistry(t)
	officeScenario(t, office.WindowsRegistry{}, officetest.RegQueryDWORD)
}

func TestOutlookPolicyOnTheRegistry(t *testing.T) {
	officetest.UseRegistry(t)
	if out, err := exec.Command("reg", "add", `HKCU\Software\Microsoft\Office\16.0\WEF\Developer`, "/v", "{6E0A4D4B-4A8E-4C65-A8E4-3A9A2B1F0C11}",
		"/t", "REG_SZ", "/d", `C:\addins\manifest.xml`, "/f").CombinedOutput(); err != nil {
		t.Fatalf("reg add: %v: %s", err, out)
	}
	restrictScenario(t, office.WindowsRegistry{})
}
