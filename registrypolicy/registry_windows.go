package registrypolicy

import (
	"errors"
	"fmt"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows/registry"
)

// RegistryStore reads policy from the Windows registry.
type RegistryStore struct{}

var _ Store = RegistryStore{}

// NewRegistryStore returns a store over the live registry.
func NewRegistryStore() RegistryStore { return RegistryStore{} }

// NewRegistryProvider governs with the registry's policy, reloading it when a policy
// key changes.
func NewRegistryProvider(log zerolog.Logger, opts ...Option) (*Provider, error) {
	load := func() (Store, error) { return NewRegistryStore(), nil }
	return NewProvider(load, log, append([]Option{WithNotifier(NewRegistryNotifier(log))}, opts...)...)
}

func rootKey(h Hive) (registry.Key, error) {
	switch h {
	case HKLM:
		return registry.LOCAL_MACHINE, nil
	case HKCU:
		return registry.CURRENT_USER, nil
	case HKCR:
		return registry.CLASSES_ROOT, nil
	case HKU:
		return registry.USERS, nil
	case HKCC:
		return registry.CURRENT_CONFIG, nil
	}
	return 0, fmt.Errorf("unknown registry root %q", h)
}

// openKey opens hive\key for reading; ok is false when the key does not exist.
func openKey(h Hive, key string, access uint32) (k registry.Key, ok bool, err error) {
	root, err := rootKey(h)
	if err != nil {
		return 0, false, err
	}
	k, err = registry.OpenKey(root, cleanKey(key), access)
	if errors.Is(err, registry.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("open %s\\%s: %w", h, cleanKey(key), err)
	}
	return k, true, nil
}

// ReadValue implements Store.
func (RegistryStore) ReadValue(h Hive, key, name string) (Value, bool, error) {
	k, ok, err := openKey(h, key, registry.QUERY_VALUE)
	if err != nil || !ok {
		return Value{}, false, err
	}
	defer k.Close()
	// Values change under us (Group Policy refresh); retry while the size grows.
	buf := make([]byte, 64)
	for range 8 {
		n, typ, err := k.GetValue(name, buf)
		switch {
		case errors.Is(err, registry.ErrNotExist):
			return Value{}, false, nil
		case errors.Is(err, registry.ErrShortBuffer):
			buf = make([]byte, n)
			continue
		case err != nil:
			return Value{}, false, fmt.Errorf("read %s: %w", valuePath(h, key, name), err)
		}
		return Value{Type: ValueType(typ), Data: append([]byte(nil), buf[:n]...)}, true, nil
	}
	return Value{}, false, fmt.Errorf("read %s: the value kept growing while being read", valuePath(h, key, name))
}

// ListValues implements Store.
func (RegistryStore) ListValues(h Hive, key string) ([]string, error) {
	k, ok, err := openKey(h, key, registry.QUERY_VALUE)
	if err != nil || !ok {
		return nil, err
	}
	defer k.Close()
	names, err := k.ReadValueNames(0)
	if err != nil {
		return nil, fmt.Errorf("list %s\\%s: %w", h, cleanKey(key), err)
	}
	sortNames(names)
	return names, nil
}

// ListKeys implements KeyLister.
func (RegistryStore) ListKeys(h Hive, key string) ([]string, error) {
	k, ok, err := openKey(h, key, registry.ENUMERATE_SUB_KEYS)
	if err != nil || !ok {
		return nil, err
	}
	defer k.Close()
	names, err := k.ReadSubKeyNames(0)
	if err != nil {
		return nil, fmt.Errorf("list the subkeys of %s\\%s: %w", h, cleanKey(key), err)
	}
	sortNames(names)
	return names, nil
}

// Origin implements Store: the full key path and value name.
func (RegistryStore) Origin(h Hive, key, name string) string { return valuePath(h, key, name) }
