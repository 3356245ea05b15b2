package office

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// WindowsRegistry is the live registry.
type WindowsRegistry struct{}

var _ Registry = WindowsRegistry{}

func splitRoot(p string) (registry.Key, string, error) {
	root, rest, _ := strings.Cut(strings.Trim(p, `\`), `\`)
	switch strings.ToUpper(root) {
	case "HKLM", "HKEY_LOCAL_MACHINE":
		return registry.LOCAL_MACHINE, rest, nil
	case "HKCU", "HKEY_CURRENT_USER":
		return registry.CURRENT_USER, rest, nil
	case "HKU", "HKEY_USERS":
		return registry.USERS, rest, nil
	case "HKCR", "HKEY_CLASSES_ROOT":
		return registry.CLASSES_ROOT, rest, nil
	}
	return 0, "", fmt.Errorf("unknown registry root in %q", p)
}

func open(p string, access uint32) (registry.Key, bool, error) {
	root, rest, err := splitRoot(p)
	if err != nil {
		return 0, false, err
	}
	k, err := registry.OpenKey(root, rest, access)
	if errors.Is(err, registry.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return k, true, nil
}

// SubKeys implements Registry.
func (WindowsRegistry) SubKeys(p string) ([]string, error) {
	k, ok, err := open(p, registry.ENUMERATE_SUB_KEYS)
	if err != nil || !ok {
		return nil, err
	}
	defer k.Close()
	return k.ReadSubKeyNames(-1)
}

// ValueNames implements Registry.
func (WindowsRegistry) ValueNames(p string) ([]string, error) {
	k, ok, err := open(p, registry.QUERY_VALUE)
	if err != nil || !ok {
		return nil, err
	}
	defer k.Close()
	return k.ReadValueNames(-1)
}

// Value implements Registry.
func (WindowsRegistry) Value(p, name string) (Value, bool, error) {
	k, ok, err := open(p, registry.QUERY_VALUE)
	if err != nil || !ok {
		return Value{}, false, err
	}
	defer k.Close()
	_, typ, err := k.GetValue(name, nil)
	if errors.Is(err, registry.ErrNotExist) {
		return Value{}, false, nil
	}
	if err != nil && !errors.Is(err, registry.ErrShortBuffer) {
		return Value{}, false, err
	}
	switch typ {
	case registry.SZ, registry.EXPAND_SZ:
		s, _, err := k.GetStringValue(name)
		if err != nil {
			return Value{}, true, err
		}
		return Value{Type: TypeString, String: s}, true, nil
	case registry.DWORD, registry.QWORD:
		n, _, err := k.GetIntegerValue(name)
		if err != nil {
			return Value{}, true, err
		}
		return Value{Type: TypeDWORD, Number: n}, true, nil
	}
	return Value{Type: TypeOther}, true, nil
}

// SetDWORD implements Registry.
func (WindowsRegistry) SetDWORD(p, name string, v uint32) error {
	root, rest, err := splitRoot(p)
	if err != nil {
		return err
	}
	k, _, err := registry.CreateKey(root, rest, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetDWordValue(name, v)
}

// DeleteValue implements Registry.
func (WindowsRegistry) DeleteValue(p, name string) error {
	k, ok, err := open(p, registry.SET_VALUE)
	if err != nil || !ok {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}

// DeleteKeyIfEmpty implements Registry.
func (WindowsRegistry) DeleteKeyIfEmpty(p string) error {
	k, ok, err := open(p, registry.QUERY_VALUE|registry.ENUMERATE_SUB_KEYS)
	if err != nil || !ok {
		return err
	}
	info, err := k.Stat()
	k.Close()
	if err != nil {
		return err
	}
	if info.SubKeyCount > 0 || info.ValueCount > 0 {
		return nil
	}
	root, rest, _ := splitRoot(p)
	return registry.DeleteKey(root, rest)
}

// KeyExists implements Registry.
func (WindowsRegistry) KeyExists(p string) (bool, error) {
	k, ok, err := open(p, registry.QUERY_VALUE)
	if ok {
		k.Close()
	}
	return ok, err
}
