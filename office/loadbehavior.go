package office

import "fmt"

// LoadBehavior is an add-in registration's LoadBehavior value: a bit field whose lowest
// bit says whether the add-in is loaded and whose other bits say when Office loads it
// (Microsoft, "Registry entries for VSTO Add-ins", LoadBehavior values).
type LoadBehavior uint32

// Meaning says what Office does with the value, in Microsoft's words.
func (b LoadBehavior) Meaning() string {
	switch b {
	case 0:
		return "unloaded; do not load automatically"
	case 1:
		return "loaded; do not load automatically"
	case 2:
		return "unloaded; load at startup"
	case 3:
		return "loaded; load at startup"
	case 8:
		return "unloaded; load on demand"
	case 9:
		return "loaded; load on demand"
	case 16:
		return "load at first startup, then on demand"
	}
	return fmt.Sprintf("undocumented value %d", uint32(b))
}

// Loads reports whether Office loads the add-in with this value: at startup, on
// demand or once at first startup.
func (b LoadBehavior) Loads() bool {
	switch b {
	case 3, 9, 16:
		return true
	}
	return false
}

// Off is the "not loaded" value that keeps the add-in's load time but stops Office
// loading it: 3→2, 9→8, 16→8, 1→0. A value that does not load already is returned
// unchanged with false.
func (b LoadBehavior) Off() (LoadBehavior, bool) {
	switch b {
	case 3:
		return 2, true
	case 9, 16:
		return 8, true
	case 1:
		return 0, true
	}
	return b, false
}

// TurnedOffByOffice reports whether a change from old to cur is the one Office makes
// after a load error: 3 to 2 or 9 to 8.
func TurnedOffByOffice(old, cur LoadBehavior) bool {
	return (old == 3 && cur == 2) || (old == 9 && cur == 8)
}
