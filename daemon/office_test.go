package daemon

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"addingov/governance"
	"addingov/office"
	"addingov/office/officetest"
	"addingov/registrypolicy"
	"addingov/storage"
)

func TestOfficeScenarioInMemory(t *testing.T) {
	reg := officetest.New()
	// The corpus's shapes (see office/corpus_test.go for the real files): a per-user
	// COM add-in with its classes under HKCU, and a machine VSTO add-in the user always
	// enables through DoNotDisableAddinList.
	reg.SetString(`HKCU\Software\Classes\KeepOutlookRunningCOMAddin.Connect\CLSID`, "", "{AA9CDF1C-A41E-43C4-81C8-7330D6A5322E}")
	reg.SetString(`HKCU\Software\Classes\CLSID\{AA9CDF1C-A41E-43C4-81C8-7330D6A5322E}\InprocServer32`, "", `C:\KeepOutlookRunning.dll`)
	reg.SetString(`HKCU\Software\Microsoft\Office\Outlook\Addins\KeepOutlookRunningCOMAddin.Connect`, "FriendlyName", "Keep Outlook Running COM Addin")
	reg.SetDWORD(`HKCU\Software\Microsoft\Office\Outlook\Addins\KeepOutlookRunningCOMAddin.Connect`, "LoadBehavior", 3)
	reg.SetString(`HKLM\Software\Microsoft\Office\Outlook\Addins\FlexConfirmMail`, "Manifest", `file:///C:\Program Files\FlexConfirmMail\FlexConfirmMail.vsto|vstolocal`)
	reg.SetDWORD(`HKLM\Software\Microsoft\Office\Outlook\Addins\FlexConfirmMail`, "LoadBehavior", 3)
	reg.SetDWORD(`HKCU\Software\Microsoft\Office\16.0\Outlook\Resiliency\DoNotDisableAddinList`, "FlexConfirmMail", 1)
	officeScenario(t, reg, func(key, name string) (uint64, bool) {
		v, ok, _ := reg.Value(key, name)
		return v.Number, ok
	})
}

func TestOutlookPolicyBlocksOnlyUnlistedOutlookCOMAddins(t *testing.T) {
	reg := officetest.New()
	if err := reg.Import(officetest.CorpusDir); err != nil {
		t.Skipf("shared corpus not present at %s (%v)", officetest.CorpusDir, err)
	}
	reg.SetString(`HKCU\Software\Microsoft\Office\16.0\WEF\Developer`, "{6E0A4D4B-4A8E-4C65-A8E4-3A9A2B1F0C11}", `C:\addins\manifest.xml`)
	restrictScenario(t, reg)
}

func TestOfficeModes(t *testing.T) {
	inv := office.Inventory{Addins: []office.Addin{
		{ID: "office:Outlook:A.Connect", App: "Outlook", Kind: office.KindCOM, ProgID: "A.Connect"},
		{ID: "office:Outlook:B.Connect", App: "Outlook", Kind: office.KindCOM, ProgID: "B.Connect"},
		{ID: "office:Outlook:Keep", App: "Outlook", Kind: office.KindVSTO, ProgID: "Keep", DoNotDisable: 2},
		{ID: "web-addin-guid", Kind: office.KindWeb},
		{ID: "office:Excel:X", App: "Excel", Kind: office.KindVSTO, ProgID: "A.Connect"},
	}}
	tests := []struct {
		name  string
		lists registrypolicy.OfficeLists
		want  map[string]governance.ManagedMode
	}{
		{"nothing set: DoNotDisable keeps it enabled", registrypolicy.OfficeLists{},
			map[string]governance.ManagedMode{"office:Outlook:Keep": governance.ManagedAlwaysEnabled}},
		{"restricttolist with no list blocks every COM add-in, no web add-in", registrypolicy.OfficeLists{RestrictToList: true},
			map[string]governance.ManagedMode{"office:Outlook:A.Connect": governance.ManagedBlocked, "office:Outlook:B.Connect": governance.ManagedBlocked, "office:Outlook:Keep": governance.ManagedBlocked}},
		{"restricttolist + policyon + one ProgID=1 blocks only the others", registrypolicy.OfficeLists{RestrictToList: true, ListOn: true,
			AddinList: []registrypolicy.ManagedAddin{{ID: "a.connect", Mode: governance.ManagedAlwaysEnabled}}},
			map[string]governance.ManagedMode{"office:Outlook:A.Connect": governance.ManagedAlwaysEnabled, "office:Outlook:B.Connect": governance.ManagedBlocked, "office:Outlook:Keep": governance.ManagedBlocked}},
		{"user decides + DoNotDisable stays enabled", registrypolicy.OfficeLists{AddinList: []registrypolicy.ManagedAddin{{ID: "Keep", Mode: governance.ManagedUserDecides}}},
			map[string]governance.ManagedMode{"office:Outlook:Keep": governance.ManagedAlwaysEnabled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OfficeModes(inv, tt.lists)
			if len(got) != len(tt.want) {
				t.Fatalf("modes %v, want %v", got, tt.want)
			}
			for id, m := range tt.want {
				if got[id] != m {
					t.Errorf("%s = %v, want %v", id, got[id], m)
				}
			}
		})
	}
}

// TestOfficeModesCache: the modes a policy lookup gets are kept per policy and
// inventory, and computed again after a scan or for another policy.
func TestOfficeModesCache(t *testing.T) {
	reg := officetest.New()
	addOutlookCOM := func(progID string) {
		reg.SetString(`HKCU\Software\Microsoft\Office\Outlook\Addins\`+progID, "FriendlyName", progID)
		reg.SetDWORD(`HKCU\Software\Microsoft\Office\Outlook\Addins\`+progID, "LoadBehavior", 3)
	}
	addOutlookCOM("A.Connect")
	db, err := storage.Open(filepath.Join(officeTempDir(t), storage.FileName), storage.Options{}) // not t.TempDir: Wine fails its cleanup
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := newOfficeHost(OfficeConfig{Registry: reg}, db, governance.SystemClock{})
	h.monitor.Scan(time.Now())
	restrict := &registrypolicy.Effective{Office: registrypolicy.OfficeLists{RestrictToList: true}}
	open := &registrypolicy.Effective{}
	blocked := func(m map[string]governance.ManagedMode) []string {
		var ids []string
		for id, mode := range m {
			if mode == governance.ManagedBlocked {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		return ids
	}
	steps := []struct {
		name  string
		scan  string // a ProgID registered and scanned before the step
		e     *registrypolicy.Effective
		want  []string
		fresh bool // computed, not the map of the previous step
	}{
		{"first lookup", "", restrict, []string{"office:Outlook:A.Connect"}, true},
		{"same policy, same inventory", "", restrict, []string{"office:Outlook:A.Connect"}, false},
		{"another policy", "", open, nil, true},
		{"after a scan found another add-in", "B.Connect", restrict, []string{"office:Outlook:A.Connect", "office:Outlook:B.Connect"}, true},
		{"again", "", restrict, []string{"office:Outlook:A.Connect", "office:Outlook:B.Connect"}, false},
	}
	var prev map[string]governance.ManagedMode
	for _, st := range steps {
		if st.scan != "" {
			addOutlookCOM(st.scan)
			h.monitor.Scan(time.Now())
		}
		got := h.modesUnder(st.e)
		if !slices.Equal(blocked(got), st.want) {
			t.Errorf("%s: blocked %v, want %v", st.name, blocked(got), st.want)
		}
		same := prev != nil && reflect.ValueOf(got).Pointer() == reflect.ValueOf(prev).Pointer()
		if same == st.fresh {
			t.Errorf("%s: kept map %v, want computed %v", st.name, same, st.fresh)
		}
		prev = got
	}
}
