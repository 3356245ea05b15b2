package office_test

import (
	"strings"
	"testing"

	"addingov/addinid"
	"addingov/office"
	"addingov/office/officetest"
)

func FuzzParseLoadTimes(f *testing.F) {
	f.Add(event45Microsoft)
	f.Add(event45Forum)
	f.Add("Name:\nProgID:\n\nBoot Time (Milliseconds):\n99999999999999")
	f.Fuzz(func(t *testing.T, text string) {
		lts, err := office.ParseLoadTimes(text)
		for _, lt := range lts {
			if lt.ProgID == "" || lt.BootTime < 0 {
				t.Fatalf("accepted block %+v", lt)
			}
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
		_, _ = office.ParseAppCrash(text)
	})
}

// FuzzRegistrationReader reads registrations whose names and values are arbitrary.
func FuzzRegistrationReader(f *testing.F) {
	f.Add("KeepOutlookRunningCOMAddin.Connect", "FriendlyName", "x", uint32(3), "{AA9CDF1C}", true)
	f.Add("A", "Manifest", "file:///C:/a.vsto|vstolocal", uint32(16), "", false)
	f.Fuzz(func(t *testing.T, progID, name, value string, lb uint32, clsid string, stringLB bool) {
		if progID == "" || strings.ContainsAny(progID, `\@`) {
			return
		}
		reg := officetest.New()
		key := `HKCU\Software\Microsoft\Office\Outlook\Addins\` + progID
		reg.SetString(key, name, value)
		if stringLB {
			reg.SetString(key, "LoadBehavior", value)
		} else {
			reg.SetDWORD(key, "LoadBehavior", lb)
		}
		reg.SetString(`HKCU\Software\Classes\`+progID+`\CLSID`, "", clsid)
		reg.SetString(`HKLM\Software\Classes\CLSID\`+clsid+`\InprocServer32`, "", value)
		inv := office.Reader{Reg: reg}.Read(nil)
		if addinid.Check(progID) != nil {
			if len(inv.Addins) != 0 || len(inv.Problems) != 1 {
				t.Fatalf("a ProgID addinid refuses was inventoried: %+v", inv)
			}
			return
		}
		if len(inv.Addins) != 1 {
			t.Fatalf("addins = %d, want 1", len(inv.Addins))
		}
		a := inv.Addins[0]
		if a.Kind != office.KindCOM && a.Kind != office.KindVSTO {
			t.Fatalf("kind %q", a.Kind)
		}
		if _, _, p, ok := office.ParseAddinID(a.ID); !ok || !strings.EqualFold(p, progID) {
			t.Fatalf("id %q does not round-trip", a.ID)
		}
	})
}
