package registrypolicy

import (
	"fmt"
	"strings"
)

// Hive is a registry root key, by its full name.
type Hive string

// The registry roots a .reg file may name. Policy is read from HKLM and HKCU only; the
// others are accepted so that any regedit export parses.
const (
	HKLM Hive = "HKEY_LOCAL_MACHINE"
	HKCU Hive = "HKEY_CURRENT_USER"
	HKCR Hive = "HKEY_CLASSES_ROOT"
	HKU  Hive = "HKEY_USERS"
	HKCC Hive = "HKEY_CURRENT_CONFIG"
)

var hiveAbbreviations = map[string]Hive{
	"HKLM": HKLM, "HKCU": HKCU, "HKCR": HKCR, "HKU": HKU, "HKCC": HKCC,
}

func (h Hive) String() string { return string(h) }

// ParseHive parses a root key's full name or its abbreviation (HKLM, HKCU, …),
// case-insensitively.
func ParseHive(s string) (Hive, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for _, h := range []Hive{HKLM, HKCU, HKCR, HKU, HKCC} {
		if u == string(h) {
			return h, nil
		}
	}
	if h, ok := hiveAbbreviations[u]; ok {
		return h, nil
	}
	return "", fmt.Errorf("unknown registry root %q: use HKEY_LOCAL_MACHINE or HKEY_CURRENT_USER", s)
}

// splitKeyPath splits a full key path ("HKEY_CURRENT_USER\Software\…") into its hive
// and the path below it, with separators normalised and no leading or trailing
// backslash.
func splitKeyPath(full string) (Hive, string, error) {
	root, rest, _ := strings.Cut(strings.TrimSpace(full), `\`)
	h, err := ParseHive(root)
	if err != nil {
		return "", "", err
	}
	return h, cleanKey(rest), nil
}

// cleanKey trims surrounding backslashes and collapses repeated ones, so that key paths
// compare equal however they were written.
func cleanKey(k string) string {
	parts := strings.Split(k, `\`)
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, `\`)
}

// foldKey is the comparison form of a key path or value name: registry names are
// case-insensitive.
func foldKey(k string) string { return strings.ToLower(cleanKey(k)) }
