package registrypolicy

import (
	"fmt"
	"strings"
)

// Change is one difference between two effective policies, for the policy-changed log
// entry.
type Change struct {
	// Name is the setting's canonical name, or ManagedAddins[id] / OfficeAddinList[ProgID]
	// for a managed add-in.
	Name string
	Old  string // the old value as people read it; "(none)" for a managed add-in that was not listed
	New  string
}

func (c Change) String() string { return fmt.Sprintf("%s: %s → %s", c.Name, c.Old, c.New) }

// Diff lists what changed from old to e: settings in table order, then managed add-ins
// by id. Only values count: a value that moved to another source unchanged is no
// change. A nil old is the built-in defaults.
func (e *Effective) Diff(old *Effective) []Change {
	if old == nil {
		old = Evaluate(NewMemoryStore())
	}
	var changes []Change
	for _, s := range e.Settings {
		if s.Name == ManagedAddins || s.Name == OfficeAddinList {
			continue // reported per add-in below
		}
		o, ok := old.Setting(s.Name)
		before, after := "(none)", formatValue(s.Value, s.Unit)
		if ok {
			before = formatValue(o.Value, o.Unit)
		}
		if before != after {
			changes = append(changes, Change{Name: s.Name, Old: before, New: after})
		}
	}
	if old.Policy.ManagedListOn != e.Policy.ManagedListOn {
		changes = append(changes, Change{Name: ManagedAddins + " list enabled (policyon)",
			Old: formatValue(old.Policy.ManagedListOn, ""), New: formatValue(e.Policy.ManagedListOn, "")})
	}
	changes = append(changes, listChanges(ManagedAddins, old.Managed, e.Managed)...)
	if old.Office.ListOn != e.Office.ListOn {
		changes = append(changes, Change{Name: OfficeAddinList + " list enabled (policyon)",
			Old: formatValue(old.Office.ListOn, ""), New: formatValue(e.Office.ListOn, "")})
	}
	changes = append(changes, listChanges(OfficeAddinList, old.Office.AddinList, e.Office.AddinList)...)
	return changes
}

// listChanges lists the entries of a managed list (ours by id, Office's by ProgID)
// whose mode changed, as name[entry].
func listChanges(name string, old, cur []ManagedAddin) []Change {
	oldModes := map[string]string{}
	for _, m := range old {
		oldModes[strings.ToLower(m.ID)] = m.Mode.String()
	}
	newModes := map[string]string{}
	var ids []string
	for _, m := range cur {
		newModes[strings.ToLower(m.ID)] = m.Mode.String()
		ids = append(ids, m.ID)
	}
	for _, m := range old {
		if _, ok := newModes[strings.ToLower(m.ID)]; !ok {
			ids = append(ids, m.ID)
		}
	}
	sortNames(ids)
	var changes []Change
	for _, id := range ids {
		before, ok := oldModes[strings.ToLower(id)]
		if !ok {
			before = "(none)"
		}
		after, ok := newModes[strings.ToLower(id)]
		if !ok {
			after = "(none)"
		}
		if before != after {
			changes = append(changes, Change{Name: name + "[" + id + "]", Old: before, New: after})
		}
	}
	return changes
}
