package office_test

import (
	"testing"

	"addingov/office"
	"addingov/office/officetest"
)

// The corpus imported with reg import / reg add is inventoried from the live registry
// as from the in-memory one.
func TestInventoryOfTheCorpusInTheRegistry(t *testing.T) {
	officetest.UseRegistry(t)
	checkCorpusInventory(t, office.Reader{Reg: office.WindowsRegistry{}}.Read(nil))
}

// LoadBehavior flipped and restored on the live registry, checked with reg query; an
// add-in in DoNotDisableAddinList is refused.
func TestEnforcerOnTheRegistry(t *testing.T) {
	officetest.UseRegistry(t)
	reg := office.WindowsRegistry{}
	store := memStore{}
	e := office.Enforcer{Reg: reg, Store: store}
	inv := office.Reader{Reg: reg}.Read(nil)

	const userKey = `HKCU\Software\Microsoft\Office\Outlook\Addins\KeepOutlookRunningCOMAddin.Connect`
	a, _ := inv.Find("office:Outlook:KeepOutlookRunningCOMAddin.Connect")
	if out, err := e.Disable(a); err != nil || !out.Changed {
		t.Fatalf("disable: %+v, %v", out, err)
	}
	if v, ok := officetest.RegQueryDWORD(userKey, "LoadBehavior"); !ok || v != 2 {
		t.Fatalf("reg query LoadBehavior = %d (%v), want 2", v, ok)
	}
	if _, err := e.Enable(a.ID); err != nil {
		t.Fatal(err)
	}
	if v, ok := officetest.RegQueryDWORD(userKey, "LoadBehavior"); !ok || v != 3 {
		t.Fatalf("reg query LoadBehavior after enable = %d (%v), want 3", v, ok)
	}

	// A machine-wide add-in: the user's key is created, then removed again.
	const wwtUser = `HKCU\Software\Microsoft\Office\Excel\Addins\Microsoft.Research.Wwt.Excel.Addin`
	wwt, _ := inv.Find("office:Excel:Microsoft.Research.Wwt.Excel.Addin")
	if _, err := e.Disable(wwt); err != nil {
		t.Fatal(err)
	}
	if v, ok := officetest.RegQueryDWORD(wwtUser, "LoadBehavior"); !ok || v != 2 {
		t.Fatalf("user LoadBehavior of a machine add-in = %d (%v), want 2", v, ok)
	}
	if v, ok := officetest.RegQueryDWORD(`HKLM\Software\Microsoft\Office\Excel\Addins\Microsoft.Research.Wwt.Excel.Addin`, "LoadBehavior"); !ok || v != 3 {
		t.Fatalf("machine LoadBehavior changed to %d (%v)", v, ok)
	}
	if _, err := e.Enable(wwt.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := reg.KeyExists(wwtUser); ok {
		t.Error("the user key addingov created is still there after enable")
	}

	flex, _ := inv.Find("office:Outlook:FlexConfirmMail")
	if _, err := e.Disable(flex); err != office.ErrDoNotDisable {
		t.Fatalf("FlexConfirmMail disable: %v, want ErrDoNotDisable", err)
	}
}
