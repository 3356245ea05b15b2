package registrypolicy

import (
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows"

	"addingov/governance"
)

// These tests write real policy keys with the reg tool (Wine's reg.exe under Wine) and
// read them back through RegistryStore, so the reads are checked against values our
// code did not write.

// policyKeys are every key these tests touch; each test starts and ends without them.
var policyKeys = []string{
	`HKLM\SOFTWARE\Policies\AddinGov`,
	`HKCU\SOFTWARE\Policies\AddinGov`,
	`HKCU\Software\Policies\Microsoft\Office\16.0\WEF`,
	`HKCU\Software\Policies\Microsoft\Office\15.0\WEF`,
	`HKCU\Software\Policies\Microsoft\Office\16.0\Outlook\Resiliency`,
	`HKCU\Software\Policies\Microsoft\Office\15.0\Outlook\Resiliency`,
	`HKCU\Software\Microsoft\Office\16.0\WEF`,
	`HKCU\Software\AddinGovTest`,
}

func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// disposableRegistry clears the policy keys before and after the test. On a real
// Windows machine it would overwrite that machine's Group Policy values, so there it
// runs only when ADDINGOV_REGISTRY_TESTS=1 says the machine is disposable.
func disposableRegistry(t *testing.T) {
	t.Helper()
	if !underWine() && os.Getenv("ADDINGOV_REGISTRY_TESTS") != "1" {
		t.Skip("would overwrite this machine's Group Policy keys: set ADDINGOV_REGISTRY_TESTS=1 on a disposable machine (CI runs these under Wine)")
	}
	clearKeys(t)
	t.Cleanup(func() { clearKeys(t) })
}

func clearKeys(t *testing.T) {
	t.Helper()
	for _, k := range policyKeys {
		// A missing key makes reg fail; that is the state we want.
		_ = exec.Command("reg", "delete", k, "/f").Run()
	}
}

// reg runs the reg tool and fails the test when it fails.
func reg(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("reg", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("reg %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func regAdd(t *testing.T, key, name, typ, data string) {
	t.Helper()
	reg(t, "add", key, "/v", name, "/t", typ, "/d", data, "/f")
}

func TestRegistryStoreReadsWhatRegWrote(t *testing.T) {
	disposableRegistry(t)
	const key = `HKCU\Software\AddinGovTest`
	tests := []struct {
		name, typ, data string
		want            Value
	}{
		{"dword", "REG_DWORD", "10", DWord(10)},
		{"dword hex", "REG_DWORD", "0x2a", DWord(42)},
		{"string", "REG_SZ", "hello", String("hello")},
		{"expand", "REG_EXPAND_SZ", "%TEMP%", ExpandString("%TEMP%")},
		{"multi", "REG_MULTI_SZ", `a\0bc`, MultiString([]string{"a", "bc"})},
		{"qword", "REG_QWORD", "10000000000", QWord(10000000000)},
		{"binary", "REG_BINARY", "01ff", Binary([]byte{1, 0xff})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			regAdd(t, key, tc.name, tc.typ, tc.data)
			got, ok, err := NewRegistryStore().ReadValue(HKCU, `software\addingovtest`, strings.ToUpper(tc.name))
			if err != nil || !ok {
				t.Fatalf("read: ok=%v err=%v", ok, err)
			}
			if got.Type != tc.want.Type || got.Display() != tc.want.Display() {
				t.Errorf("got %s %s, want %s %s", got.Type, got.Display(), tc.want.Type, tc.want.Display())
			}
		})
	}
	t.Run("list", func(t *testing.T) {
		names, err := NewRegistryStore().ListValues(HKCU, `Software\AddinGovTest`)
		want := []string{"binary", "dword", "dword hex", "expand", "multi", "qword", "string"}
		if err != nil || !reflect.DeepEqual(names, want) {
			t.Errorf("names %v (%v), want %v", names, err, want)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if _, ok, err := NewRegistryStore().ReadValue(HKCU, `Software\AddinGovTest`, "nope"); ok || err != nil {
			t.Errorf("missing value: ok=%v err=%v", ok, err)
		}
		if _, ok, err := NewRegistryStore().ReadValue(HKLM, `SOFTWARE\NoSuchKey\Below`, "x"); ok || err != nil {
			t.Errorf("missing key: ok=%v err=%v", ok, err)
		}
		if names, err := NewRegistryStore().ListValues(HKLM, `SOFTWARE\NoSuchKey`); names != nil || err != nil {
			t.Errorf("missing key lists %v %v", names, err)
		}
	})
	t.Run("origin", func(t *testing.T) {
		if o := NewRegistryStore().Origin(HKCU, `Software\AddinGovTest`, "dword"); o != `HKEY_CURRENT_USER\Software\AddinGovTest\dword` {
			t.Errorf("origin %q", o)
		}
	})
}

func TestRegistryPrecedenceAndValidation(t *testing.T) {
	disposableRegistry(t)
	const (
		ourM  = `HKLM\SOFTWARE\Policies\AddinGov`
		ourU  = `HKCU\SOFTWARE\Policies\AddinGov`
		ms16  = `HKCU\Software\Policies\Microsoft\Office\16.0\WEF\Outlook`
		ms15  = `HKCU\Software\Policies\Microsoft\Office\15.0\WEF\Outlook`
		pref  = `HKCU\Software\Microsoft\Office\16.0\WEF\Outlook`
		name  = "activationalertthreshold"
		canon = ActivationThresholdMs
	)
	type step struct{ op, key, name, typ, data string } // op "add" or "delete"
	add := func(key, name, typ, data string) step { return step{"add", key, name, typ, data} }
	del := func(key, name string) step { return step{op: "delete", key: key, name: name} }
	tests := []struct {
		name   string
		steps  []step
		want   int64
		origin string
		err    string
	}{
		{"default", nil, 1000, "default", ""},
		{"preference", []step{add(pref, name, "REG_DWORD", "200")}, 200, `HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\WEF\Outlook\` + name, ""},
		{"15.0 over preference", []step{add(pref, name, "REG_DWORD", "200"), add(ms15, name, "REG_DWORD", "300")}, 300, `15.0\WEF\Outlook\` + name, ""},
		{"16.0 over 15.0", []step{add(ms15, name, "REG_DWORD", "300"), add(ms16, name, "REG_DWORD", "400")}, 400, `16.0\WEF\Outlook\` + name, ""},
		{"user key over Microsoft", []step{add(ms16, name, "REG_DWORD", "400"), add(ourU, canon, "REG_DWORD", "500")}, 500, `HKEY_CURRENT_USER\SOFTWARE\Policies\AddinGov\` + canon, ""},
		{"machine key over user key", []step{add(ourU, canon, "REG_DWORD", "500"), add(ourM, canon, "REG_DWORD", "600")}, 600, `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\` + canon, ""},
		{"Microsoft decimal REG_SZ", []step{add(ms16, name, "REG_SZ", "2500")}, 2500, `16.0\WEF\Outlook\` + name, ""},
		{"wrong type on our key", []step{add(ourM, canon, "REG_SZ", "600"), add(ms16, name, "REG_DWORD", "400")}, 400, `16.0\WEF\Outlook\` + name, "wrong type REG_SZ"},
		{"wrong type binary", []step{add(ms16, name, "REG_BINARY", "0a00"), add(ms15, name, "REG_DWORD", "300")}, 300, `15.0\WEF\Outlook\` + name, "wrong type REG_BINARY"},
		{"below range", []step{add(ourM, canon, "REG_DWORD", "99")}, 1000, "default", "99 is out of range 100–10000 ms"},
		{"above range falls through", []step{add(ourU, canon, "REG_DWORD", "20000"), add(ms16, name, "REG_DWORD", "400")}, 400, `16.0\WEF\Outlook\` + name, "20000 is out of range"},
		{"deleted value falls back", []step{add(ourM, canon, "REG_DWORD", "600"), add(ms16, name, "REG_DWORD", "400"), del(ourM, canon)}, 400, `16.0\WEF\Outlook\` + name, ""},
		{"deleted key falls back", []step{add(ourU, canon, "REG_DWORD", "500"), add(pref, name, "REG_DWORD", "200"), del(ourU, "")}, 200, `Software\Microsoft\Office\16.0\WEF\Outlook\` + name, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearKeys(t)
			for _, s := range tc.steps {
				switch {
				case s.op == "add":
					regAdd(t, s.key, s.name, s.typ, s.data)
				case s.name == "":
					reg(t, "delete", s.key, "/f")
				default:
					reg(t, "delete", s.key, "/v", s.name, "/f")
				}
			}
			e := Evaluate(NewRegistryStore())
			checkActivationThreshold(t, e, tc.want, tc.origin, tc.err)
		})
	}
}

func TestRegistryManagedLists(t *testing.T) {
	disposableRegistry(t)
	const ms = `HKCU\Software\Policies\Microsoft\Office\16.0\Outlook\Resiliency`
	regAdd(t, ms+`\AddinList`, "policyon", "REG_DWORD", "1")
	regAdd(t, ms+`\AddinList`, "demo-cpu", "REG_SZ", "1")
	regAdd(t, ms+`\AddinList`, "shared", "REG_SZ", "1")
	regAdd(t, ms+`\AddinList`, "bad", "REG_SZ", "7")
	regAdd(t, `HKLM\SOFTWARE\Policies\AddinGov\ManagedAddins`, "shared", "REG_DWORD", "0")
	regAdd(t, ms, "restricttolist", "REG_DWORD", "1")
	e := Evaluate(NewRegistryStore())
	// Outlook's list names COM ProgIDs: it reaches Office's lists, never our managed
	// list of add-in ids.
	want := map[string]governance.ManagedMode{"shared": governance.ManagedBlocked}
	if !reflect.DeepEqual(e.Policy.Managed, want) {
		t.Errorf("managed %v, want %v", e.Policy.Managed, want)
	}
	if m, ok := e.Office.Mode("DEMO-CPU"); !ok || m != governance.ManagedAlwaysEnabled || len(e.Office.AddinList) != 2 || !e.Office.ListOn {
		t.Errorf("Office lists %+v", e.Office)
	}
	if !e.Office.RestrictToList || e.Policy.Thresholds.BlockUnmanaged {
		t.Error("restricttolist=1 not applied as Office's rule")
	}
	sv, _ := e.Setting(OfficeAddinList)
	if !strings.Contains(sv.Error, `AddinList\bad: 7 is out of range`) {
		t.Errorf("error %q", sv.Error)
	}
}

// TestRegImportMatchesParser imports a .reg fixture with the reg tool and checks that
// the registry then yields the same policy as our parser reads from the file.
func TestRegImportMatchesParser(t *testing.T) {
	disposableRegistry(t)
	for _, file := range []string{"testdata/done-when.reg", "testdata/alert-below-range.reg"} {
		t.Run(file, func(t *testing.T) {
			clearKeys(t)
			reg(t, "import", file)
			fromFile, err := LoadRegFile(file)
			if err != nil {
				t.Fatal(err)
			}
			a, b := Evaluate(NewRegistryStore()), Evaluate(fromFile)
			if !reflect.DeepEqual(a.Policy, b.Policy) || !reflect.DeepEqual(a.Caps, b.Caps) {
				t.Errorf("registry policy %+v\nfile policy %+v", a.Policy, b.Policy)
			}
			if d := a.Diff(b); len(d) != 0 {
				t.Errorf("differences: %v", d)
			}
		})
	}
}

func TestRegistryLiveReload(t *testing.T) {
	disposableRegistry(t)
	const ms16 = `HKCU\Software\Policies\Microsoft\Office\16.0\WEF\Outlook`
	// Polling off: only RegNotifyChangeKeyValue can deliver the changes.
	p, err := NewRegistryProvider(zerolog.Nop(), WithPollInterval(-1), WithDebounce(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// The provider reads HKCU's values from this user's hive under HKEY_USERS, so they
	// are this user's changes (the machine view reports HKLM's separately).
	changes := startUserWatch(t, p, currentUserSID(t))
	tests := []struct {
		name  string
		apply func(t *testing.T)
		want  []Change
	}{
		{"Microsoft value added (key created)", func(t *testing.T) { regAdd(t, ms16, "alertinterval", "REG_DWORD", "20") },
			[]Change{{AlertIntervalSeconds, "5 s", "20 s"}}},
		{"our machine key created", func(t *testing.T) {
			regAdd(t, `HKLM\SOFTWARE\Policies\AddinGov`, AlertIntervalSeconds, "REG_DWORD", "30")
		}, []Change{{AlertIntervalSeconds, "20 s", "30 s"}}},
		{"out of range value ignored", func(t *testing.T) {
			regAdd(t, `HKLM\SOFTWARE\Policies\AddinGov`, AlertIntervalSeconds, "REG_DWORD", "1")
		}, []Change{{AlertIntervalSeconds, "30 s", "20 s"}}},
		{"managed add-in listed", func(t *testing.T) {
			regAdd(t, `HKCU\SOFTWARE\Policies\AddinGov\ManagedAddins`, "demo-cpu", "REG_DWORD", "0")
		}, []Change{{"ManagedAddins[demo-cpu]", "(none)", "blocked"}}},
		{"value deleted", func(t *testing.T) { reg(t, "delete", ms16, "/v", "alertinterval", "/f") },
			[]Change{{AlertIntervalSeconds, "20 s", "5 s"}}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []Change
			// The first watch is armed asynchronously: repeat the first write until it is
			// seen (a repeated write is reported as a change of the same value).
			for attempt := 0; got == nil && attempt < 40; attempt++ {
				if attempt == 0 || i == 0 {
					tc.apply(t)
				}
				select {
				case got = <-changes:
				case <-time.After(500 * time.Millisecond):
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("changes %v, want %v", got, tc.want)
			}
		})
	}
}
