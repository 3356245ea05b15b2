package registrypolicy

import (
	"fmt"
	"strings"
)

// Kind is a setting's value type.
type Kind int

// Setting kinds.
const (
	// KindNumber is a whole number in [Min, Max], stored as REG_DWORD (Microsoft's
	// values also accept a decimal REG_SZ).
	KindNumber Kind = iota
	// KindBool is a REG_DWORD 0 (off) or 1 (on).
	KindBool
	// KindEnum is a REG_SZ naming one of Choices (compared case-insensitively).
	KindEnum
	// KindList is a subkey whose values are the entries.
	KindList
)

func (k Kind) String() string {
	switch k {
	case KindNumber:
		return "number"
	case KindBool:
		return "bool"
	case KindEnum:
		return "enum"
	case KindList:
		return "list"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Scope says which policy classes a setting exists in.
type Scope string

// Scopes. Every setting of ours exists in both; Microsoft's Outlook values are user
// policy only, which their Locations show.
const (
	ScopeMachine Scope = "machine"
	ScopeUser    Scope = "user"
	ScopeBoth    Scope = "machine, user"
)

// Category groups settings in the Group Policy editor.
type Category string

// Categories (also the ADMX category names, below the AddinGov category).
const (
	CategoryLimits      Category = "Limits"
	CategoryAddins      Category = "Addins"
	CategoryPermissions Category = "Permissions"
)

// Authority says who defines a registry location.
type Authority int

// Authorities, in precedence order.
const (
	AuthorityAddinGov             Authority = iota // our own policy keys
	AuthorityMicrosoftPolicy                       // Microsoft's Office policy keys
	AuthorityMicrosoftPreferences                  // Microsoft's non-policy preference keys
)

// Location is one registry place a setting is read from.
type Location struct {
	Hive Hive
	// Key is the key path below the hive. For KindList settings it is the subkey that
	// holds the entries.
	Key string
	// ValueName is the value's name; empty for KindList settings.
	ValueName string
	Authority Authority
}

// DecimalStringAllowed reports whether a REG_SZ holding a decimal number is accepted
// here besides REG_DWORD: Microsoft's documentation disagrees with itself on the types
// of its Outlook values, so their locations take both. Our keys take REG_DWORD only.
func (l Location) DecimalStringAllowed() bool { return l.Authority != AuthorityAddinGov }

// Path is the location's full key path and value name, as the origin shows it.
func (l Location) Path() string {
	p := l.Hive.String() + `\` + l.Key
	if l.ValueName != "" {
		p += `\` + l.ValueName
	}
	return p
}

// Setting is one policy setting's definition.
type Setting struct {
	Name string // canonical name: also the value (or subkey) name under our keys
	Kind Kind
	// Unit is what the number counts ("s", "%", "MB", …); empty for non-numbers.
	Unit string
	// Min and Max bound a KindNumber setting, inclusive.
	Min, Max int64
	// Default is the built-in value: int64 (KindNumber), bool (KindBool), string
	// (KindEnum) or []string (KindList; always empty).
	Default any
	// Choices are a KindEnum setting's allowed values, from least to most permissive.
	Choices []string
	Scope   Scope
	// Title is the policy's display name in the Group Policy editor.
	Title string
	// Category is the Group Policy editor folder the policy appears in.
	Category Category
	// Summary is one line for tables; Explain is the longer text of the ADMX explain
	// string (unit, range and default are added from the fields above).
	Summary string
	Explain string
	// Locations in precedence order, highest first.
	Locations []Location
}

// Canonical setting names.
const (
	AlertIntervalSeconds      = "AlertIntervalSeconds"
	CPUCorePercent            = "CPUCorePercent"
	CPUSampleCount            = "CPUSampleCount"
	MemoryPercent             = "MemoryPercent"
	MemoryThresholdMB         = "MemoryThresholdMB"
	MemorySampleCount         = "MemorySampleCount"
	DeviceMemoryGatePercent   = "DeviceMemoryGatePercent"
	CrashLimit                = "CrashLimit"
	ActivationThresholdMs     = "ActivationThresholdMs"
	ActivationLimit           = "ActivationLimit"
	StrikeWindowMinutes       = "StrikeWindowMinutes"
	BlockUnmanagedAddins      = "BlockUnmanagedAddins"
	LogRetentionDays          = "LogRetentionDays"
	HistoryRetentionHours     = "HistoryRetentionHours"
	ManagedAddins             = "ManagedAddins"
	OfficeAddinList           = "OfficeAddinList"
	OfficeRestrictToList      = "OfficeRestrictToList"
	BlockUserInstalls         = "BlockUserInstalls"
	MaxMailPermission         = "MaxMailPermission"
	MaxDocumentPermission     = "MaxDocumentPermission"
	BlockedSharePointRights   = "BlockedSharePointRights"
	AllowActivationOnIRMItems = "AllowActivationOnIRMItems"
	AllowLoopbackSideload     = "AllowLoopbackSideload"
)

// Registry key paths (below the hive) of the policy sources.
const (
	// KeyAddinGov is our policy key, under both HKLM and HKCU.
	KeyAddinGov = `SOFTWARE\Policies\AddinGov`
	// keyOfficePolicy is Microsoft's Office policy root; %s is the version (16.0, 15.0).
	keyOfficePolicy = `Software\Policies\Microsoft\Office\%s`
	// keyOfficePreferences is Microsoft's non-policy Office root.
	keyOfficePreferences = `Software\Microsoft\Office\%s`
	// microsoftManagedMarker is the value the Office ADMX writes into AddinList when the
	// list policy is enabled; it is not an add-in id.
	microsoftManagedMarker = "policyon"
)

// officeVersions are the Office versions whose policy keys are read, newest first:
// 16.0 (Office 2016 and later), then 15.0 (Office 2013).
var officeVersions = []string{"16.0", "15.0"}

// ours returns the machine and user locations of one of our settings.
func ours(name string, list bool) []Location {
	value := name
	key := KeyAddinGov
	if list {
		key, value = KeyAddinGov+`\`+name, ""
	}
	return []Location{
		{Hive: HKLM, Key: key, ValueName: value, Authority: AuthorityAddinGov},
		{Hive: HKCU, Key: key, ValueName: value, Authority: AuthorityAddinGov},
	}
}

// microsoft returns Microsoft's policy locations of value under Office\<ver>\sub, newest
// version first; an empty value makes sub a list subkey.
func microsoft(sub, value string) []Location {
	var l []Location
	for _, v := range officeVersions {
		l = append(l, Location{Hive: HKCU, Key: fmt.Sprintf(keyOfficePolicy, v) + `\` + sub, ValueName: value, Authority: AuthorityMicrosoftPolicy})
	}
	return l
}

// microsoftPreference is Microsoft's documented non-policy location of an activation
// value (Office 16.0 only).
func microsoftPreference(value string) Location {
	return Location{Hive: HKCU, Key: fmt.Sprintf(keyOfficePreferences, "16.0") + `\WEF\Outlook`, ValueName: value, Authority: AuthorityMicrosoftPreferences}
}

func concat(parts ...[]Location) []Location {
	var l []Location
	for _, p := range parts {
		l = append(l, p...)
	}
	return l
}

// Mail and document permission levels, least to most permissive (DESIGN.md's models).
var (
	mailPermissions     = []string{"Restricted", "ReadItem", "ReadWriteItem", "ReadWriteMailbox"}
	documentPermissions = []string{"Restricted", "ReadDocument", "ReadAllDocument", "WriteDocument", "ReadWriteDocument"}
)

// settings is the definition table. Everything else derives from it.
var settings = []Setting{
	{
		Name: AlertIntervalSeconds, Title: "Sampling interval", Category: CategoryLimits,
		Kind: KindNumber, Unit: "s", Min: 5, Max: 600, Default: int64(5), Scope: ScopeBoth,
		Summary:   "sampling interval: how often add-in CPU and memory use are checked",
		Explain:   "How often addingov samples each add-in's CPU and memory use. Every CPU and memory limit counts samples taken at this interval, and policy changes take effect within one interval. Microsoft's Outlook policy \"Specify alert interval for web extensions\" (alertinterval) sets the same value.",
		Locations: concat(ours(AlertIntervalSeconds, false), microsoft(`WEF\Outlook`, "alertinterval")),
	},
	{
		Name: CPUCorePercent, Title: "CPU threshold (percent of one core)", Category: CategoryLimits,
		Kind: KindNumber, Unit: "%", Min: 10, Max: 100, Default: int64(90), Scope: ScopeBoth,
		Summary:   "CPU use, in percent of one core, at or above which a sample counts",
		Explain:   "An add-in's process tree using at least this percentage of one processor core in a sample counts towards a CPU episode.",
		Locations: ours(CPUCorePercent, false),
	},
	{
		Name: CPUSampleCount, Title: "CPU samples that make an episode", Category: CategoryLimits,
		Kind: KindNumber, Unit: "samples", Min: 1, Max: 60, Default: int64(3), Scope: ScopeBoth,
		Summary:   "consecutive samples over the CPU threshold that make an episode",
		Explain:   "This many consecutive samples at or above the CPU threshold make one CPU episode, which disables the add-in.",
		Locations: ours(CPUSampleCount, false),
	},
	{
		Name: MemoryPercent, Title: "Memory threshold (percent of physical memory)", Category: CategoryLimits,
		Kind: KindNumber, Unit: "%", Min: 1, Max: 100, Default: int64(50), Scope: ScopeBoth,
		Summary:   "memory use, in percent of physical memory, at or above which a sample counts",
		Explain:   "An add-in's process tree using at least this percentage of physical memory in a sample counts towards a memory episode. MemoryThresholdMB, when set, replaces it.",
		Locations: ours(MemoryPercent, false),
	},
	{
		Name: MemoryThresholdMB, Title: "Memory threshold (MB)", Category: CategoryLimits,
		Kind: KindNumber, Unit: "MB", Min: 1, Max: 1500, Default: int64(0), Scope: ScopeBoth,
		Summary:   "absolute memory limit; replaces MemoryPercent when set (default: not set)",
		Explain:   "An absolute memory limit for an add-in's process tree. On Windows it is compared with the tree's private commit (Microsoft's explain text calls it virtual memory); elsewhere with resident memory. When not set, MemoryPercent applies. Microsoft's Outlook policy \"Specify memory alert threshold for web extensions\" (memoryalertthreshold) sets the same value.",
		Locations: concat(ours(MemoryThresholdMB, false), microsoft(`WEF\Outlook`, "memoryalertthreshold")),
	},
	{
		Name: MemorySampleCount, Title: "Memory samples that make an episode", Category: CategoryLimits,
		Kind: KindNumber, Unit: "samples", Min: 1, Max: 60, Default: int64(3), Scope: ScopeBoth,
		Summary:   "consecutive samples over the memory threshold that make an episode",
		Explain:   "This many consecutive samples at or above the memory threshold make one memory episode, which disables the add-in.",
		Locations: ours(MemorySampleCount, false),
	},
	{
		Name: DeviceMemoryGatePercent, Title: "Device memory use before memory limits apply", Category: CategoryLimits,
		Kind: KindNumber, Unit: "%", Min: 0, Max: 100, Default: int64(80), Scope: ScopeBoth,
		Summary:   "memory governance applies only while device memory use is at or above this (0 = always)",
		Explain:   "Memory limits are enforced only while the device's memory use is at or above this percentage, so an add-in is not turned off for using memory nobody else needs. 0 enforces them always.",
		Locations: ours(DeviceMemoryGatePercent, false),
	},
	{
		Name: CrashLimit, Title: "Restarts allowed after crashes", Category: CategoryLimits,
		Kind: KindNumber, Unit: "restarts", Min: 1, Max: 10, Default: int64(3), Scope: ScopeBoth,
		Summary:   "restarts allowed; the next crash disables the add-in",
		Explain:   "How many times a crashed add-in is restarted; the next crash disables it. Microsoft's Outlook policy \"Specify restart manager retry limit for web extensions\" (restartmanagerretrylimit) sets the same value.",
		Locations: concat(ours(CrashLimit, false), microsoft(`WEF\Outlook`, "restartmanagerretrylimit")),
	},
	{
		Name: ActivationThresholdMs, Title: "Slow activation threshold", Category: CategoryLimits,
		Kind: KindNumber, Unit: "ms", Min: 100, Max: 10000, Default: int64(1000), Scope: ScopeBoth,
		Summary: "activations slower than this count as slow",
		Explain: "An activation that takes longer than this counts as slow. Microsoft's Outlook policy \"Specify activation alert threshold for web extensions\" (activationalertthreshold) sets the same value.",
		Locations: concat(ours(ActivationThresholdMs, false), microsoft(`WEF\Outlook`, "activationalertthreshold"),
			[]Location{microsoftPreference("activationalertthreshold")}),
	},
	{
		Name: ActivationLimit, Title: "Slow or failed activations that disable an add-in", Category: CategoryLimits,
		Kind: KindNumber, Unit: "activations", Min: 1, Max: 5, Default: int64(3), Scope: ScopeBoth,
		Summary: "slow or failed activations that disable the add-in",
		Explain: "This many slow or failed activations within the strike window disable the add-in. Microsoft's Outlook policy \"Specify activation manager retry limit for web extensions\" (activationretrylimit) sets the same value.",
		Locations: concat(ours(ActivationLimit, false), microsoft(`WEF\Outlook`, "activationretrylimit"),
			[]Location{microsoftPreference("activationretrylimit")}),
	},
	{
		Name: StrikeWindowMinutes, Title: "Strike window", Category: CategoryLimits,
		Kind: KindNumber, Unit: "min", Min: 1, Max: 10080, Default: int64(1440), Scope: ScopeBoth,
		Summary:   "strikes older than this no longer count",
		Explain:   "The rolling window in which strikes count towards a limit; older strikes are forgotten.",
		Locations: ours(StrikeWindowMinutes, false),
	},
	{
		Name: BlockUnmanagedAddins, Title: "Block all unmanaged add-ins", Category: CategoryAddins,
		Kind: KindBool, Default: false, Scope: ScopeBoth,
		Summary:   "block add-ins absent from the managed list (only while the list has entries)",
		Explain:   "When on, add-ins that the managed add-in list (ManagedAddins) does not name are blocked, whatever their kind. It applies only while the list has entries. Microsoft's Outlook policy \"Block all unmanaged add-ins\" (restricttolist) is a different rule for COM and VSTO add-ins only: see OfficeRestrictToList.",
		Locations: ours(BlockUnmanagedAddins, false),
	},
	{
		Name: LogRetentionDays, Title: "Disable log retention", Category: CategoryLimits,
		Kind: KindNumber, Unit: "days", Min: 1, Max: 3650, Default: int64(365), Scope: ScopeBoth,
		Summary:   "how long the disable log is kept",
		Explain:   "Disable-log entries older than this are deleted.",
		Locations: ours(LogRetentionDays, false),
	},
	{
		Name: HistoryRetentionHours, Title: "CPU and memory history retention", Category: CategoryLimits,
		Kind: KindNumber, Unit: "h", Min: 1, Max: 720, Default: int64(24), Scope: ScopeBoth,
		Summary:   "how long each add-in's CPU, memory and activation history is kept",
		Explain:   "Each sampling tick's CPU and memory figures and each activation's outcome are kept this long for support engineers (addingov addins show, addingov report, addingov bugreport), then deleted. At the default 5-second interval one add-in's day of history takes about 1.5 MB.",
		Locations: ours(HistoryRetentionHours, false),
	},
	{
		Name: ManagedAddins, Title: "List of managed add-ins", Category: CategoryAddins,
		Kind: KindList, Default: []string{}, Scope: ScopeBoth,
		Summary:   "managed add-ins of every kind: value name = add-in id, value 0 always disabled, 1 always enabled, 2 the user decides",
		Explain:   "Add-ins managed by the administrator, of every kind (web add-ins and Office's COM and VSTO add-ins). Each entry's name is an addingov add-in id (office:<App>:<ProgID> for a COM or VSTO add-in) and its value is 0 (always disabled: the user cannot enable it), 1 (always enabled: governance never disables it; violations are still logged) or 2 (the user decides). For the same add-in this list wins over Microsoft's Outlook policy \"List of managed add-ins\" (OfficeAddinList), which names COM and VSTO add-ins by ProgID.",
		Locations: ours(ManagedAddins, true),
	},
	{
		Name: OfficeAddinList, Title: "List of managed add-ins (Microsoft Outlook policy)", Category: CategoryAddins,
		Kind: KindList, Default: []string{}, Scope: ScopeUser,
		Summary:   "Microsoft's Outlook AddinList: value name = ProgID of a COM or VSTO add-in, value 0 always disabled, 1 always enabled, 2 the user decides",
		Explain:   "Microsoft's Outlook policy \"List of managed add-ins\" (Outlook\\Resiliency\\AddinList), read with Office's meaning: each value name is the ProgID of a COM or VSTO add-in as registered under Software\\Microsoft\\Office\\<App>\\Addins, never a web add-in id. 0 always disabled, 1 always enabled (never disabled for performance; violations logged as exempt), 2 the user decides and is not blocked by OfficeRestrictToList. The policyon value the Office ADMX writes is a marker, not a ProgID.",
		Locations: microsoft(`Outlook\Resiliency\AddinList`, ""),
	},
	{
		Name: OfficeRestrictToList, Title: "Block all unmanaged COM add-ins (Microsoft Outlook policy)", Category: CategoryAddins,
		Kind: KindBool, Default: false, Scope: ScopeUser,
		Summary:   "Microsoft's Outlook restricttolist: block every COM and VSTO add-in not in OfficeAddinList as 1 or 2",
		Explain:   "Microsoft's Outlook policy \"Block all unmanaged add-ins\" (Outlook\\Resiliency\\restricttolist), read with Office's meaning: when on, every COM and VSTO add-in is blocked except those OfficeAddinList names as 1 (always enabled) or 2 (the user decides), and with no list at all every COM and VSTO add-in is blocked. Web add-ins are not affected.",
		Locations: microsoft(`Outlook\Resiliency`, "restricttolist"),
	},
	{
		Name: BlockUserInstalls, Title: "Block add-ins installed by users", Category: CategoryAddins,
		Kind: KindBool, Default: false, Scope: ScopeBoth,
		Summary:   "users may not install add-ins themselves",
		Explain:   "When on, users cannot install add-ins; only add-ins deployed by the administrator are available.",
		Locations: ours(BlockUserInstalls, false),
	},
	{
		Name: MaxMailPermission, Title: "Highest permission for Outlook mail add-ins", Category: CategoryPermissions,
		Kind: KindEnum, Default: "ReadWriteMailbox", Choices: mailPermissions, Scope: ScopeBoth,
		Summary:   "highest permission an Outlook mail add-in may request",
		Explain:   "Mail add-ins that request more than this permission are refused. The levels are cumulative: Restricted < ReadItem < ReadWriteItem < ReadWriteMailbox.",
		Locations: ours(MaxMailPermission, false),
	},
	{
		Name: MaxDocumentPermission, Title: "Highest permission for task pane and content add-ins", Category: CategoryPermissions,
		Kind: KindEnum, Default: "ReadWriteDocument", Choices: documentPermissions, Scope: ScopeBoth,
		Summary:   "highest permission a task pane or content add-in may request",
		Explain:   "Task pane and content add-ins that request a permission this one does not include are refused. WriteDocument does not include ReadDocument; ReadWriteDocument includes everything.",
		Locations: ours(MaxDocumentPermission, false),
	},
	{
		Name: BlockedSharePointRights, Title: "Blocked SharePoint add-in rights", Category: CategoryPermissions,
		Kind: KindList, Default: []string{}, Scope: ScopeBoth,
		Summary:   "SharePoint rights add-ins may not request, each \"scope-uri:Right\"",
		Explain:   "SharePoint add-ins that request a listed right (or a higher right on the same scope, or any scope below it) are refused. Each entry is a scope URI and a right separated by a colon, for example http://sharepoint/content/tenant:FullControl.",
		Locations: ours(BlockedSharePointRights, true),
	},
	{
		Name: AllowActivationOnIRMItems, Title: "Allow add-ins on items protected by IRM", Category: CategoryAddins,
		Kind: KindBool, Default: false, Scope: ScopeBoth,
		Summary:   "add-ins may activate on items protected by Information Rights Management",
		Explain:   "When on, add-ins may activate on mail items protected by Information Rights Management.",
		Locations: ours(AllowActivationOnIRMItems, false),
	},
	{
		Name: AllowLoopbackSideload, Title: "Allow sideloading add-ins from localhost", Category: CategoryAddins,
		Kind: KindBool, Default: false, Scope: ScopeBoth,
		Summary:   "allow manifests served from http://localhost (add-in development)",
		Explain:   "When on, add-in manifests whose source locations are http://localhost may be sideloaded, for add-in development. Leave off on production machines.",
		Locations: ours(AllowLoopbackSideload, false),
	},
}

// Settings returns the definition table, in display order. The slice is a copy; the
// settings' slices are shared and must not be modified.
func Settings() []Setting {
	out := make([]Setting, len(settings))
	copy(out, settings)
	return out
}

// Lookup returns the setting with canonical name (case-insensitive).
func Lookup(name string) (Setting, bool) {
	for _, s := range settings {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return Setting{}, false
}

// DefaultText is the default as the policy view and the docs print it.
func (s Setting) DefaultText() string {
	switch d := s.Default.(type) {
	case int64:
		if s.Name == MemoryThresholdMB && d == 0 {
			return "not set"
		}
		return fmt.Sprintf("%d", d)
	case bool:
		if d {
			return "1 (on)"
		}
		return "0 (off)"
	case string:
		return d
	case []string:
		return "empty"
	}
	return fmt.Sprint(s.Default)
}

// Ours reports whether the setting has a location under our own policy keys (and so a
// policy in AddinGov.admx); Microsoft's Office policies read with Office's meaning
// have none.
func (s Setting) Ours() bool {
	for _, l := range s.Locations {
		if l.Authority == AuthorityAddinGov {
			return true
		}
	}
	return false
}

// RangeText is the allowed values in words, for errors, explain text and the docs.
func (s Setting) RangeText() string {
	switch s.Kind {
	case KindNumber:
		r := fmt.Sprintf("%d–%d", s.Min, s.Max)
		if s.Unit != "" {
			r += " " + s.Unit
		}
		return r
	case KindBool:
		return "0 or 1"
	case KindEnum:
		return strings.Join(s.Choices, ", ")
	case KindList:
		switch s.Name {
		case ManagedAddins:
			return "entries: add-in id = 0, 1 or 2"
		case OfficeAddinList:
			return "entries: ProgID = 0, 1 or 2"
		}
		return `entries: "scope-uri:Right"`
	}
	return ""
}
