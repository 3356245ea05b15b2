package office

import (
	"errors"
	"fmt"
	"strings"
)

// Registry is the part of the Windows registry this package reads and writes. Paths
// are full: a root (HKLM, HKCU or HKU) followed by the key path, e.g.
// `HKLM\Software\Microsoft\Office\Outlook\Addins`. A missing key or value is not an
// error: SubKeys and ValueNames return nothing and Value returns ok false.
type Registry interface {
	SubKeys(path string) ([]string, error)
	ValueNames(path string) ([]string, error)
	Value(path, name string) (v Value, ok bool, err error)
	// SetDWORD creates the key when missing and writes name as a REG_DWORD.
	SetDWORD(path, name string, v uint32) error
	// DeleteValue removes name; a missing value is not an error.
	DeleteValue(path, name string) error
	// DeleteKeyIfEmpty removes the key when it has no values and no subkeys left.
	DeleteKeyIfEmpty(path string) error
	// KeyExists reports whether the key exists.
	KeyExists(path string) (bool, error)
}

// ValueType is a registry value's type, as far as this package tells them apart.
type ValueType int

// Value types.
const (
	TypeOther  ValueType = iota // binary, multi-string, …
	TypeString                  // REG_SZ or REG_EXPAND_SZ
	TypeDWORD                   // REG_DWORD or REG_QWORD
)

func (t ValueType) String() string {
	switch t {
	case TypeString:
		return "REG_SZ"
	case TypeDWORD:
		return "REG_DWORD"
	}
	return "another type"
}

// Value is one registry value.
type Value struct {
	Type   ValueType
	String string // TypeString
	Number uint64 // TypeDWORD
}

// ErrNoSuchKey is returned by writes to a root that does not exist.
var ErrNoSuchKey = errors.New("registry key does not exist")

// UserHive is the root of one user's registry: HKEY_USERS\<SID>, or HKCU for the
// process's own user when SID is empty.
type UserHive struct {
	SID string
}

// CurrentUser is the hive of the user running this process.
var CurrentUser = UserHive{}

// Root is the hive's registry root path.
func (u UserHive) Root() string {
	if u.SID == "" {
		return "HKCU"
	}
	return `HKU\` + u.SID
}

// String names the user for logs and output.
func (u UserHive) String() string {
	if u.SID == "" {
		return "current user"
	}
	return u.SID
}

// Hives turns a list of SID strings into user hives; none means the current user.
func Hives(sids []string) ([]UserHive, error) {
	if len(sids) == 0 {
		return []UserHive{CurrentUser}, nil
	}
	out := make([]UserHive, 0, len(sids))
	for _, s := range sids {
		s = strings.TrimSpace(s)
		if !strings.HasPrefix(strings.ToUpper(s), "S-1-") || strings.ContainsAny(s, `\/`) {
			return nil, fmt.Errorf("%q is not a user SID: give SIDs like S-1-5-21-…", s)
		}
		out = append(out, UserHive{SID: s})
	}
	return out, nil
}

// join makes a registry path from parts.
func join(parts ...string) string { return strings.Join(parts, `\`) }

// readString reads a string value; a value of another type is an error naming it.
func readString(r Registry, path, name string) (string, bool, error) {
	v, ok, err := r.Value(path, name)
	if err != nil || !ok {
		return "", ok, err
	}
	if v.Type != TypeString {
		return "", true, fmt.Errorf(`%s\%s is %s; a string was expected`, path, valueLabel(name), v.Type)
	}
	return v.String, true, nil
}

func valueLabel(name string) string {
	if name == "" {
		return "(Default)"
	}
	return name
}

func lower(s string) string { return strings.ToLower(s) }

// LoadedUserHives lists the user hives loaded under HKEY_USERS (users with a loaded
// profile: S-1-5-21-… keys, not their _Classes twins), for a service whose own HKCU is
// SYSTEM's.
func LoadedUserHives(r Registry) ([]UserHive, error) {
	names, err := r.SubKeys("HKU")
	if err != nil {
		return nil, fmt.Errorf("list HKEY_USERS: %w", err)
	}
	var out []UserHive
	for _, n := range names {
		if strings.HasPrefix(n, "S-1-5-21-") && !strings.HasSuffix(strings.ToLower(n), "_classes") {
			out = append(out, UserHive{SID: n})
		}
	}
	return out, nil
}
