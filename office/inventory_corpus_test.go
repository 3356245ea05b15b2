package office_test

import (
	"strconv"
	"testing"

	"addingov/office"
	"addingov/office/officetest"
)

func TestInventoryOfTheCorpus(t *testing.T) {
	reg := officetest.New()
	for _, f := range corpusRegFiles {
		if err := reg.ImportReg(corpusPath(t, f)); err != nil {
			t.Fatalf("import %s: %v", f, err)
		}
	}
	for _, w := range corpusInstallerWrites {
		if w.DWORD {
			n, _ := strconv.ParseUint(w.Data, 10, 32)
			reg.SetDWORD(w.Key, w.Name, uint32(n))
		} else {
			reg.SetString(w.Key, w.Name, w.Data)
		}
	}
	inv := office.Reader{Reg: reg}.Read(nil)
	checkCorpusInventory(t, inv)
}

// checkCorpusInventory checks every corpus registration is listed as it should be
// (shared with the Windows test over the real registry).
func checkCorpusInventory(t *testing.T, inv office.Inventory) {
	t.Helper()
	for id, want := range corpusAddins {
		a, ok := inv.Find(id)
		if !ok {
			t.Errorf("%s not listed", id)
			continue
		}
		if a.Kind != want.kind || a.App != want.app || a.Scope != want.scope || a.LoadBehavior == nil || *a.LoadBehavior != want.loadBehavior {
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
