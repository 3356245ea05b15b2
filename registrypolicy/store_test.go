package registrypolicy

import (
	"reflect"
	"testing"
)

func TestMemoryStore(t *testing.T) {
	s := NewMemoryStore()
	s.Set(HKLM, `SOFTWARE\Policies\AddinGov`, "CPUCorePercent", DWord(80))
	s.Set(HKLM, `SOFTWARE\Policies\AddinGov\ManagedAddins`, "b", DWord(1))
	s.Set(HKLM, `SOFTWARE\Policies\AddinGov\ManagedAddins`, "A", DWord(2))
	s.SetWithOrigin(HKCU, `Software\X`, "v", String("s"), "file.reg:3 somewhere")

	t.Run("case-insensitive keys and names", func(t *testing.T) {
		v, ok, err := s.ReadValue(HKLM, `\software\POLICIES\\addingov\`, "cpucorepercent")
		if n, _ := v.Integer(); !ok || err != nil || n != 80 {
			t.Errorf("got %d %v %v", n, ok, err)
		}
	})
	t.Run("hives are separate", func(t *testing.T) {
		if _, ok, _ := s.ReadValue(HKCU, `SOFTWARE\Policies\AddinGov`, "CPUCorePercent"); ok {
			t.Error("HKCU sees an HKLM value")
		}
	})
	t.Run("list sorted", func(t *testing.T) {
		names, err := s.ListValues(HKLM, `software\policies\addingov\managedaddins`)
		if err != nil || !reflect.DeepEqual(names, []string{"A", "b"}) {
			t.Errorf("names %v %v", names, err)
		}
		if names, err := s.ListValues(HKLM, `nowhere`); names != nil || err != nil {
			t.Errorf("missing key lists %v %v", names, err)
		}
	})
	t.Run("origins", func(t *testing.T) {
		if o := s.Origin(HKCU, `software\x`, "V"); o != "file.reg:3 somewhere" {
			t.Errorf("recorded origin %q", o)
		}
		if o := s.Origin(HKLM, `SOFTWARE\Policies\AddinGov`, "CPUCorePercent"); o != `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\CPUCorePercent` {
			t.Errorf("plain origin %q", o)
		}
		if o := s.Origin(HKCU, `Software\X`, ""); o != `HKEY_CURRENT_USER\Software\X\(Default)` {
			t.Errorf("default value origin %q", o)
		}
	})
	t.Run("stored data is copied", func(t *testing.T) {
		v, _, _ := s.ReadValue(HKLM, `SOFTWARE\Policies\AddinGov`, "CPUCorePercent")
		v.Data[0] = 99
		v2, _, _ := s.ReadValue(HKLM, `SOFTWARE\Policies\AddinGov`, "CPUCorePercent")
		if n, _ := v2.Integer(); n != 80 {
			t.Errorf("caller's edit reached the store: %d", n)
		}
	})
	t.Run("delete key removes subkeys only below it", func(t *testing.T) {
		s.Set(HKLM, `SOFTWARE\Policies\AddinGovOther`, "x", DWord(1))
		s.DeleteKey(HKLM, `software\policies\addingov`)
		if _, ok, _ := s.ReadValue(HKLM, `SOFTWARE\Policies\AddinGov\ManagedAddins`, "A"); ok {
			t.Error("subkey survived")
		}
		if _, ok, _ := s.ReadValue(HKLM, `SOFTWARE\Policies\AddinGovOther`, "x"); !ok {
			t.Error("sibling with a common prefix was deleted")
		}
	})
}

func TestParseHive(t *testing.T) {
	tests := []struct {
		in   string
		want Hive
		ok   bool
	}{
		{"HKEY_LOCAL_MACHINE", HKLM, true}, {"hkcu", HKCU, true}, {"HKEY_USERS", HKU, true},
		{"HKEY_CLASSES_ROOT", HKCR, true}, {"HKCC", HKCC, true}, {"HKEY_NOPE", "", false}, {"", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseHive(tc.in)
			if got != tc.want || (err == nil) != tc.ok {
				t.Errorf("ParseHive(%q) = %q, %v", tc.in, got, err)
			}
		})
	}
}

func TestValueAccessorsRejectOtherTypes(t *testing.T) {
	tests := []struct {
		name string
		fn   func() error
	}{
		{"Integer of string", func() error { _, err := String("1").Integer(); return err }},
		{"Integer of short dword", func() error { _, err := Value{Type: TypeDWord, Data: []byte{1}}.Integer(); return err }},
		{"Text of dword", func() error { _, err := DWord(1).Text(); return err }},
		{"Strings of string", func() error { _, err := String("a").Strings(); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fn() == nil {
				t.Error("no error")
			}
		})
	}
}

func TestWatchedKeys(t *testing.T) {
	got := map[string]bool{}
	for _, k := range watchedKeys() {
		got[k.Hive.String()+`\`+k.Key] = true
	}
	want := []string{
		`HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov`,
		`HKEY_CURRENT_USER\SOFTWARE\Policies\AddinGov`,
		`HKEY_CURRENT_USER\` + msWEF16,
		`HKEY_CURRENT_USER\` + msWEF15,
		`HKEY_CURRENT_USER\` + msRes16,
		`HKEY_CURRENT_USER\Software\Policies\Microsoft\Office\15.0\Outlook\Resiliency`,
		`HKEY_CURRENT_USER\` + msPrefs16,
	}
	if len(got) != len(want) {
		t.Errorf("watched %v, want %v", got, want)
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("%s not watched (watched: %v)", w, got)
		}
	}
}
