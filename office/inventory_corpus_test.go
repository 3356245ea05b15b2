package office_test

import (
	"os"
	"testing"

	"addingov/office"
	"addingov/office/officetest"
)

func TestInventoryOfTheCorpus(t *testing.T) {
	if _, err := os.Stat(officetest.CorpusDir); err != nil {
		t.Skipf("shared corpus not present at %s", officetest.CorpusDir)
	}
	reg := officetest.New()
	if err := reg.Import(officetest.CorpusDir); err != nil {
		t.Fatal(err)
	}
	checkCorpusInventory(t, office.Reader{Reg: reg}.Read(nil))
}

// The third KeepOutlookRunning file has no .reg header: refused with a clear error,
// as regedit and reg import refuse it.
func TestHeaderlessRegFileIsRefused(t *testing.T) {
	p := officetest.CorpusDir + "/reg/theduffster_KeepOutlookRunning__SourceCode_KeepOutlookRunning.reg"
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared corpus not present at %s", officetest.CorpusDir)
	}
	if err := officetest.New().ImportReg(p); err == nil {
		t.Fatal("a .reg file without its header was imported")
	}
}

// checkCorpusInventory checks every corpus registration is listed as it should be
// (shared with the Windows test over the real registry).
func checkCorpusInventory(t *testing.T, inv office.Inventory) {
	t.Helper()
	for id, want := range officetest.Addins {
		a, ok := inv.Find(id)
		if !ok {
			t.Errorf("%s not listed", id)
			continue
		}
		if a.Kind != want.Kind || a.App != want.App || a.Scope != want.Scope || a.LoadBehavior == nil || *a.LoadBehavior != want.LoadBehavior {
			t.Errorf("%s = kind %s app %s scope %s lb %v; want %+v", id, a.Kind, a.App, a.Scope, a.LoadBehavior, want)
		}
	}
	com, _ := inv.Find("office:Outlook:KeepOutlookRunningCOMAddin.Connect")
	if com.CLSID != "{AA9CDF1C-A41E-43C4-81C8-7330D6A5322E}" || com.DLL == "" {
		t.Errorf("COM add-in's DLL not resolved: %+v", com)
	}
	flex, _ := inv.Find("office:Outlook:FlexConfirmMail")
	if flex.DoNotDisable != 1 || len(flex.Registrations) != 2 {
		t.Errorf("FlexConfirmMail: DoNotDisable %d, registrations %+v", flex.DoNotDisable, flex.Registrations)
	}
}
