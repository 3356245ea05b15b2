package registrypolicy

import (
	"sort"
	"strings"
)

// Per-user policy.
//
// A service running as LocalSystem sees SYSTEM's own hive as HKEY_CURRENT_USER, so
// user policy (ours under SOFTWARE\Policies\AddinGov, Microsoft's Office keys) must be
// read from each user's hive under HKEY_USERS\<SID>. A Provider given a UserSource
// evaluates one effective policy per user: every HKCU location of the table is read
// from that user's hive, below machine policy, which comes first in every setting's
// precedence. The machine view (Provider.Effective, and the policy of a user whose
// hive is not loaded) reads no user hive at all.

// UserSource says whose hives hold user policy now. The Windows implementation lists
// the users with an interactive session and every loaded profile under HKEY_USERS.
type UserSource interface {
	// Users returns the keys (SIDs on Windows) of the users whose hives are loaded.
	Users() ([]string, error)
	// Loaded reports whether user's hive is still loaded: a profile can be unloaded
	// while its policy is being read, and such a read is discarded.
	Loaded(user string) bool
	// ReadLocked runs read while Group Policy is kept from applying policy for user
	// ("" for the machine) where the platform offers such a lock, so that a read of
	// several values sees one refresh's values.
	ReadLocked(user string, read func())
}

// UserKey is the comparison form of a user key: SIDs are case-insensitive.
func UserKey(user string) string { return strings.ToUpper(strings.TrimSpace(user)) }

// UserView is user's view of base: every HKCU read goes to HKEY_USERS\<user> instead,
// so origins name that user's hive. Everything else passes through. A user key that
// is empty or holds a backslash names no single hive: its view is the MachineView.
func UserView(base Store, user string) Store {
	key := UserKey(user)
	if key == "" || strings.ContainsAny(key, `\/`) {
		return MachineView(base)
	}
	return userView{base: base, sid: key}
}

// MachineView is base without any user hive: HKCU reads find nothing. It is the
// policy of a service (whose own HKCU is SYSTEM's) before any user's is applied.
func MachineView(base Store) Store { return machineView{base} }

type userView struct {
	base Store
	sid  string
}

func (u userView) redirect(h Hive, key string) (Hive, string) {
	if h != HKCU {
		return h, key
	}
	return HKU, u.sid + `\` + cleanKey(key)
}

func (u userView) ReadValue(h Hive, key, name string) (Value, bool, error) {
	h, key = u.redirect(h, key)
	return u.base.ReadValue(h, key, name)
}

func (u userView) ListValues(h Hive, key string) ([]string, error) {
	h, key = u.redirect(h, key)
	return u.base.ListValues(h, key)
}

func (u userView) Origin(h Hive, key, name string) string {
	h, key = u.redirect(h, key)
	return u.base.Origin(h, key, name)
}

type machineView struct{ base Store }

func (m machineView) ReadValue(h Hive, key, name string) (Value, bool, error) {
	if h == HKCU {
		return Value{}, false, nil
	}
	return m.base.ReadValue(h, key, name)
}

func (m machineView) ListValues(h Hive, key string) ([]string, error) {
	if h == HKCU {
		return nil, nil
	}
	return m.base.ListValues(h, key)
}

func (m machineView) Origin(h Hive, key, name string) string { return m.base.Origin(h, key, name) }

// IsUserSID reports whether a subkey name of HKEY_USERS is a user's hive: a local or
// domain account (S-1-5-21-…) or a Microsoft Entra ID account (S-1-12-1-…), not the
// well-known service accounts (S-1-5-18, -19, -20), .DEFAULT, or the per-user
// classes hive (<SID>_Classes). The name must be the SID alone: a subkey named with
// surrounding spaces is another key than the hive UserKey would name.
func IsUserSID(name string) bool {
	if name != strings.TrimSpace(name) {
		return false
	}
	u := UserKey(name)
	if strings.HasSuffix(u, "_CLASSES") {
		return false
	}
	if !strings.HasPrefix(u, "S-1-5-21-") && !strings.HasPrefix(u, "S-1-12-1-") {
		return false
	}
	parts := strings.Split(u, "-")
	for _, p := range parts[1:] {
		if p == "" || len(p) > 10 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return len(parts) >= 5
}

// userUpdate is one scope's result of a reload.
type userUpdate struct {
	old, cur *Effective
	changes  []Change
}

// evaluateUsers evaluates every loaded user's policy from s. A user whose hive was
// unloaded while it was read is left out (it then has the machine view).
func (p *Provider) evaluateUsers(s Store) map[string]*Effective {
	users, err := p.users.Users()
	if err != nil {
		p.log.Warn().Err(err).Str("event", "policy-reload-failed").
			Msg("cannot list the users whose policy to read; users keep the policy read last")
		if prev := p.perUser.Load(); prev != nil {
			return *prev
		}
		return map[string]*Effective{}
	}
	out := make(map[string]*Effective, len(users))
	for _, u := range users {
		key := UserKey(u)
		if _, done := out[key]; done || key == "" {
			continue
		}
		var e *Effective
		p.users.ReadLocked(key, func() { e = Evaluate(UserView(s, key)) })
		if !p.users.Loaded(key) {
			p.log.Info().Str("user", key).
				Msg("the user's profile was unloaded while its policy was read; the read is discarded and the machine policy applies to that user until the profile is loaded again")
			continue
		}
		e.User = key
		out[key] = e
	}
	return out
}

// userUpdates lists, for each user loaded before or now, the changes of that user's
// effective policy that the machine view's changes do not already explain.
func userUpdates(oldMachine, newMachine *Effective, oldUsers, newUsers map[string]*Effective, machineChanges []Change) []userUpdate {
	keys := map[string]bool{}
	for k := range oldUsers {
		keys[k] = true
	}
	for k := range newUsers {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	explained := map[Change]bool{}
	for _, c := range machineChanges {
		explained[c] = true
	}
	var out []userUpdate
	for _, k := range sorted {
		old, cur := oldUsers[k], newUsers[k]
		if old == nil {
			old = forUser(oldMachine, k, "")
		}
		if cur == nil {
			cur = forUser(newMachine, k, noHiveNote(k))
		}
		var changes []Change
		for _, c := range cur.Diff(old) {
			if !explained[c] {
				changes = append(changes, c)
			}
		}
		if len(changes) > 0 {
			out = append(out, userUpdate{old: old, cur: cur, changes: changes})
		}
	}
	return out
}

// forUser is the machine view presented as user's policy, with a note saying why.
func forUser(machine *Effective, user, note string) *Effective {
	e := *machine
	e.User, e.Note = user, note
	return &e
}

func noHiveNote(user string) string {
	return "no loaded profile for " + user + " (the user is not logged on, or the SID has no profile on this computer): machine policy and built-in defaults only"
}

// ListKeys passes KeyLister through, so unknown subkeys under a user's policy key are
// still reported.
func (u userView) ListKeys(h Hive, key string) ([]string, error) {
	h, key = u.redirect(h, key)
	if kl, ok := u.base.(KeyLister); ok {
		return kl.ListKeys(h, key)
	}
	return nil, nil
}

// ListKeys implements KeyLister: no user hive's subkeys.
func (m machineView) ListKeys(h Hive, key string) ([]string, error) {
	if kl, ok := m.base.(KeyLister); ok && h != HKCU {
		return kl.ListKeys(h, key)
	}
	return nil, nil
}

var (
	_ KeyLister = userView{}
	_ KeyLister = machineView{}
)
