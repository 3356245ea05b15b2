package registrypolicy

import (
	"strings"
	"testing"
)

// The support issue's policy view: typos under our keys are unknown rows, a value a
// higher source overrode is listed under the winner, each row has a status and scope.
func TestViewLikeChromePolicy(t *testing.T) {
	s := NewMemoryStore()
	s.Set(HKLM, KeyAddinGov, CPUCorePercent, DWord(80))
	s.Set(HKCU, KeyAddinGov, CPUCorePercent, DWord(95))
	s.Set(HKCU, KeyAddinGov, "CPUCorePrecent", DWord(70))
	s.Set(HKLM, KeyAddinGov, "TotallyUnrelatedName", DWord(1))
	s.Set(HKLM, KeyAddinGov, CrashLimit, DWord(99)) // out of range
	s.Set(HKLM, `SOFTWARE\Policies\AddinGovv`, CrashLimit, DWord(2))
	s.Set(HKLM, KeyAddinGov+`\ManagedAddin`, "x", DWord(1))
	s.Set(HKLM, KeyAddinGov+`\ManagedAddins`, "y", DWord(1))
	v := Evaluate(s).View()

	byName := map[string]SettingView{}
	for _, sv := range v.Settings {
		byName[sv.Name] = sv
	}
	cpu := byName[CPUCorePercent]
	if cpu.Value != int64(80) || cpu.Scope != "machine" || cpu.Status != StatusOK || len(cpu.Superseded) != 1 ||
		cpu.Superseded[0].Value != int64(95) || cpu.Superseded[0].Scope != "user" || !strings.HasPrefix(cpu.Superseded[0].Origin, "HKEY_CURRENT_USER") {
		t.Errorf("CPUCorePercent = %+v, want 80 from the machine with the user's 95 superseded", cpu)
	}
	if c := byName[CrashLimit]; c.Status != StatusError || c.Scope != "" || c.Value != int64(3) {
		t.Errorf("CrashLimit = %+v, want status error and the default", c)
	}
	if d := byName[AlertIntervalSeconds]; d.Status != StatusOK || d.Scope != "" || d.Origin != OriginDefault {
		t.Errorf("AlertIntervalSeconds = %+v, want ok from the default", d)
	}
	tests := []struct{ path, kind, hint string }{
		{`HKEY_CURRENT_USER\SOFTWARE\Policies\AddinGov\CPUCorePrecent`, "value", "did you mean CPUCorePercent?"},
		{`HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\TotallyUnrelatedName`, "value", "lists every name"},
		{`HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGovv`, "key", `addingov's policy key is SOFTWARE\Policies\AddinGov`},
		{`HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\ManagedAddin`, "key", "did you mean ManagedAddins?"},
	}
	for _, tt := range tests {
		found := false
		for _, u := range v.Unknown {
			found = found || (strings.EqualFold(u.Path, tt.path) && u.Kind == tt.kind && strings.Contains(u.Hint, tt.hint))
		}
		if !found {
			t.Errorf("no unknown %s %s with hint %q in %+v", tt.kind, tt.path, tt.hint, v.Unknown)
		}
	}
	if len(v.Unknown) != len(tests) {
		t.Errorf("%d unknown rows, want %d: %+v", len(v.Unknown), len(tests), v.Unknown)
	}
	if v.Errors != len(tests)+1 || v.LoadedAt.IsZero() {
		t.Errorf("errors = %d, loaded at %v; want %d and a time", v.Errors, v.LoadedAt, len(tests)+1)
	}
	var text strings.Builder
	if err := v.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"STATUS", "SCOPE", "superseded", "unknown", "CPUCorePrecent", "error"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text view lacks %q:\n%s", want, text.String())
		}
	}

	v.Override(AlertIntervalSeconds, int64(2), "addingovd --interval 2s")
	for _, sv := range v.Settings {
		if sv.Name == AlertIntervalSeconds && (sv.Scope != ScopeCommandLine || sv.Value != int64(2) || len(sv.Superseded) != 1 || sv.Superseded[0].Origin != OriginDefault) {
			t.Errorf("after Override: %+v", sv)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "abc", 0}, {"addingov", "addingovv", 1}, {"cpucorepercent", "cpucoreprecent", 2}, {"", "abc", 3}} {
		if got := distance(tt.a, tt.b); got != tt.d {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}
