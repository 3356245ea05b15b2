package registrypolicy

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	base := func() *MemoryStore {
		s := NewMemoryStore()
		s.Set(HKCU, msWEF16, "alertinterval", DWord(10))
		s.Set(HKCU, msList16, "a", String("1"))
		s.Set(HKCU, msList16, "b", String("0"))
		return s
	}
	tests := []struct {
		name   string
		edit   func(*MemoryStore)
		want   []Change
		strs   []string
		nilOld bool
	}{
		{"nothing", func(*MemoryStore) {}, nil, nil, false},
		{"value moved to another source unchanged", func(s *MemoryStore) {
			s.DeleteValue(HKCU, msWEF16, "alertinterval")
			s.Set(HKLM, KeyAddinGov, AlertIntervalSeconds, DWord(10))
		}, nil, nil, false},
		{"threshold and managed changes", func(s *MemoryStore) {
			s.Set(HKCU, msWEF16, "alertinterval", DWord(20))
			s.Set(HKLM, KeyAddinGov, BlockUserInstalls, DWord(1))
			s.DeleteValue(HKCU, msList16, "b")
			s.Set(HKCU, msList16, "a", String("2"))
			s.Set(HKCU, msList16, "c", String("0"))
		}, []Change{
			{AlertIntervalSeconds, "10 s", "20 s"},
			{BlockUserInstalls, "off", "on"},
			{"OfficeAddinList[a]", "always-enabled", "user-decides"},
			{"OfficeAddinList[b]", "blocked", "(none)"},
			{"OfficeAddinList[c]", "(none)", "blocked"},
		}, []string{
			"AlertIntervalSeconds: 10 s → 20 s", "BlockUserInstalls: off → on",
			"OfficeAddinList[a]: always-enabled → user-decides", "OfficeAddinList[b]: blocked → (none)", "OfficeAddinList[c]: (none) → blocked",
		}, false},
		{"invalid new value reverts to default", func(s *MemoryStore) {
			s.Set(HKCU, msWEF16, "alertinterval", DWord(1))
		}, []Change{{AlertIntervalSeconds, "10 s", "5 s"}}, nil, false},
		{"nil old is the defaults", func(*MemoryStore) {}, []Change{
			{AlertIntervalSeconds, "5 s", "10 s"},
			{"OfficeAddinList[a]", "(none)", "always-enabled"},
			{"OfficeAddinList[b]", "(none)", "blocked"},
		}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			old := Evaluate(s)
			tc.edit(s)
			cur := Evaluate(s)
			if tc.nilOld {
				old = nil
			}
			got := cur.Diff(old)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("diff %v, want %v", got, tc.want)
			}
			for i, want := range tc.strs {
				if got[i].String() != want {
					t.Errorf("change %d %q, want %q", i, got[i].String(), want)
				}
			}
		})
	}
}
