package office_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"addingov/office"
	"addingov/office/officetest"
)

// Real event-45 text: the example in Microsoft support's "Outlook application event log
// entries for add-in load time" (its first block), and a block as a user posted it to
// the MSDN VSTO forum ("Outlook add-in is disabled if boot time is > 1000 ms"), where
// the GUID sits on its own line after a blank one.
const event45Microsoft = `Outlook loaded the following add-in(s):

Name: Microsoft Exchange Add-in
Description: Exchange support for Unified Messaging, e-mail permission rules, and calendar availability.
ProgID: UmOutlookAddin.FormRegionAddin
GUID: {F959DBBB-3867-41F2-8E5F-3B8BEFAA81B3}
Load Behavior: 3
HKLM: 1
Location: C:\Program Files\Microsoft Office\Office14\ADDINS\UmOutlookAddin.dll
Boot Time (Milliseconds): 16
`

const event45Forum = "Name: FactSet RMS MSOutlook Save Add-In\r\nDescription: AddinModule\r\nProgID: RedAlertsMSOutlookAddinX.AddinModule\r\nGUID:\r\n\r\n{294DED6A-4680-41BE-A2A7-0178D45C869C}\r\n\r\nLoad Behavior: 3\r\nHKLM: 1\r\nLocation: c:\\branches\\6.2.7\\redalerts\\bin\\adxloader64.dll\r\nBoot Time (Milliseconds): 157\r\n"

func TestParseLoadTimesReadsRealEventText(t *testing.T) {
	lts, err := office.ParseLoadTimes(event45Microsoft + "\n" + event45Forum)
	if err != nil {
		t.Fatal(err)
	}
	if len(lts) != 2 {
		t.Fatalf("blocks = %d, want 2: %+v", len(lts), lts)
	}
	a, b := lts[0], lts[1]
	if a.ProgID != "UmOutlookAddin.FormRegionAddin" || a.BootTime != 16*time.Millisecond || !a.Machine || a.LoadBehavior == nil || *a.LoadBehavior != 3 {
		t.Errorf("first block = %+v", a)
	}
	if b.ProgID != "RedAlertsMSOutlookAddinX.AddinModule" || b.BootTime != 157*time.Millisecond || b.GUID != "{294DED6A-4680-41BE-A2A7-0178D45C869C}" {
		t.Errorf("second block = %+v", b)
	}
	if !strings.HasSuffix(b.Location, `adxloader64.dll`) {
		t.Errorf("location = %q", b.Location)
	}
}

func TestParseLoadTimesBadText(t *testing.T) {
	tests := []struct {
		name, text, wantErr string
		wantBlocks          int
	}{
		{"localized", "Outlook hat die folgenden Add-Ins geladen:\nName: X\nProgID: A.B\nStartzeit (Millisekunden): 12\n", "no Boot Time", 0},
		{"not event 45", "hello world", "localized text is not read", 0},
		{"block with no ProgID", "Name: A\nBoot Time (Milliseconds): 5\n" + event45Microsoft, "has no ProgID", 1},
		{"bad number", "Name: A\nProgID: A.B\nBoot Time (Milliseconds): soon\n", "not a whole number", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lts, err := office.ParseLoadTimes(tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
			}
			if len(lts) != tt.wantBlocks {
				t.Errorf("blocks = %d, want %d", len(lts), tt.wantBlocks)
			}
		})
	}
}

func TestParseAppCrash(t *testing.T) {
	// The layout of Windows' Application Error 1000 message.
	text := "Faulting application name: OUTLOOK.EXE, version: 16.0.17328.20184, time stamp: 0x65c9e4a2\r\n" +
		"Faulting module name: KeepOutlookRunning.dll, version: 1.0.0.1, time stamp: 0x5e0c1a2b\r\n" +
		"Exception code: 0xc0000005\r\nFaulting module path: C:\\Users\\a\\AppData\\Roaming\\KeepOutlookRunning\\KeepOutlookRunning.dll\r\n"
	c, err := office.ParseAppCrash(text)
	if err != nil {
		t.Fatal(err)
	}
	if c.Application != "OUTLOOK.EXE" || !strings.HasSuffix(c.ModulePath, `KeepOutlookRunning.dll`) || office.HostApp(c.Application) != "Outlook" {
		t.Errorf("crash = %+v", c)
	}
	if _, err := office.ParseAppCrash("Faulting module path: x"); err == nil {
		t.Error("a text with no application name was accepted")
	}
}

func TestLoadBehaviorOff(t *testing.T) {
	for _, tt := range []struct {
		in, want office.LoadBehavior
		changes  bool
	}{{3, 2, true}, {9, 8, true}, {16, 8, true}, {1, 0, true}, {2, 2, false}, {8, 8, false}, {0, 0, false}} {
		got, ok := tt.in.Off()
		if got != tt.want || ok != tt.changes {
			t.Errorf("%d.Off() = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.changes)
		}
	}
}

func TestInventoryProblems(t *testing.T) {
	reg := officetest.New()
	base := `HKCU\Software\Microsoft\Office\Outlook\Addins\`
	reg.SetString(base+"NoClsid.Connect", "FriendlyName", "No CLSID")
	reg.SetDWORD(base+"NoClsid.Connect", "LoadBehavior", 3)
	reg.SetString(base+"WrongType.Connect", "LoadBehavior", "3")
	reg.SetString(`HKCU\Software\Classes\WrongType.Connect\CLSID`, "", "{1}")
	reg.SetString(`HKLM\Software\Classes\CLSID\{1}\InprocServer32`, "", `C:\missing.dll`)
	inv := office.Reader{Reg: reg, FileExists: func(string) bool { return false }}.Read(nil)
	want := map[string]string{
		"office:Outlook:NoClsid.Connect":   "has no CLSID",
		"office:Outlook:WrongType.Connect": "REG_SZ; Office needs a REG_DWORD",
	}
	for id, problem := range want {
		a, ok := inv.Find(id)
		if !ok {
			t.Fatalf("%s not listed", id)
		}
		if !strings.Contains(strings.Join(a.Problems, "; "), problem) {
			t.Errorf("%s problems = %q, want %q", id, a.Problems, problem)
		}
	}
	if a, _ := inv.Find("office:Outlook:WrongType.Connect"); a.DLL != `C:\missing.dll` || !strings.Contains(strings.Join(a.Problems, ";"), "does not exist") {
		t.Errorf("DLL resolution = %q, problems %q", a.DLL, a.Problems)
	}

	// A key that cannot be read is reported; the rest is still read.
	reg.Fail = `HKLM\Software\Microsoft\Office\Outlook`
	inv = office.Reader{Reg: reg}.Read(nil)
	if len(inv.Problems) == 0 || !strings.Contains(inv.Problems[0], "cannot read") {
		t.Errorf("problems = %q", inv.Problems)
	}
	if _, ok := inv.Find("office:Outlook:NoClsid.Connect"); !ok {
		t.Error("a failing machine key hid the user's add-ins")
	}
}

func TestInventoryOfThousandsOfRegistrations(t *testing.T) {
	reg := officetest.New()
	for i := 0; i < 6000; i++ {
		reg.SetDWORD(`HKCU\Software\Microsoft\Office\Word\Addins\Bulk.`+strconv.Itoa(i), "LoadBehavior", 3)
	}
	inv := office.Reader{Reg: reg}.Read(nil)
	if len(inv.Addins) != 5000 || len(inv.Problems) != 1 || !strings.Contains(inv.Problems[0], "more than 5000") {
		t.Fatalf("addins = %d, problems = %q", len(inv.Addins), inv.Problems)
	}
}

func TestAddinIDRoundTrip(t *testing.T) {
	for _, u := range []office.UserHive{office.CurrentUser, {SID: "S-1-5-21-1-2-3-1001"}} {
		id := office.AddinID(u, "Outlook", "A.B@c")
		gu, app, prog, ok := office.ParseAddinID(id)
		if !ok || gu != u || app != "Outlook" || prog != "A.B@c" {
			t.Errorf("%s → %v %q %q %v", id, gu, app, prog, ok)
		}
	}
	if _, _, _, ok := office.ParseAddinID("contoso-mail"); ok {
		t.Error("a web add-in id parsed as an Office one")
	}
}

// memStore is a SwitchStore in memory.
type memStore map[string][]byte

func (m memStore) PutSwitch(id string, d []byte) error { m[id] = append([]byte(nil), d...); return nil }
func (m memStore) Switch(id string) ([]byte, bool, error) {
	d, ok := m[id]
	return d, ok, nil
}
func (m memStore) DeleteSwitch(id string) error { delete(m, id); return nil }

func TestEnforcerRestoresExactly(t *testing.T) {
	const userKey = `HKCU\Software\Microsoft\Office\Outlook\Addins\A.Connect`
	tests := []struct {
		name      string
		setup     func(*officetest.Registry)
		wantWrote uint64
		wantAfter func(*testing.T, *officetest.Registry)
	}{
		{
			name:      "user value 3 becomes 2 and comes back as 3",
			setup:     func(r *officetest.Registry) { r.SetDWORD(userKey, "LoadBehavior", 3) },
			wantWrote: 2,
			wantAfter: func(t *testing.T, r *officetest.Registry) {
				if v, ok, _ := r.Value(userKey, "LoadBehavior"); !ok || v.Number != 3 {
					t.Errorf("after enable: %+v %v", v, ok)
				}
			},
		},
		{
			name: "machine-only add-in: the user's value is created, then removed with its key",
			setup: func(r *officetest.Registry) {
				r.SetDWORD(`HKLM\Software\Microsoft\Office\Outlook\Addins\A.Connect`, "LoadBehavior", 9)
			},
			wantWrote: 8,
			wantAfter: func(t *testing.T, r *officetest.Registry) {
				if ok, _ := r.KeyExists(userKey); ok {
					t.Error("the user's key addingov created is still there")
				}
			},
		},
		{
			name: "16 becomes 8",
			setup: func(r *officetest.Registry) {
				r.SetDWORD(userKey, "LoadBehavior", 16)
				r.SetString(userKey, "FriendlyName", "A")
			},
			wantWrote: 8,
			wantAfter: func(t *testing.T, r *officetest.Registry) {
				if v, _, _ := r.Value(userKey, "LoadBehavior"); v.Number != 16 {
					t.Errorf("after enable: %d", v.Number)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := officetest.New()
			tt.setup(reg)
			store := memStore{}
			inv := office.Reader{Reg: reg}.Read(nil)
			a, ok := inv.Find("office:Outlook:A.Connect")
			if !ok {
				t.Fatal("not inventoried")
			}
			e := office.Enforcer{Reg: reg, Store: store}
			out, err := e.Disable(a)
			if err != nil || !out.Changed {
				t.Fatalf("disable: %+v, %v", out, err)
			}
			if v, _, _ := reg.Value(userKey, "LoadBehavior"); v.Number != tt.wantWrote {
				t.Fatalf("wrote %d, want %d", v.Number, tt.wantWrote)
			}
			// A second disable keeps the first saved value.
			a2, _ := office.Reader{Reg: reg}.Read(nil).Find(a.ID)
			if out, err := e.Disable(a2); err != nil || out.Changed {
				t.Fatalf("second disable: %+v, %v", out, err)
			}
			// A new enforcer (a restarted daemon) restores from the store.
			if out, err := (office.Enforcer{Reg: reg, Store: store}).Enable(a.ID); err != nil || !out.Changed {
				t.Fatalf("enable: %+v, %v", out, err)
			}
			tt.wantAfter(t, reg)
			if len(store) != 0 {
				t.Error("saved value not forgotten after enable")
			}
		})
	}
}

func TestEnforcerHonoursDoNotDisableAddinList(t *testing.T) {
	reg := officetest.New()
	reg.SetDWORD(`HKCU\Software\Microsoft\Office\Outlook\Addins\A.Connect`, "LoadBehavior", 3)
	reg.SetDWORD(`HKCU\Software\Microsoft\Office\16.0\Outlook\Resiliency\DoNotDisableAddinList`, "A.Connect", 2)
	a, _ := office.Reader{Reg: reg}.Read(nil).Find("office:Outlook:A.Connect")
	if a.DoNotDisable != 2 {
		t.Fatalf("reason code = %d, want 2", a.DoNotDisable)
	}
	_, err := office.Enforcer{Reg: reg, Store: memStore{}}.Disable(a)
	if err != office.ErrDoNotDisable {
		t.Fatalf("err = %v, want ErrDoNotDisable", err)
	}
	if v, _, _ := reg.Value(`HKCU\Software\Microsoft\Office\Outlook\Addins\A.Connect`, "LoadBehavior"); v.Number != 3 {
		t.Errorf("LoadBehavior = %d, want 3 untouched", v.Number)
	}
}

func TestMonitorObservesOfficeRecords(t *testing.T) {
	reg := officetest.New()
	key := `HKCU\Software\Microsoft\Office\Outlook\Addins\Slow.Connect`
	reg.SetDWORD(key, "LoadBehavior", 3)
	reg.SetString(`HKCU\Software\Classes\Slow.Connect\CLSID`, "", "{9}")
	reg.SetString(`HKCU\Software\Classes\CLSID\{9}\InprocServer32`, "", `C:\Addins\slow.dll`)
	m := &office.Monitor{Reader: office.Reader{Reg: reg}}
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	if _, obs := m.Scan(now); len(obs.Activations)+len(obs.Crashes) != 0 {
		t.Fatalf("first scan observed %+v", obs)
	}
	// Office turns 3 into 2 after a load error, and lists the add-in as crashing.
	reg.SetDWORD(key, "LoadBehavior", 2)
	reg.SetDWORD(`HKCU\Software\Microsoft\Office\16.0\Outlook\Resiliency\CrashingAddinList`, "Slow.Connect", 1)
	_, obs := m.Scan(now)
	if len(obs.Activations) != 1 || !obs.Activations[0].Failed || !strings.Contains(obs.Activations[0].Reason, "from 3 to 2") {
		t.Errorf("activations = %+v", obs.Activations)
	}
	if len(obs.Crashes) != 1 || obs.Crashes[0].AddinID != "office:Outlook:Slow.Connect" {
		t.Errorf("crashes = %+v", obs.Crashes)
	}
	// Load times: history fills the record; a live event yields the startups.
	text := "Outlook loaded the following add-in(s):\nName: Slow\nProgID: Slow.Connect\nBoot Time (Milliseconds): 2500\n"
	for i := 0; i < 4; i++ {
		if obs := m.Event(office.Event{Provider: "Outlook", ID: 45, Text: text, Time: now}, false); len(obs.Startups) != 0 {
			t.Fatal("a history event produced an observation")
		}
	}
	obs = m.Event(office.Event{Provider: "Outlook", ID: 45, Text: text, Time: now, Live: true}, true)
	if len(obs.Startups) != 1 || len(obs.Startups[0].Starts) != 5 {
		t.Fatalf("startups = %+v", obs.Startups)
	}
	// An Application Error naming the DLL is a crash of the add-in.
	crash := "Faulting application name: OUTLOOK.EXE, version: 16.0\nFaulting module path: c:\\addins\\SLOW.dll\n"
	obs = m.Event(office.Event{Provider: "Application Error", ID: 1000, Text: crash, Time: now}, true)
	if len(obs.Crashes) != 1 || obs.Crashes[0].AddinID != "office:Outlook:Slow.Connect" {
		t.Errorf("crash = %+v", obs)
	}
}
