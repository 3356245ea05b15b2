package registrypolicy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"addingov/governance"
)

const (
	msWEF16   = `Software\Policies\Microsoft\Office\16.0\WEF\Outlook`
	msWEF15   = `Software\Policies\Microsoft\Office\15.0\WEF\Outlook`
	msPrefs16 = `Software\Microsoft\Office\16.0\WEF\Outlook`
	msRes16   = `Software\Policies\Microsoft\Office\16.0\Outlook\Resiliency`
	msList16  = msRes16 + `\AddinList`
	msList15  = `Software\Policies\Microsoft\Office\15.0\Outlook\Resiliency\AddinList`
)

type jsonOut struct {
	Settings []struct {
		Name   string `json:"name"`
		Value  any    `json:"value"`
		Unit   string `json:"unit"`
		Origin string `json:"origin"`
		Error  string `json:"error"`
	} `json:"settings"`
	Managed []struct {
		ID     string `json:"id"`
		Mode   string `json:"mode"`
		Origin string `json:"origin"`
	} `json:"managed_addins"`
}

// TestDoneWhenScenarios are the two acceptance scenarios, through the JSON
// view exactly as `addingov policy --from-file X.reg --json` prints it.
func TestDoneWhenScenarios(t *testing.T) {
	type want struct {
		value  any
		origin string
		err    string
	}
	tests := []struct {
		file     string
		settings map[string]want
	}{
		{
			file: "testdata/done-when.reg", // UTF-16LE with BOM and CRLF, as regedit exports
			settings: map[string]want{
				AlertIntervalSeconds:  {10.0, `testdata/done-when.reg:7 HKEY_CURRENT_USER\Software\Policies\Microsoft\Office\16.0\WEF\Outlook\alertinterval`, ""},
				ActivationThresholdMs: {2500.0, `testdata/done-when.reg:8 HKEY_CURRENT_USER\Software\Policies\Microsoft\Office\16.0\WEF\Outlook\activationalertthreshold`, ""},
				CPUCorePercent:        {80.0, `testdata/done-when.reg:11 HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\CPUCorePercent`, ""},
				ManagedAddins:         {[]any{"demo-cpu"}, `testdata/done-when.reg:15 HKEY_CURRENT_USER\SOFTWARE\Policies\AddinGov\ManagedAddins`, ""},
			},
		},
		{
			file: "testdata/alert-below-range.reg", // UTF-8
			settings: map[string]want{
				AlertIntervalSeconds:  {5.0, "default", `testdata/alert-below-range.reg:6 HKEY_CURRENT_USER\Software\Policies\Microsoft\Office\16.0\WEF\Outlook\alertinterval: 1 is out of range 5–600 s (ignored)`},
				ActivationThresholdMs: {2500.0, `testdata/alert-below-range.reg:7 HKEY_CURRENT_USER\Software\Policies\Microsoft\Office\16.0\WEF\Outlook\activationalertthreshold`, ""},
				CPUCorePercent:        {80.0, `testdata/alert-below-range.reg:10 HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\CPUCorePercent`, ""},
				ManagedAddins:         {[]any{"demo-cpu"}, `testdata/alert-below-range.reg:14 HKEY_CURRENT_USER\SOFTWARE\Policies\AddinGov\ManagedAddins`, ""},
			},
		},
	}
	defaults := Evaluate(NewMemoryStore())
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			s, err := LoadRegFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			e := Evaluate(s)
			b, err := e.JSON()
			if err != nil {
				t.Fatal(err)
			}
			var out jsonOut
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatalf("JSON %s: %v", b, err)
			}
			if len(out.Settings) != len(Settings()) {
				t.Fatalf("%d settings in JSON, want %d", len(out.Settings), len(Settings()))
			}
			for i, got := range out.Settings {
				w, named := tc.settings[got.Name]
				if !named { // everything else stays default
					d := defaults.Settings[i]
					dv, _ := json.Marshal(d.Value)
					gv, _ := json.Marshal(got.Value)
					w = want{nil, "default", ""}
					if string(dv) != string(gv) {
						t.Errorf("%s = %s, want default %s", got.Name, gv, dv)
					}
				} else if !reflect.DeepEqual(got.Value, w.value) {
					t.Errorf("%s = %#v, want %#v", got.Name, got.Value, w.value)
				}
				if got.Origin != w.origin {
					t.Errorf("%s origin %q, want %q", got.Name, got.Origin, w.origin)
				}
				if got.Error != w.err {
					t.Errorf("%s error %q, want %q", got.Name, got.Error, w.err)
				}
			}
			wantManaged := `[{"id":"demo-cpu","mode":"always-enabled","origin":"` + strings.ReplaceAll(tc.settings[ManagedAddins].origin, `\`, `\\`) + `\\demo-cpu"}]`
			if gm, _ := json.Marshal(out.Managed); string(gm) != wantManaged {
				t.Errorf("managed_addins %s, want %s", gm, wantManaged)
			}
			if e.Policy.Managed["demo-cpu"] != governance.ManagedAlwaysEnabled || len(e.Policy.Managed) != 1 {
				t.Errorf("governance managed list %v", e.Policy.Managed)
			}
			if th := e.Policy.Thresholds; th.CPUCorePercent != 80 || th.ActivationThreshold != 2500*time.Millisecond {
				t.Errorf("thresholds %+v", th)
			}
		})
	}
}

func TestDefaultsMatchGovernance(t *testing.T) {
	e := Evaluate(NewMemoryStore())
	if !reflect.DeepEqual(e.Policy, governance.DefaultPolicy()) {
		t.Errorf("empty policy gives %+v, want governance.DefaultPolicy() %+v", e.Policy, governance.DefaultPolicy())
	}
	for _, s := range e.Settings {
		if s.Origin != OriginDefault || s.Error != "" {
			t.Errorf("%s: origin %q error %q", s.Name, s.Origin, s.Error)
		}
	}
	want := Caps{MaxMailPermission: "ReadWriteMailbox", MaxDocumentPermission: "ReadWriteDocument", BlockedSharePointRights: []string{}}
	if !reflect.DeepEqual(e.Caps, want) {
		t.Errorf("caps %+v, want %+v", e.Caps, want)
	}
	if p := e.validate(); len(p) > 0 {
		t.Error(p)
	}
}

// TestPrecedence sets a setting at several levels and checks which one wins.
func TestPrecedence(t *testing.T) {
	type set struct {
		hive      Hive
		key, name string
		v         Value
	}
	ourM := func(v uint32) set { return set{HKLM, KeyAddinGov, "ActivationThresholdMs", DWord(v)} }
	ourU := func(v uint32) set { return set{HKCU, KeyAddinGov, "ActivationThresholdMs", DWord(v)} }
	ms16 := func(v Value) set { return set{HKCU, msWEF16, "activationalertthreshold", v} }
	ms15 := func(v Value) set { return set{HKCU, msWEF15, "activationalertthreshold", v} }
	pref := func(v Value) set { return set{HKCU, msPrefs16, "activationalertthreshold", v} }
	tests := []struct {
		name   string
		values []set
		want   int64
		origin string // suffix of the winning origin
		err    string // substring of the error, if any
	}{
		{"default", nil, 1000, "default", ""},
		{"preference only", []set{pref(DWord(200))}, 200, msPrefs16 + `\activationalertthreshold`, ""},
		{"15.0 over preference", []set{ms15(DWord(300)), pref(DWord(200))}, 300, msWEF15 + `\activationalertthreshold`, ""},
		{"16.0 over 15.0", []set{ms16(DWord(400)), ms15(DWord(300))}, 400, msWEF16 + `\activationalertthreshold`, ""},
		{"user key over Microsoft", []set{ourU(500), ms16(DWord(400))}, 500, `HKEY_CURRENT_USER\` + KeyAddinGov + `\ActivationThresholdMs`, ""},
		{"machine key over user key", []set{ourM(600), ourU(500), ms16(DWord(400))}, 600, `HKEY_LOCAL_MACHINE\` + KeyAddinGov + `\ActivationThresholdMs`, ""},
		{"Microsoft decimal string accepted", []set{ms16(String(" 2500 "))}, 2500, msWEF16 + `\activationalertthreshold`, ""},
		{"preference decimal string accepted", []set{pref(String("700"))}, 700, msPrefs16 + `\activationalertthreshold`, ""},
		{"our key rejects a string", []set{{HKLM, KeyAddinGov, "ActivationThresholdMs", String("600")}, ms16(DWord(400))}, 400, msWEF16 + `\activationalertthreshold`, "wrong type REG_SZ: use a REG_DWORD"},
		{"out of range falls through", []set{ourM(99), ourU(10001), ms16(DWord(400))}, 400, msWEF16 + `\activationalertthreshold`, "10001 is out of range 100–10000 ms"},
		{"unparsable string falls through", []set{ms16(String("fast")), ms15(DWord(300))}, 300, msWEF15 + `\activationalertthreshold`, `REG_SZ "fast" is not a decimal number`},
		{"negative string is unparsable", []set{ms16(String("-5"))}, 1000, "default", "not a decimal number"},
		{"wrong type binary", []set{ms16(Binary([]byte{1}))}, 1000, "default", "wrong type REG_BINARY: use a REG_DWORD (or a REG_SZ holding a decimal number)"},
		{"qword is the wrong type", []set{ourM(0), {HKLM, KeyAddinGov, "ActivationThresholdMs", QWord(500)}}, 1000, "default", "wrong type REG_QWORD"},
		{"all invalid keeps default", []set{ourM(1), ms16(String("x"))}, 1000, "default", "1 is out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewMemoryStore()
			for _, v := range tc.values {
				s.Set(v.hive, v.key, v.name, v.v)
			}
			e := Evaluate(s)
			checkActivationThreshold(t, e, tc.want, tc.origin, tc.err)
		})
	}
}

// checkActivationThreshold checks e's activation threshold: its value, the suffix of
// the origin it won at, the error text it carries (err "" for none), and what
// governance is given.
func checkActivationThreshold(t *testing.T, e *Effective, want int64, origin, err string) {
	t.Helper()
	sv, _ := e.Setting(ActivationThresholdMs)
	if sv.Value != want {
		t.Errorf("value %v, want %d", sv.Value, want)
	}
	if !strings.HasSuffix(sv.Origin, origin) {
		t.Errorf("origin %q, want …%q", sv.Origin, origin)
	}
	if err == "" && sv.Error != "" || !strings.Contains(sv.Error, err) {
		t.Errorf("error %q, want %q", sv.Error, err)
	}
	if got := e.Policy.Thresholds.ActivationThreshold; got != time.Duration(want)*time.Millisecond {
		t.Errorf("governance threshold %v", got)
	}
}

// TestMicrosoftMappings checks each Microsoft value lands on its canonical setting.
func TestMicrosoftMappings(t *testing.T) {
	tests := []struct {
		key, value, setting string
		v                   Value
		want                any
		check               func(governance.Thresholds) bool
	}{
		{msWEF16, "alertinterval", AlertIntervalSeconds, DWord(30), int64(30), func(th governance.Thresholds) bool { return th.Interval == 30*time.Second }},
		{msWEF16, "memoryalertthreshold", MemoryThresholdMB, String("800"), int64(800), func(th governance.Thresholds) bool { return th.MemoryThresholdMB == 800 }},
		{msWEF16, "restartmanagerretrylimit", CrashLimit, DWord(5), int64(5), func(th governance.Thresholds) bool { return th.CrashLimit == 5 }},
		{msWEF16, "activationalertthreshold", ActivationThresholdMs, DWord(2500), int64(2500), func(th governance.Thresholds) bool { return th.ActivationThreshold == 2500*time.Millisecond }},
		{msWEF16, "activationretrylimit", ActivationLimit, DWord(5), int64(5), func(th governance.Thresholds) bool { return th.ActivationLimit == 5 }},
		{msPrefs16, "activationretrylimit", ActivationLimit, DWord(1), int64(1), func(th governance.Thresholds) bool { return th.ActivationLimit == 1 }},
		// restricttolist is Office's rule for COM add-ins (OfficeRestrictToList), not our
		// BlockUnmanagedAddins for every kind.
		{msRes16, "restricttolist", OfficeRestrictToList, DWord(1), true, func(th governance.Thresholds) bool { return !th.BlockUnmanaged }},
		{msRes16, "restricttolist", OfficeRestrictToList, String("1"), true, func(th governance.Thresholds) bool { return !th.BlockUnmanaged }},
		{`Software\Policies\Microsoft\Office\15.0\Outlook\Resiliency`, "restricttolist", OfficeRestrictToList, DWord(1), true, func(th governance.Thresholds) bool { return !th.BlockUnmanaged }},
	}
	for _, tc := range tests {
		t.Run(tc.key+`\`+tc.value+"="+tc.v.Display(), func(t *testing.T) {
			s := NewMemoryStore()
			s.Set(HKCU, tc.key, tc.value, tc.v)
			e := Evaluate(s)
			sv, _ := e.Setting(tc.setting)
			if sv.Value != tc.want || sv.Error != "" {
				t.Errorf("%s = %v (error %q), want %v", tc.setting, sv.Value, sv.Error, tc.want)
			}
			if !tc.check(e.Policy.Thresholds) {
				t.Errorf("governance thresholds %+v", e.Policy.Thresholds)
			}
		})
	}
}

func TestBoolAndEnumSettings(t *testing.T) {
	tests := []struct {
		name    string
		hive    Hive
		value   string
		v       Value
		setting string
		want    any
		err     string
	}{
		{"bool on", HKLM, BlockUserInstalls, DWord(1), BlockUserInstalls, true, ""},
		{"bool off overrides nothing", HKCU, AllowLoopbackSideload, DWord(0), AllowLoopbackSideload, false, ""},
		{"bool 2 out of range", HKLM, AllowActivationOnIRMItems, DWord(2), AllowActivationOnIRMItems, false, "2 is out of range: use 0 (off) or 1 (on)"},
		{"bool string rejected on our key", HKLM, BlockUserInstalls, String("1"), BlockUserInstalls, false, "wrong type REG_SZ"},
		{"enum exact", HKLM, MaxMailPermission, String("ReadItem"), MaxMailPermission, "ReadItem", ""},
		{"enum case-insensitive", HKCU, MaxDocumentPermission, String("writedocument"), MaxDocumentPermission, "WriteDocument", ""},
		{"enum unknown", HKLM, MaxMailPermission, String("Everything"), MaxMailPermission, "ReadWriteMailbox", `"Everything" is not one of Restricted, ReadItem, ReadWriteItem, ReadWriteMailbox`},
		{"enum wrong type", HKLM, MaxDocumentPermission, DWord(1), MaxDocumentPermission, "ReadWriteDocument", "wrong type REG_DWORD: use a REG_SZ"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewMemoryStore()
			s.Set(tc.hive, KeyAddinGov, tc.value, tc.v)
			e := Evaluate(s)
			sv, _ := e.Setting(tc.setting)
			if sv.Value != tc.want {
				t.Errorf("value %v, want %v", sv.Value, tc.want)
			}
			if tc.err == "" && sv.Error != "" || !strings.Contains(sv.Error, tc.err) {
				t.Errorf("error %q, want %q", sv.Error, tc.err)
			}
		})
	}
}

func TestCaps(t *testing.T) {
	s := NewMemoryStore()
	s.Set(HKLM, KeyAddinGov, BlockUserInstalls, DWord(1))
	s.Set(HKLM, KeyAddinGov, MaxMailPermission, String("ReadItem"))
	s.Set(HKCU, KeyAddinGov, MaxDocumentPermission, String("ReadDocument"))
	s.Set(HKLM, KeyAddinGov, AllowActivationOnIRMItems, DWord(1))
	s.Set(HKCU, KeyAddinGov, AllowLoopbackSideload, DWord(1))
	s.Set(HKLM, KeyAddinGov+`\BlockedSharePointRights`, "1", String("http://sharepoint/content/tenant:FullControl"))
	got := Evaluate(s).Caps
	want := Caps{
		BlockUserInstalls: true, MaxMailPermission: "ReadItem", MaxDocumentPermission: "ReadDocument",
		BlockedSharePointRights:   []string{"http://sharepoint/content/tenant:FullControl"},
		AllowActivationOnIRMItems: true, AllowLoopbackSideload: true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("caps %+v, want %+v", got, want)
	}
}

func TestBlockedSharePointRights(t *testing.T) {
	const sub = KeyAddinGov + `\BlockedSharePointRights`
	tests := []struct {
		name   string
		hklm   map[string]Value
		hkcu   map[string]Value
		want   []string
		origin string
		err    string
	}{
		{"none", nil, nil, []string{}, "default", ""},
		{"user list", nil, map[string]Value{"1": String("http://sharepoint/social/tenant:Write")}, []string{"http://sharepoint/social/tenant:Write"}, `HKEY_CURRENT_USER\` + sub, ""},
		{"machine list replaces user list", map[string]Value{"2": String("http://sharepoint/content/sitecollection:Manage"), "1": String("http://sharepoint/content/tenant:FullControl")},
			map[string]Value{"1": String("http://sharepoint/social/tenant:Write")},
			[]string{"http://sharepoint/content/tenant:FullControl", "http://sharepoint/content/sitecollection:Manage"}, `HKEY_LOCAL_MACHINE\` + sub, ""},
		{"invalid entries skipped", map[string]Value{"1": String("FullControl"), "2": DWord(3), "3": String("http://sharepoint/search:QueryAsUserIgnoreAppPrincipal"), "4": String("http://example.com/x:Read"), "5": String("http://sharepoint/content/tenant:")},
			nil, []string{"http://sharepoint/search:QueryAsUserIgnoreAppPrincipal"}, `HKEY_LOCAL_MACHINE\` + sub, `"FullControl" is not "scope-uri:Right"`},
		{"all invalid falls to user", map[string]Value{"1": String("nonsense")}, map[string]Value{"1": String("http://sharepoint/taxonomy:Write")},
			[]string{"http://sharepoint/taxonomy:Write"}, `HKEY_CURRENT_USER\` + sub, "nonsense"},
		{"duplicates collapse", map[string]Value{"1": String("http://sharepoint/taxonomy:Write"), "2": String("HTTP://SHAREPOINT/taxonomy:Write")}, nil,
			[]string{"http://sharepoint/taxonomy:Write"}, `HKEY_LOCAL_MACHINE\` + sub, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewMemoryStore()
			for n, v := range tc.hklm {
				s.Set(HKLM, sub, n, v)
			}
			for n, v := range tc.hkcu {
				s.Set(HKCU, sub, n, v)
			}
			e := Evaluate(s)
			sv, _ := e.Setting(BlockedSharePointRights)
			if !reflect.DeepEqual(sv.Value, tc.want) || !reflect.DeepEqual(e.Caps.BlockedSharePointRights, tc.want) {
				t.Errorf("value %v (caps %v), want %v", sv.Value, e.Caps.BlockedSharePointRights, tc.want)
			}
			if sv.Origin != tc.origin {
				t.Errorf("origin %q, want %q", sv.Origin, tc.origin)
			}
			if tc.err == "" && sv.Error != "" || !strings.Contains(sv.Error, tc.err) {
				t.Errorf("error %q, want %q", sv.Error, tc.err)
			}
		})
	}
}

func TestManagedAddins(t *testing.T) {
	ours := KeyAddinGov + `\ManagedAddins`
	type entry struct {
		hive      Hive
		key, name string
		v         Value
	}
	tests := []struct {
		name    string
		entries []entry
		want    map[string]governance.ManagedMode
		origins map[string]string // id → origin suffix
		err     string
		office  map[string]governance.ManagedMode // Outlook's AddinList by ProgID
	}{
		{"policyon marker ignored", []entry{{HKCU, msList16, "policyon", DWord(1)}, {HKCU, msList16, "Demo.Connect", String("1")}},
			map[string]governance.ManagedMode{}, nil, "", map[string]governance.ManagedMode{"Demo.Connect": governance.ManagedAlwaysEnabled}},
		{"AddinList names ProgIDs, never our ids", []entry{
			{HKCU, msList16, "a", String("1")}, {HKCU, msList16, "b", String("2")}, {HKLM, ours, "A", DWord(0)}},
			map[string]governance.ManagedMode{"A": governance.ManagedBlocked},
			map[string]string{"A": `HKEY_LOCAL_MACHINE\` + ours + `\A`}, "",
			map[string]governance.ManagedMode{"a": governance.ManagedAlwaysEnabled, "b": governance.ManagedUserDecides}},
		{"machine over user", []entry{{HKCU, ours, "x", DWord(0)}, {HKLM, ours, "x", DWord(2)}},
			map[string]governance.ManagedMode{"x": governance.ManagedUserDecides}, map[string]string{"x": `HKEY_LOCAL_MACHINE\` + ours + `\x`}, "", nil},
		{"16.0 over 15.0", []entry{{HKCU, msList15, "x", DWord(0)}, {HKCU, msList16, "x", DWord(1)}, {HKCU, msList15, "y", DWord(2)}},
			map[string]governance.ManagedMode{}, nil, "",
			map[string]governance.ManagedMode{"x": governance.ManagedAlwaysEnabled, "y": governance.ManagedUserDecides}},
		{"invalid mode falls through", []entry{{HKLM, ours, "x", DWord(3)}, {HKCU, ours, "x", String("0")}},
			map[string]governance.ManagedMode{"x": governance.ManagedBlocked}, map[string]string{"x": `HKEY_CURRENT_USER\` + ours + `\x`}, "3 is out of range: use 0 (always disabled)", nil},
		{"our list accepts the REG_SZ the ADMX writes", []entry{{HKCU, ours, "x", String("1")}},
			map[string]governance.ManagedMode{"x": governance.ManagedAlwaysEnabled}, map[string]string{"x": `HKEY_CURRENT_USER\` + ours + `\x`}, "", nil},
		{"wrong type ignored", []entry{{HKLM, ours, "x", Binary([]byte{1})}},
			map[string]governance.ManagedMode{}, nil, "wrong type REG_BINARY", nil},
		{"policyon is an id in our own list", []entry{{HKLM, ours, "policyon", DWord(1)}},
			map[string]governance.ManagedMode{"policyon": governance.ManagedAlwaysEnabled}, map[string]string{"policyon": `HKEY_LOCAL_MACHINE\` + ours + `\policyon`}, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewMemoryStore()
			for _, en := range tc.entries {
				s.Set(en.hive, en.key, en.name, en.v)
			}
			e := Evaluate(s)
			got := e.Policy.Managed
			if got == nil {
				got = map[string]governance.ManagedMode{}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("managed %v, want %v", got, tc.want)
			}
			for _, m := range e.Managed {
				if !strings.HasSuffix(m.Origin, tc.origins[m.ID]) || tc.origins[m.ID] == "" {
					t.Errorf("%s origin %q, want …%q", m.ID, m.Origin, tc.origins[m.ID])
				}
			}
			sv, _ := e.Setting(ManagedAddins)
			if tc.err == "" && sv.Error != "" || !strings.Contains(sv.Error, tc.err) {
				t.Errorf("error %q, want %q", sv.Error, tc.err)
			}
			office := map[string]governance.ManagedMode{}
			for _, m := range e.Office.AddinList {
				office[m.ID] = m.Mode
			}
			if tc.office == nil {
				tc.office = map[string]governance.ManagedMode{}
			}
			if !reflect.DeepEqual(office, tc.office) {
				t.Errorf("Office AddinList %v, want %v", office, tc.office)
			}
		})
	}
}

func TestRestrictToListNeedsNoList(t *testing.T) {
	// restricttolist is read on its own, as Office's rule for COM add-ins: with no list
	// it blocks every COM add-in (the daemon applies it); our BlockUnmanaged is untouched.
	s := NewMemoryStore()
	s.Set(HKCU, msRes16, "restricttolist", DWord(1))
	s.Set(HKCU, msRes16, "restricttolist_typo", DWord(1))
	e := Evaluate(s)
	if !e.Office.RestrictToList || e.Policy.Thresholds.BlockUnmanaged {
		t.Errorf("restricttolist=1: Office.RestrictToList %v, BlockUnmanaged %v; want true, false", e.Office.RestrictToList, e.Policy.Thresholds.BlockUnmanaged)
	}
	if len(e.Managed) != 0 {
		t.Errorf("managed %v", e.Managed)
	}
}

func TestUnitsNameTheMemoryKind(t *testing.T) {
	tests := []struct{ goos, want string }{{"windows", MemoryPrivateCommit}, {"linux", MemoryResident}, {"darwin", MemoryResident}}
	for _, tc := range tests {
		t.Run(tc.goos, func(t *testing.T) {
			if got := memoryKind(tc.goos); got != tc.want {
				t.Errorf("memoryKind(%s) = %q, want %q", tc.goos, got, tc.want)
			}
			def, _ := Lookup(MemoryThresholdMB)
			if got := def.unitFor(tc.want); got != "MB ("+tc.want+")" {
				t.Errorf("unit %q", got)
			}
		})
	}
}

func TestJSONTypes(t *testing.T) {
	s := NewMemoryStore()
	s.Set(HKLM, KeyAddinGov, BlockUserInstalls, DWord(1))
	b, err := Evaluate(s).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Settings []map[string]json.RawMessage `json:"settings"`
		Managed  []any                        `json:"managed_addins"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	wantValues := map[string]string{
		AlertIntervalSeconds: "5", BlockUserInstalls: "true", MaxMailPermission: `"ReadWriteMailbox"`,
		BlockedSharePointRights: "[]", ManagedAddins: "[]",
	}
	for _, s := range raw.Settings {
		var name string
		_ = json.Unmarshal(s["name"], &name)
		for _, k := range []string{"name", "value", "unit", "origin", "error", "status", "scope"} {
			if _, ok := s[k]; !ok {
				t.Errorf("%s lacks key %s", name, k)
			}
		}
		if len(s) > 8 {
			t.Errorf("%s has keys %v, want name, value, unit, origin, error, status, scope and maybe superseded", name, s)
		}
		if w, ok := wantValues[name]; ok && string(s["value"]) != w {
			t.Errorf("%s value %s, want %s", name, s["value"], w)
		}
	}
	if raw.Managed == nil {
		t.Error(`managed_addins must be [] (not null) when empty`)
	}
}

func TestWriteText(t *testing.T) {
	s, err := LoadRegFile("testdata/alert-below-range.reg")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Evaluate(s).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"AlertIntervalSeconds", "5 s", "error:", "1 is out of range 5–600 s", "CPUCorePercent", "80 %", "demo-cpu", "always-enabled", "Memory limits are compared with"} {
		if !strings.Contains(out, want) {
			t.Errorf("text view lacks %q:\n%s", want, out)
		}
	}
}

func FuzzEvaluate(f *testing.F) {
	f.Add("SOFTWARE\\Policies\\AddinGov", "AlertIntervalSeconds", uint8(4), []byte{1, 0, 0, 0}, true)
	f.Add(msWEF16, "alertinterval", uint8(1), []byte("1\x00"), false)
	f.Add(msList16, "demo", uint8(1), []byte("7\x00"), false)
	f.Add(KeyAddinGov+`\BlockedSharePointRights`, "1", uint8(1), []byte("h\x00:\x00"), true)
	f.Add(KeyAddinGov, "MaxMailPermission", uint8(1), []byte("R\x00"), true)
	f.Fuzz(func(t *testing.T, key, name string, typ uint8, data []byte, machine bool) {
		s := NewMemoryStore()
		hive := HKCU
		if machine {
			hive = HKLM
		}
		s.Set(hive, key, name, Value{Type: ValueType(typ), Data: data})
		// Also put the same raw value at every location of every setting, so each
		// parser sees it.
		for _, def := range settings {
			for _, l := range def.Locations {
				n := l.ValueName
				if n == "" {
					n = name
				}
				s.Set(l.Hive, l.Key, n, Value{Type: ValueType(typ), Data: data})
			}
		}
		e := Evaluate(s)
		if p := e.validate(); len(p) > 0 {
			t.Fatalf("invalid policy: %v", p)
		}
		if _, err := e.JSON(); err != nil {
			t.Fatal(err)
		}
	})
}

// The Office ADMX enables its list with a policyon marker; it is recorded (and its
// change reported) but names no add-in.
func TestManagedListEnabledByItsMarkerAlone(t *testing.T) {
	tests := []struct {
		name   string
		marker *Value
		wantOn bool
	}{
		{"marker 1", ptr(DWord(1)), true},
		{"marker 0", ptr(DWord(0)), false},
		{"no marker", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewMemoryStore()
			s.Set(HKCU, `Software\Policies\Microsoft\Office\16.0\Outlook\Resiliency`, "restricttolist", DWord(1))
			s.CreateKey(HKCU, msList16)
			if tt.marker != nil {
				s.Set(HKCU, msList16, "policyon", *tt.marker)
			}
			e := Evaluate(s)
			if e.Office.ListOn != tt.wantOn || e.Policy.ListEnabled() || len(e.Office.AddinList) != 0 {
				t.Fatalf("Office.ListOn = %v, our ListEnabled = %v, %d listed; want %v, false and none",
					e.Office.ListOn, e.Policy.ListEnabled(), len(e.Office.AddinList), tt.wantOn)
			}
			if tt.wantOn {
				changes := e.Diff(Evaluate(NewMemoryStore()))
				found := false
				for _, c := range changes {
					found = found || strings.Contains(c.Name, "policyon")
				}
				if !found {
					t.Errorf("Diff %v does not report the list being enabled", changes)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
