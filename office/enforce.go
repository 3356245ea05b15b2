package office

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SwitchStore keeps, durably, the LoadBehavior addingov replaced for an add-in, so
// that enabling it restores the exact previous value, also after a restart. storage.DB
// implements it.
type SwitchStore interface {
	PutSwitch(addinID string, data []byte) error
	Switch(addinID string) (data []byte, ok bool, err error)
	DeleteSwitch(addinID string) error
}

// Saved is what a disable replaced: the user's LoadBehavior value as it was (or its
// absence, and whether the user's key existed at all).
type Saved struct {
	Key        string       `json:"key"`
	KeyExisted bool         `json:"key_existed"`
	HadValue   bool         `json:"had_value"`
	Value      LoadBehavior `json:"value,omitempty"`
	Wrote      LoadBehavior `json:"wrote"`
	Time       time.Time    `json:"time"`
}

// Outcome is what Disable or Enable did.
type Outcome struct {
	Changed bool   `json:"changed"`
	Key     string `json:"key,omitempty"`
	// From and To are the user's value before and after; From is nil when there was
	// none (the machine's value applied), To nil when the value was removed again.
	From *LoadBehavior `json:"from,omitempty"`
	To   *LoadBehavior `json:"to,omitempty"`
	// Detail says in words what happened, for the log.
	Detail string `json:"detail"`
}

// ErrDoNotDisable is returned by Disable for an add-in in Office's
// DoNotDisableAddinList: Office itself keeps it enabled, and so does addingov.
var ErrDoNotDisable = errors.New("the add-in is in Office's DoNotDisableAddinList (the user chose to always enable it); it is not turned off")

// Enforcer turns Office add-ins off and on through Office's own switch: the user's
// HKCU LoadBehavior, which per Microsoft's "Registry entries for VSTO Add-ins"
// overrides the machine's value for that user.
type Enforcer struct {
	Reg   Registry
	Store SwitchStore
	Now   func() time.Time
}

// Disable writes the user's LoadBehavior to the "not loaded" value of the value Office
// applies now (3→2, 9→8, 16→8), after saving the value it replaces. An add-in already
// not loaded is left as it is. Web add-ins have no such switch: an error says so.
func (e Enforcer) Disable(a Addin) (Outcome, error) {
	if a.Kind == KindWeb {
		return Outcome{}, fmt.Errorf("web add-in %s has no Office switch addingov can turn: it stays registered; remove it from WEF\\Developer to stop Office loading it", a.ID)
	}
	u := UserHive{SID: a.User}
	if codes := (Reader{Reg: e.Reg}).doNotDisable(u, a.App); codes[lower(a.ProgID)] != 0 {
		return Outcome{Detail: ErrDoNotDisable.Error()}, ErrDoNotDisable
	}
	key := UserAddinKey(u, a.App) + `\` + a.ProgID
	if _, saved, err := e.Store.Switch(a.ID); err != nil {
		return Outcome{}, fmt.Errorf("read the saved LoadBehavior of %s: %w", a.ID, err)
	} else if saved {
		return Outcome{Key: key, Detail: "already turned off by addingov; the saved LoadBehavior is kept"}, nil
	}
	existed, err := e.Reg.KeyExists(key)
	if err != nil {
		return Outcome{}, fmt.Errorf("read %s: %w", key, err)
	}
	s := Saved{Key: key, KeyExisted: existed, Time: e.now()}
	v, ok, err := e.Reg.Value(key, valueLoadBehav)
	if err != nil {
		return Outcome{}, fmt.Errorf(`read %s\LoadBehavior: %w`, key, err)
	}
	if ok && v.Type == TypeDWORD {
		s.HadValue, s.Value = true, LoadBehavior(v.Number)
	} else if ok {
		return Outcome{}, fmt.Errorf(`%s\LoadBehavior is %s, not a REG_DWORD: fix or delete it, then disable the add-in again`, key, v.Type)
	}
	cur := s.Value
	if !s.HadValue {
		if a.LoadBehavior == nil {
			return Outcome{Key: key, Detail: "no LoadBehavior is registered: Office does not load the add-in"}, nil
		}
		cur = *a.LoadBehavior
	}
	off, changes := cur.Off()
	if !changes {
		return Outcome{Key: key, Detail: fmt.Sprintf("LoadBehavior %d (%s) already keeps Office from loading it", cur, cur.Meaning())}, nil
	}
	s.Wrote = off
	data, _ := json.Marshal(s)
	if err := e.Store.PutSwitch(a.ID, data); err != nil {
		return Outcome{}, fmt.Errorf("save the LoadBehavior of %s before changing it: %w", a.ID, err)
	}
	if err := e.Reg.SetDWORD(key, valueLoadBehav, uint32(off)); err != nil {
		if derr := e.Store.DeleteSwitch(a.ID); derr != nil {
			err = errors.Join(err, derr)
		}
		return Outcome{}, fmt.Errorf(`write %s\LoadBehavior: %w`, key, err)
	}
	out := Outcome{Changed: true, Key: key, To: &off,
		Detail: fmt.Sprintf(`%s\LoadBehavior %d → %d (%s)`, key, cur, off, off.Meaning())}
	if s.HadValue {
		out.From = &s.Value
	} else {
		out.Detail += "; the user had no value of their own, the machine's applied"
	}
	return out, nil
}

// Enable restores the LoadBehavior a Disable saved for addinID: the previous value, or
// its absence (and the user's key, when Disable created it). With nothing saved it
// changes nothing.
func (e Enforcer) Enable(addinID string) (Outcome, error) {
	data, ok, err := e.Store.Switch(addinID)
	if err != nil {
		return Outcome{}, fmt.Errorf("read the saved LoadBehavior of %s: %w", addinID, err)
	}
	if !ok {
		return Outcome{Detail: "addingov had not changed its LoadBehavior"}, nil
	}
	var s Saved
	if err := json.Unmarshal(data, &s); err != nil || s.Key == "" {
		return Outcome{}, fmt.Errorf("the saved LoadBehavior of %s is damaged (%v): set LoadBehavior by hand with reg add, then run addingov enable again", addinID, err)
	}
	out := Outcome{Changed: true, Key: s.Key, From: &s.Wrote}
	if s.HadValue {
		if err := e.Reg.SetDWORD(s.Key, valueLoadBehav, uint32(s.Value)); err != nil {
			return Outcome{}, fmt.Errorf(`restore %s\LoadBehavior to %d: %w`, s.Key, s.Value, err)
		}
		out.To = &s.Value
		out.Detail = fmt.Sprintf(`%s\LoadBehavior restored to %d (%s)`, s.Key, s.Value, s.Value.Meaning())
	} else {
		if err := e.Reg.DeleteValue(s.Key, valueLoadBehav); err != nil {
			return Outcome{}, fmt.Errorf(`remove %s\LoadBehavior: %w`, s.Key, err)
		}
		if !s.KeyExisted {
			if err := e.Reg.DeleteKeyIfEmpty(s.Key); err != nil {
				return Outcome{}, fmt.Errorf("remove %s: %w", s.Key, err)
			}
		}
		out.Detail = fmt.Sprintf(`%s\LoadBehavior removed again: the machine's value applies`, s.Key)
	}
	if err := e.Store.DeleteSwitch(addinID); err != nil {
		return out, fmt.Errorf("LoadBehavior restored, but the saved value could not be forgotten: %w", err)
	}
	return out, nil
}

func (e Enforcer) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}
