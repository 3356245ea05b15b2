package registrypolicy

import (
	"strings"
	"testing"
)

func TestMarkdownTable(t *testing.T) {
	md := MarkdownTable()
	lines := strings.Split(md, "\n")
	rows := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "| `") {
			rows++
		}
	}
	if rows != len(Settings()) {
		t.Errorf("%d rows, want %d", rows, len(Settings()))
	}
	for _, want := range []string{
		"| `AlertIntervalSeconds` | REG_DWORD | 5–600 s | 5 |",
		"`HKCU\\Software\\Policies\\Microsoft\\Office\\16.0\\WEF\\Outlook\\alertinterval`",
		"| `MemoryThresholdMB` | REG_DWORD | 1–1500 MB | not set |",
		"| `MaxMailPermission` | REG_SZ | Restricted, ReadItem, ReadWriteItem, ReadWriteMailbox | ReadWriteMailbox |",
		"`HKCU\\Software\\Policies\\Microsoft\\Office\\16.0\\Outlook\\Resiliency\\AddinList`",
		"decimal number",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
}

func TestTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Settings() {
		t.Run(s.Name, func(t *testing.T) {
			if seen[s.Name] {
				t.Fatal("defined twice")
			}
			seen[s.Name] = true
			if s.Title == "" || s.Summary == "" || s.Explain == "" || s.Category == "" {
				t.Error("missing title, summary, explain or category")
			}
			if !s.Ours() {
				// Microsoft's own policy read with Office's meaning: user policy only.
				if s.Scope != ScopeUser || s.Locations[0].Authority != AuthorityMicrosoftPolicy {
					t.Errorf("a Microsoft-only setting must be user policy from Microsoft's keys: %+v", s)
				}
				return
			}
			if len(s.Locations) < 2 || s.Locations[0].Hive != HKLM || s.Locations[1].Hive != HKCU ||
				s.Locations[0].Authority != AuthorityAddinGov || s.Locations[1].Authority != AuthorityAddinGov {
				t.Errorf("must start with our HKLM then HKCU keys: %+v", s.Locations)
			}
			for i := 1; i < len(s.Locations); i++ {
				if s.Locations[i].Authority < s.Locations[i-1].Authority {
					t.Errorf("location %d breaks precedence order", i)
				}
			}
			for _, l := range s.Locations {
				if l.Authority == AuthorityAddinGov && !strings.EqualFold(l.ValueName+strings.TrimPrefix(l.Key, KeyAddinGov+`\`), s.Name+strings.TrimPrefix(l.Key, KeyAddinGov+`\`)) && l.ValueName != "" {
					t.Errorf("our value name %q differs from the canonical name", l.ValueName)
				}
				if (s.Kind == KindList) != (l.ValueName == "") {
					t.Errorf("list settings (and only they) have no value name: %+v", l)
				}
			}
			switch s.Kind {
			case KindNumber:
				d, ok := s.Default.(int64)
				if !ok || s.Min > s.Max || (d < s.Min || d > s.Max) && s.Name != MemoryThresholdMB {
					t.Errorf("default %v outside %d–%d", s.Default, s.Min, s.Max)
				}
			case KindBool:
				if _, ok := s.Default.(bool); !ok {
					t.Errorf("default %T", s.Default)
				}
			case KindEnum:
				if !strings.Contains(","+strings.Join(s.Choices, ",")+",", ","+s.Default.(string)+",") {
					t.Errorf("default %v not a choice", s.Default)
				}
			}
			if l, ok := Lookup(strings.ToLower(s.Name)); !ok || l.Name != s.Name {
				t.Error("Lookup is not case-insensitive")
			}
		})
	}
}
