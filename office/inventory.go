package office

import (
	"fmt"
	"sort"
	"strings"

	"addingov/addinid"
)

// Apps are the Office applications whose COM and VSTO add-ins are inventoried.
var Apps = []string{"Outlook", "Word", "Excel", "PowerPoint"}

// Kind is what sort of Office add-in a registration is.
type Kind string

// Add-in kinds.
const (
	KindCOM  Kind = "com"  // native COM add-in: ProgID → CLSID → InprocServer32 DLL
	KindVSTO Kind = "vsto" // VSTO add-in: a Manifest value, loaded through VSTOLoader
	KindWeb  Kind = "web"  // sideloaded web add-in: a manifest file
)

// Scopes of a registration.
const (
	ScopeUser    = "user"
	ScopeMachine = "machine"
)

// Registry locations (below a root). Sources: Microsoft's "Registry entries for VSTO
// Add-ins" (Addins, the 32-bit view), inventory scripts and GPP files for the
// Click-to-Run hive (no Microsoft page found), Microsoft's "Support for keeping add-ins
// enabled" (Resiliency), and Microsoft's office-addin-dev-settings (WEF\Developer).
const (
	keyAddins        = `Software\Microsoft\Office\%s\Addins`
	keyAddinsWOW     = `Software\WOW6432Node\Microsoft\Office\%s\Addins`
	keyAddinsC2R     = `SOFTWARE\Microsoft\Office\ClickToRun\REGISTRY\MACHINE\Software\Microsoft\Office\%s\Addins`
	keyAddinsC2RWOW  = `SOFTWARE\Microsoft\Office\ClickToRun\REGISTRY\MACHINE\Software\Wow6432Node\Microsoft\Office\%s\Addins`
	keyResiliency    = `Software\Microsoft\Office\16.0\%s\Resiliency`
	keyDoNotDisable  = keyResiliency + `\DoNotDisableAddinList`
	keyCrashing      = keyResiliency + `\CrashingAddinList`
	keyWebDeveloper  = `Software\Microsoft\Office\16.0\WEF\Developer`
	keyClasses       = `Software\Classes`
	keyClassesWOW    = `Software\Classes\WOW6432Node`
	valueLoadBehav   = "LoadBehavior"
	maxAddinsPerUser = 5000
)

// MachineAddinKeys are the machine-wide registration keys of app, in the order read.
func MachineAddinKeys(app string) []string {
	return []string{
		`HKLM\` + fmt.Sprintf(keyAddins, app),
		`HKLM\` + fmt.Sprintf(keyAddinsWOW, app),
		`HKLM\` + fmt.Sprintf(keyAddinsC2R, app),
		`HKLM\` + fmt.Sprintf(keyAddinsC2RWOW, app),
	}
}

// UserAddinKey is the per-user registration key of app (HKCU has no 32-bit copy).
func UserAddinKey(u UserHive, app string) string {
	return u.Root() + `\` + fmt.Sprintf(keyAddins, app)
}

// DoNotDisableKey is Office's "always enable" list of app for user u.
func DoNotDisableKey(u UserHive, app string) string {
	return u.Root() + `\` + fmt.Sprintf(keyDoNotDisable, app)
}

// CrashingKey is Office's list of add-ins that crashed app for user u.
func CrashingKey(u UserHive, app string) string {
	return u.Root() + `\` + fmt.Sprintf(keyCrashing, app)
}

// WebDeveloperKey is where user u's sideloaded web add-ins are registered.
func WebDeveloperKey(u UserHive) string { return u.Root() + `\` + keyWebDeveloper }

// Registration is one registry key an add-in is registered under.
type Registration struct {
	Key          string        `json:"key"`
	Scope        string        `json:"scope"`
	LoadBehavior *LoadBehavior `json:"load_behavior,omitempty"`
}

// Addin is one add-in as Office sees it for one user.
type Addin struct {
	// ID is addingov's id for it: office:<App>:<ProgID> for COM and VSTO add-ins (with
	// @<SID> for a user other than the current one), the manifest id for web add-ins.
	ID           string `json:"id"`
	Kind         Kind   `json:"kind"`
	App          string `json:"app,omitempty"`
	ProgID       string `json:"prog_id,omitempty"`
	FriendlyName string `json:"friendly_name,omitempty"`
	Description  string `json:"description,omitempty"`
	// LoadBehavior is the value Office applies for this user (the user's own value
	// overrides the machine's); nil when no registration has one.
	LoadBehavior *LoadBehavior `json:"load_behavior,omitempty"`
	// LoadBehaviorMeaning says what Office does with LoadBehavior.
	LoadBehaviorMeaning string `json:"load_behavior_meaning,omitempty"`
	// Manifest is a VSTO add-in's Manifest value or a web add-in's manifest path.
	Manifest string `json:"manifest,omitempty"`
	CLSID    string `json:"clsid,omitempty"`
	DLL      string `json:"dll,omitempty"`
	// Scope is "machine" when the add-in is registered for every user, else "user".
	Scope string `json:"scope"`
	User  string `json:"user,omitempty"` // SID; empty for the current user
	// DoNotDisable is Office's "always enable" reason code (DoNotDisableAddinList), 0
	// when not listed.
	DoNotDisable  uint64         `json:"do_not_disable,omitempty"`
	Registrations []Registration `json:"registrations,omitempty"`
	// Problems are what is wrong with the registration, in words that say what to do.
	Problems []string `json:"problems,omitempty"`
}

// Name is the add-in's display name.
func (a Addin) Name() string {
	if a.FriendlyName != "" {
		return a.FriendlyName
	}
	if a.ProgID != "" {
		return a.ProgID
	}
	return a.ID
}

// Inventory is every add-in found for a set of users, and what could not be read.
type Inventory struct {
	Addins   []Addin  `json:"addins"`
	Problems []string `json:"problems,omitempty"`
}

// Find returns the add-in with id.
func (inv Inventory) Find(id string) (Addin, bool) {
	for _, a := range inv.Addins {
		if a.ID == id {
			return a, true
		}
	}
	return Addin{}, false
}

// AddinID is addingov's id of a COM or VSTO add-in of app for user u.
func AddinID(u UserHive, app, progID string) string {
	id := "office:" + app + ":" + progID
	if u.SID != "" {
		id += "@" + u.SID
	}
	return id
}

// ParseAddinID splits an id made by AddinID; ok is false for any other id.
func ParseAddinID(id string) (u UserHive, app, progID string, ok bool) {
	rest, found := strings.CutPrefix(id, "office:")
	if !found {
		return UserHive{}, "", "", false
	}
	app, rest, found = strings.Cut(rest, ":")
	if !found || rest == "" {
		return UserHive{}, "", "", false
	}
	if i := strings.LastIndex(rest, "@S-"); i > 0 {
		u.SID, rest = rest[i+1:], rest[:i]
	}
	return u, app, rest, true
}

// Reader reads the inventory from a registry.
type Reader struct {
	Reg Registry
	// FileExists checks a DLL path; nil skips the check.
	FileExists func(path string) bool
}

// Read inventories the COM and VSTO add-ins of every app and the sideloaded web
// add-ins, for each user. A key that cannot be read is a problem of the inventory; the
// rest is still read.
func (r Reader) Read(users []UserHive) Inventory {
	var inv Inventory
	if len(users) == 0 {
		users = []UserHive{CurrentUser}
	}
	machine := map[string][]machineReg{}
	for _, app := range Apps {
		machine[app] = r.machineRegs(app, &inv)
	}
	for _, u := range users {
		n := 0
		for _, app := range Apps {
			for _, a := range r.appAddins(u, app, machine[app], &inv) {
				if n == maxAddinsPerUser {
					inv.Problems = append(inv.Problems, fmt.Sprintf("%s: more than %d add-in registrations; the rest are not governed (remove stale registrations)", u, maxAddinsPerUser))
					break
				}
				inv.Addins = append(inv.Addins, a)
				n++
			}
		}
		inv.Addins = append(inv.Addins, r.webAddins(u, &inv)...)
	}
	return inv
}

type machineReg struct {
	key, progID string
}

func (r Reader) machineRegs(app string, inv *Inventory) []machineReg {
	var out []machineReg
	for _, key := range MachineAddinKeys(app) {
		names, err := r.Reg.SubKeys(key)
		if err != nil {
			inv.Problems = append(inv.Problems, fmt.Sprintf("%s: cannot read: %v", key, err))
			continue
		}
		for _, n := range names {
			out = append(out, machineReg{key: key + `\` + n, progID: n})
		}
	}
	return out
}

// appAddins merges the user's and the machine's registrations of app by ProgID.
func (r Reader) appAddins(u UserHive, app string, machine []machineReg, inv *Inventory) []Addin {
	byProg := map[string]*Addin{}
	var order []string
	add := func(progID, key, scope string) {
		if err := addinid.Check(progID); err != nil {
			// A user can name a key anything; such a name never reaches the CLI or the log.
			inv.Problems = append(inv.Problems, fmt.Sprintf("%s: a registration whose ProgID is not one (%v) is not governed", key[:strings.LastIndex(key, `\`)], err))
			return
		}
		lk := strings.ToLower(progID)
		a, ok := byProg[lk]
		if !ok {
			a = &Addin{ID: AddinID(u, app, progID), App: app, ProgID: progID, User: u.SID, Scope: ScopeUser}
			byProg[lk] = a
			order = append(order, lk)
		}
		r.readRegistration(a, key, scope)
	}
	userKey := UserAddinKey(u, app)
	names, err := r.Reg.SubKeys(userKey)
	if err != nil {
		inv.Problems = append(inv.Problems, fmt.Sprintf("%s: cannot read: %v", userKey, err))
	}
	for _, n := range names {
		add(n, userKey+`\`+n, ScopeUser)
	}
	for _, m := range machine {
		add(m.progID, m.key, ScopeMachine)
	}
	dnd := r.doNotDisable(u, app)
	out := make([]Addin, 0, len(order))
	for _, lk := range order {
		a := byProg[lk]
		r.finish(u, a)
		if code, ok := dnd[lk]; ok {
			a.DoNotDisable = code
		}
		out = append(out, *a)
	}
	return out
}

// readRegistration merges one registration key into a: the first registration (the
// user's) with a value wins, so the user's LoadBehavior overrides the machine's.
func (r Reader) readRegistration(a *Addin, key, scope string) {
	reg := Registration{Key: key, Scope: scope}
	if scope == ScopeMachine {
		a.Scope = ScopeMachine
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"FriendlyName", &a.FriendlyName}, {"Description", &a.Description}, {"Manifest", &a.Manifest}} {
		s, ok, err := readString(r.Reg, key, f.name)
		if err != nil {
			a.Problems = append(a.Problems, err.Error())
			continue
		}
		if ok && *f.dst == "" {
			*f.dst = s
		}
	}
	v, ok, err := r.Reg.Value(key, valueLoadBehav)
	switch {
	case err != nil:
		a.Problems = append(a.Problems, fmt.Sprintf(`%s\LoadBehavior: cannot read: %v`, key, err))
	case !ok:
	case v.Type != TypeDWORD:
		a.Problems = append(a.Problems, fmt.Sprintf(`%s\LoadBehavior is %s; Office needs a REG_DWORD (0, 1, 2, 3, 8, 9 or 16), so it ignores this value`, key, v.Type))
	case v.Number > 0xFFFFFFFF:
		a.Problems = append(a.Problems, fmt.Sprintf(`%s\LoadBehavior %d is out of range for a DWORD`, key, v.Number))
	default:
		lb := LoadBehavior(v.Number)
		reg.LoadBehavior = &lb
		if a.LoadBehavior == nil {
			a.LoadBehavior = &lb
		}
	}
	a.Registrations = append(a.Registrations, reg)
}

// finish sets the kind, resolves a COM add-in's DLL and says what is missing.
func (r Reader) finish(u UserHive, a *Addin) {
	if a.LoadBehavior != nil {
		a.LoadBehaviorMeaning = a.LoadBehavior.Meaning()
	} else {
		a.Problems = append(a.Problems, "no LoadBehavior value: Office does not load the add-in until one is set")
	}
	if a.Manifest != "" {
		a.Kind = KindVSTO
		return
	}
	a.Kind = KindCOM
	wow := false
	for _, reg := range a.Registrations {
		if strings.Contains(strings.ToLower(reg.Key), `\wow6432node\`) {
			wow = true
		}
	}
	clsid, dll, problem := r.resolveCOM(u, a.ProgID, wow)
	a.CLSID, a.DLL = clsid, dll
	if problem != "" {
		a.Problems = append(a.Problems, problem)
		return
	}
	if r.FileExists != nil && !r.FileExists(expandEnv(dll)) {
		a.Problems = append(a.Problems, fmt.Sprintf("the add-in's DLL %s does not exist: Office cannot load it (reinstall the add-in or remove its registration)", dll))
	}
}

// classRoots are the class registrations Office's COM lookup sees, user first
// (HKCR is HKCU\Software\Classes over HKLM\Software\Classes).
func classRoots(u UserHive, wow bool) []string {
	roots := []string{u.Root() + `\` + keyClasses}
	if wow {
		roots = append(roots, `HKLM\`+keyClassesWOW)
	}
	return append(roots, `HKLM\`+keyClasses)
}

// resolveCOM follows ProgID → CLSID (or CurVer's CLSID) → InprocServer32.
func (r Reader) resolveCOM(u UserHive, progID string, wow bool) (clsid, dll, problem string) {
	roots := classRoots(u, wow)
	lookup := func(sub string) (string, error) {
		for _, root := range roots {
			s, ok, err := readString(r.Reg, root+`\`+sub, "")
			if err != nil {
				return "", err
			}
			if ok && s != "" {
				return s, nil
			}
		}
		return "", nil
	}
	clsid, err := lookup(progID + `\CLSID`)
	if err == nil && clsid == "" {
		if cur, err2 := lookup(progID + `\CurVer`); err2 == nil && cur != "" {
			clsid, err = lookup(cur + `\CLSID`)
		}
	}
	if err != nil {
		return "", "", fmt.Sprintf("cannot resolve the ProgID's CLSID: %v", err)
	}
	if clsid == "" {
		return "", "", fmt.Sprintf(`ProgID %s has no CLSID under HKCR (Software\Classes\%s\CLSID): Office cannot load this COM add-in (reinstall it or remove its registration)`, progID, progID)
	}
	for _, server := range []string{"InprocServer32", "LocalServer32"} {
		dll, err = lookup(`CLSID\` + clsid + `\` + server)
		if err != nil {
			return clsid, "", fmt.Sprintf("cannot read the CLSID's server: %v", err)
		}
		if dll != "" {
			return clsid, dll, ""
		}
	}
	return clsid, "", fmt.Sprintf(`CLSID %s has no InprocServer32 under HKCR: the add-in's DLL is unknown (reinstall the add-in)`, clsid)
}

// doNotDisable reads Office's "always enable" list: lower-case ProgID → reason code.
func (r Reader) doNotDisable(u UserHive, app string) map[string]uint64 {
	key := DoNotDisableKey(u, app)
	names, err := r.Reg.ValueNames(key)
	if err != nil || len(names) == 0 {
		return nil
	}
	out := make(map[string]uint64, len(names))
	for _, n := range names {
		v, ok, err := r.Reg.Value(key, n)
		if err != nil || !ok {
			continue
		}
		code := v.Number
		if v.Type != TypeDWORD || code == 0 {
			code = 1 // listed: Office keeps it enabled whatever the reason code says
		}
		out[strings.ToLower(n)] = code
	}
	return out
}

// Crashing returns the ProgIDs in Office's CrashingAddinList of app for user u.
func (r Reader) Crashing(u UserHive, app string) ([]string, error) {
	names, err := r.Reg.ValueNames(CrashingKey(u, app))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// webAddins lists user u's sideloaded web add-ins: one REG_SZ per add-in, name = the
// manifest's id, data = the manifest's path.
func (r Reader) webAddins(u UserHive, inv *Inventory) []Addin {
	key := WebDeveloperKey(u)
	names, err := r.Reg.ValueNames(key)
	if err != nil {
		inv.Problems = append(inv.Problems, fmt.Sprintf("%s: cannot read: %v", key, err))
		return nil
	}
	var out []Addin
	for _, n := range names {
		if n == "" {
			continue
		}
		if err := addinid.Check(n); err != nil {
			inv.Problems = append(inv.Problems, fmt.Sprintf("%s: a value whose name is not a manifest id (%v) is not governed", key, err))
			continue
		}
		a := Addin{ID: n, Kind: KindWeb, User: u.SID, Scope: ScopeUser, Registrations: []Registration{{Key: key, Scope: ScopeUser}}}
		s, _, err := readString(r.Reg, key, n)
		if err != nil {
			a.Problems = append(a.Problems, err.Error()+" (the manifest path)")
		}
		a.Manifest = s
		out = append(out, a)
	}
	return out
}

// expandEnv expands Windows %VAR% references with the process environment.
func expandEnv(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for {
		i := strings.Index(p, "%")
		if i < 0 {
			break
		}
		j := strings.Index(p[i+1:], "%")
		if j < 0 {
			break
		}
		name := p[i+1 : i+1+j]
		b.WriteString(p[:i])
		if v, ok := lookupEnv(name); ok {
			b.WriteString(v)
		} else {
			b.WriteString(p[i : i+j+2])
		}
		p = p[i+j+2:]
	}
	b.WriteString(p)
	return b.String()
}

// ProgIDs maps each Outlook COM and VSTO add-in's id to its ProgID, for matching
// Outlook's policy lists.
func ProgIDs(inv Inventory) map[string]string {
	out := map[string]string{}
	for _, a := range inv.Addins {
		if a.Kind != KindWeb && a.App == "Outlook" {
			out[a.ID] = a.ProgID
		}
	}
	return out
}
