package registrypolicy

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"

	"addingov/governance"
)

// Effective is the effective policy: every setting's value with its origin and any
// error, the managed add-in list, and the same again in the forms the rest of addingov
// consumes. An Effective is never modified after Evaluate returns it.
type Effective struct {
	// Settings holds every setting of the table, in table order.
	Settings []SettingValue
	// Managed is the managed add-in list, sorted by id.
	Managed []ManagedAddin
	// Policy is what governance consumes: thresholds and the managed list. Its Managed
	// map is shared; treat it as read-only.
	Policy governance.Policy
	// Caps are the install and permission ceilings the catalog enforces.
	Caps Caps
	// Office is Microsoft's Outlook AddinList and restricttolist with Office's meaning:
	// they govern COM and VSTO add-ins by ProgID, never web add-ins.
	Office OfficeLists
	// MemoryKind says which memory figure MemoryThresholdMB and MemoryPercent are
	// compared with on this platform: "private commit" on Windows (Microsoft's explain
	// text calls the limit virtual memory), "resident" elsewhere.
	MemoryKind string
	// User is whose policy this is (a SID on Windows); "" for the machine view or a
	// single policy that applies to everyone.
	User string
	// Note explains a policy shown for a user whose own policy could not be read.
	Note string
	// Unknown lists values and keys under our policy keys that match no setting.
	Unknown []Unknown
	// LoadedAt is when the policy was read.
	LoadedAt time.Time
}

// SettingValue is one setting's effective value.
type SettingValue struct {
	Name string
	// Value is an int64 (numbers), bool, string (enums) or []string (lists).
	Value any
	Unit  string
	// Origin is "default", or the full registry path and value name the value came
	// from (prefixed by the file and line for a .reg file).
	Origin string
	// Error lists the values that were ignored for this setting and why; empty when
	// none were.
	Error string
	// Scope is where the winning value was set: "machine" (HKLM), "user" (HKCU or a
	// user's hive), "" for the default.
	Scope string
	// Superseded are the valid values of lower-precedence sources that this one
	// overrode, highest first.
	Superseded []Superseded
}

// Superseded is a valid value that a higher-precedence source overrode.
type Superseded struct {
	Value  any
	Origin string
	Scope  string
}

// ScopeCommandLine is the scope of a value an option of addingovd's command line set.
const ScopeCommandLine = "command line"

func scopeOf(h Hive) string {
	if h == HKLM {
		return string(ScopeMachine)
	}
	return string(ScopeUser)
}

// ManagedAddin is one entry of the effective managed add-in list.
type ManagedAddin struct {
	ID     string
	Mode   governance.ManagedMode
	Origin string
}

// OfficeLists are Microsoft's Outlook policy lists as Office reads them.
type OfficeLists struct {
	// AddinList is Outlook\Resiliency\AddinList: ProgID → mode, sorted by ProgID.
	AddinList []ManagedAddin
	// ListOn is the Office ADMX's policyon marker.
	ListOn bool
	// RestrictToList is Outlook\Resiliency\restricttolist: block every COM and VSTO
	// add-in the list does not name as 1 or 2 (all of them when there is no list).
	RestrictToList bool
}

// Mode is the AddinList entry of progID (compared case-insensitively, as the registry
// does), and whether the list names it.
func (o OfficeLists) Mode(progID string) (governance.ManagedMode, bool) {
	for _, m := range o.AddinList {
		if strings.EqualFold(m.ID, progID) {
			return m.Mode, true
		}
	}
	return 0, false
}

// Caps are the administrator's install and permission ceilings.
type Caps struct {
	BlockUserInstalls         bool
	MaxMailPermission         string
	MaxDocumentPermission     string
	BlockedSharePointRights   []string
	AllowActivationOnIRMItems bool
	AllowLoopbackSideload     bool
}

// OriginDefault is the origin of a built-in default.
const OriginDefault = "default"

// Memory kinds (Effective.MemoryKind).
const (
	MemoryResident      = "resident"
	MemoryPrivateCommit = "private commit"
)

// Evaluate reads every setting from s in precedence order and returns the effective
// policy. It never fails: a value it cannot read or accept is ignored with its error
// recorded against the setting, and the next source applies.
func Evaluate(s Store) *Effective {
	e := &Effective{MemoryKind: memoryKind(runtime.GOOS), Unknown: findUnknown(s), LoadedAt: time.Now()}
	values := map[string]any{}
	var listOn bool
	for _, def := range settings {
		var sv SettingValue
		switch {
		case def.Name == ManagedAddins:
			sv, e.Managed, listOn = evaluateManaged(s, def)
		case def.Name == OfficeAddinList:
			sv, e.Office.AddinList, e.Office.ListOn = evaluateManaged(s, def)
		case def.Kind == KindList:
			sv = evaluateList(s, def)
		default:
			sv = evaluateScalar(s, def)
		}
		sv.Unit = def.unitFor(e.MemoryKind)
		e.Settings = append(e.Settings, sv)
		values[def.Name] = sv.Value
	}
	e.Policy = policyFrom(values, e.Managed)
	e.Policy.ManagedListOn = listOn
	e.Office.RestrictToList = values[OfficeRestrictToList].(bool)
	e.Caps = Caps{
		BlockUserInstalls:         values[BlockUserInstalls].(bool),
		MaxMailPermission:         values[MaxMailPermission].(string),
		MaxDocumentPermission:     values[MaxDocumentPermission].(string),
		BlockedSharePointRights:   values[BlockedSharePointRights].([]string),
		AllowActivationOnIRMItems: values[AllowActivationOnIRMItems].(bool),
		AllowLoopbackSideload:     values[AllowLoopbackSideload].(bool),
	}
	return e
}

// Setting returns the effective value of the setting with canonical name.
func (e *Effective) Setting(name string) (SettingValue, bool) {
	for _, s := range e.Settings {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return SettingValue{}, false
}

func memoryKind(goos string) string {
	if goos == "windows" {
		return MemoryPrivateCommit
	}
	return MemoryResident
}

// unitFor is the unit the policy view shows; the memory limits say which memory
// figure they are compared with.
func (s Setting) unitFor(memoryKind string) string {
	switch s.Name {
	case MemoryThresholdMB:
		return s.Unit + " (" + memoryKind + ")"
	case MemoryPercent:
		return s.Unit + " of physical memory (" + MemoryResident + ")"
	}
	return s.Unit
}

// evaluateScalar returns the first valid value of a number, bool or enum setting.
func evaluateScalar(s Store, def Setting) SettingValue {
	sv := SettingValue{Name: def.Name, Value: def.Default, Origin: OriginDefault}
	var errs []string
	for _, loc := range def.Locations {
		v, ok, err := s.ReadValue(loc.Hive, loc.Key, loc.ValueName)
		origin := s.Origin(loc.Hive, loc.Key, loc.ValueName)
		if !ok && err == nil {
			continue
		}
		var val any
		if err == nil {
			val, err = def.parse(loc, v)
		} else {
			err = fmt.Errorf("cannot read: %v", err)
		}
		switch {
		case err != nil && sv.Scope != "":
			continue // a lower source's bad value: it would not have applied anyway
		case err != nil:
			errs = append(errs, fmt.Sprintf("%s: %v (ignored)", origin, err))
			continue
		}
		if sv.Scope != "" {
			sv.Superseded = append(sv.Superseded, Superseded{Value: val, Origin: origin, Scope: scopeOf(loc.Hive)})
			continue
		}
		sv.Value, sv.Origin, sv.Scope = val, origin, scopeOf(loc.Hive)
	}
	sv.Error = strings.Join(errs, "; ")
	return sv
}

// parse validates one registry value for a number, bool or enum setting.
func (def Setting) parse(loc Location, v Value) (any, error) {
	switch def.Kind {
	case KindNumber, KindBool:
		n, err := number(v, loc.DecimalStringAllowed())
		if err != nil {
			return nil, err
		}
		if def.Kind == KindBool {
			if n != 0 && n != 1 {
				return nil, fmt.Errorf("%d is out of range: use 0 (off) or 1 (on)", n)
			}
			return n == 1, nil
		}
		if n < def.Min || n > def.Max {
			return nil, fmt.Errorf("%d is out of range %s", n, def.RangeText())
		}
		return n, nil
	case KindEnum:
		if v.Type != TypeString {
			return nil, fmt.Errorf("wrong type %s: use a REG_SZ naming one of %s", v.Type, def.RangeText())
		}
		text, _ := v.Text()
		for _, c := range def.Choices {
			if strings.EqualFold(strings.TrimSpace(text), c) {
				return c, nil
			}
		}
		return nil, fmt.Errorf("%q is not one of %s", truncate(text, 40), def.RangeText())
	}
	return nil, fmt.Errorf("setting kind %s has no scalar value", def.Kind)
}

// number reads a REG_DWORD, or a decimal REG_SZ where decimalString allows it.
func number(v Value, decimalString bool) (int64, error) {
	switch {
	case v.Type == TypeDWord:
		n, err := v.Integer()
		return int64(n), err
	case v.Type == TypeString && decimalString:
		text, _ := v.Text()
		n, err := parseDecimal(text)
		if err != nil {
			return 0, fmt.Errorf("REG_SZ %q is not a decimal number", truncate(text, 40))
		}
		return n, nil
	case decimalString:
		return 0, fmt.Errorf("wrong type %s: use a REG_DWORD (or a REG_SZ holding a decimal number)", v.Type)
	}
	return 0, fmt.Errorf("wrong type %s: use a REG_DWORD", v.Type)
}

// parseDecimal parses a non-negative decimal number of at most 10 digits (a DWORD's
// size), allowing surrounding spaces.
func parseDecimal(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 10 {
		return 0, fmt.Errorf("not a decimal number")
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a decimal number")
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// evaluateManaged merges the managed add-in lists: for each add-in id the first
// location (in precedence order) with a valid entry wins, so our lists win over
// Microsoft's AddinList for the same id and Microsoft's still applies to the others.
// evaluateManaged reads the managed list from every location, the highest deciding
// each id. listOn reports the Office ADMX's "list enabled" marker (policyon=1).
func evaluateManaged(s Store, def Setting) (sv SettingValue, managed []ManagedAddin, listOn bool) {
	sv = SettingValue{Name: def.Name, Origin: OriginDefault}
	var errs, origins []string
	decided := map[string]bool{}
	for _, loc := range def.Locations {
		names, err := s.ListValues(loc.Hive, loc.Key)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s\\%s: cannot read: %v (ignored)", loc.Hive, loc.Key, err))
			continue
		}
		used := false
		for _, id := range names {
			if id == "" || decided[strings.ToLower(id)] {
				continue // the unnamed default value is no add-in; a higher source decided this id
			}
			if loc.Authority != AuthorityAddinGov && strings.EqualFold(id, microsoftManagedMarker) {
				// The Office ADMX's "list is enabled" marker, not an add-in.
				if v, ok, err := s.ReadValue(loc.Hive, loc.Key, id); err == nil && ok {
					if n, err := v.Integer(); err == nil && n != 0 {
						listOn = true
					}
				}
				continue
			}
			origin := s.Origin(loc.Hive, loc.Key, id)
			mode, err := managedMode(s, loc, id)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v (ignored)", origin, err))
				continue
			}
			decided[strings.ToLower(id)] = true
			managed = append(managed, ManagedAddin{ID: id, Mode: mode, Origin: origin})
			used = true
		}
		if used {
			origins = append(origins, listOrigin(s, loc))
		}
	}
	sort.Slice(managed, func(i, j int) bool { return strings.ToLower(managed[i].ID) < strings.ToLower(managed[j].ID) })
	ids := make([]string, len(managed))
	for i, m := range managed {
		ids[i] = m.ID
	}
	sv.Value = ids
	if len(origins) > 0 {
		sv.Origin = strings.Join(origins, ", ")
	}
	sv.Error = strings.Join(errs, "; ")
	return sv, managed, listOn
}

func managedMode(s Store, loc Location, id string) (governance.ManagedMode, error) {
	v, ok, err := s.ReadValue(loc.Hive, loc.Key, id)
	if err != nil {
		return 0, fmt.Errorf("cannot read: %v", err)
	}
	if !ok {
		return 0, fmt.Errorf("listed but not readable")
	}
	// The ADMX <list> element writes REG_SZ values, so every list takes both types.
	n, err := number(v, true)
	if err != nil {
		return 0, err
	}
	switch m := governance.ManagedMode(n); m {
	case governance.ManagedBlocked, governance.ManagedAlwaysEnabled, governance.ManagedUserDecides:
		return m, nil
	}
	return 0, fmt.Errorf("%d is out of range: use 0 (always disabled), 1 (always enabled) or 2 (the user decides)", n)
}

// evaluateList returns the entries of the first location whose list has a valid entry
// (a list is replaced, not merged, by a higher-precedence one).
func evaluateList(s Store, def Setting) SettingValue {
	sv := SettingValue{Name: def.Name, Value: []string{}, Origin: OriginDefault}
	var errs []string
	for _, loc := range def.Locations {
		names, err := s.ListValues(loc.Hive, loc.Key)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s\\%s: cannot read: %v (ignored)", loc.Hive, loc.Key, err))
			continue
		}
		var entries []string
		seen := map[string]bool{}
		for _, name := range names {
			origin := s.Origin(loc.Hive, loc.Key, name)
			entry, err := listEntry(s, def, loc, name)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v (ignored)", origin, err))
				continue
			}
			if !seen[strings.ToLower(entry)] {
				seen[strings.ToLower(entry)] = true
				entries = append(entries, entry)
			}
		}
		switch {
		case len(entries) > 0 && sv.Scope != "":
			sv.Superseded = append(sv.Superseded, Superseded{Value: entries, Origin: listOrigin(s, loc), Scope: scopeOf(loc.Hive)})
		case len(entries) > 0:
			sv.Value, sv.Origin, sv.Scope = entries, listOrigin(s, loc), scopeOf(loc.Hive)
		}
	}
	sv.Error = strings.Join(errs, "; ")
	return sv
}

func listEntry(s Store, def Setting, loc Location, name string) (string, error) {
	v, ok, err := s.ReadValue(loc.Hive, loc.Key, name)
	if err != nil {
		return "", fmt.Errorf("cannot read: %v", err)
	}
	if !ok {
		return "", fmt.Errorf("listed but not readable")
	}
	if v.Type != TypeString {
		return "", fmt.Errorf("wrong type %s: use a REG_SZ", v.Type)
	}
	text, _ := v.Text()
	text = strings.TrimSpace(text)
	if def.Name == BlockedSharePointRights {
		return text, validSharePointRight(text)
	}
	return text, nil
}

// validSharePointRight checks a "scope-uri:Right" entry, e.g.
// http://sharepoint/content/tenant:FullControl.
func validSharePointRight(entry string) error {
	i := strings.LastIndexByte(entry, ':')
	if i < 0 {
		return fmt.Errorf("%q is not \"scope-uri:Right\", e.g. http://sharepoint/content/tenant:FullControl", truncate(entry, 60))
	}
	scope, right := entry[:i], entry[i+1:]
	if !strings.HasPrefix(strings.ToLower(scope), "http://sharepoint/") || len(scope) <= len("http://sharepoint/") {
		return fmt.Errorf("%q: the scope must be a SharePoint scope URI starting http://sharepoint/, e.g. http://sharepoint/content/tenant:FullControl", truncate(entry, 60))
	}
	if right == "" {
		return fmt.Errorf("%q has no right after the last ':', e.g. http://sharepoint/content/tenant:FullControl", truncate(entry, 60))
	}
	for _, c := range right {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fmt.Errorf("%q: the right %q must be a single word such as Read, Write, Manage or FullControl", truncate(entry, 60), truncate(right, 30))
		}
	}
	return nil
}

// listOrigin is the origin of a list: the origin of its first entry without the entry's
// name, so a file's list still names the file and line.
func listOrigin(s Store, loc Location) string {
	names, err := s.ListValues(loc.Hive, loc.Key)
	if err != nil || len(names) == 0 {
		return loc.Hive.String() + `\` + loc.Key
	}
	o := s.Origin(loc.Hive, loc.Key, names[0])
	return strings.TrimSuffix(o, `\`+names[0])
}

// policyFrom builds governance's policy from validated setting values.
func policyFrom(v map[string]any, managed []ManagedAddin) governance.Policy {
	num := func(name string) int64 { return v[name].(int64) }
	p := governance.Policy{Thresholds: governance.Thresholds{
		Interval:                time.Duration(num(AlertIntervalSeconds)) * time.Second,
		CPUCorePercent:          float64(num(CPUCorePercent)),
		CPUSampleCount:          int(num(CPUSampleCount)),
		MemoryPercent:           float64(num(MemoryPercent)),
		MemoryThresholdMB:       uint64(num(MemoryThresholdMB)),
		MemorySampleCount:       int(num(MemorySampleCount)),
		DeviceMemoryGatePercent: float64(num(DeviceMemoryGatePercent)),
		CrashLimit:              int(num(CrashLimit)),
		ActivationThreshold:     time.Duration(num(ActivationThresholdMs)) * time.Millisecond,
		ActivationLimit:         int(num(ActivationLimit)),
		StartupCount:            governance.DefaultThresholds().StartupCount, // Outlook's 5; no policy value
		StrikeWindow:            time.Duration(num(StrikeWindowMinutes)) * time.Minute,
		LogRetention:            time.Duration(num(LogRetentionDays)) * 24 * time.Hour,
		HistoryRetention:        time.Duration(num(HistoryRetentionHours)) * time.Hour,
		BlockUnmanaged:          v[BlockUnmanagedAddins].(bool),
	}}
	if len(managed) > 0 {
		p.Managed = make(map[string]governance.ManagedMode, len(managed))
		for _, m := range managed {
			p.Managed[m.ID] = m.Mode
		}
	}
	return p
}
