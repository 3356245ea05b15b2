package registrypolicy

import (
	"sort"
	"strings"
	"sync"
)

// Store is the one small interface over policy sources: the Windows registry, a .reg
// file, or memory. Key paths are below the hive, backslash-separated and compared
// case-insensitively, as are value names.
type Store interface {
	// ReadValue returns the value name under hive\key and whether it exists. A missing
	// key is not an error: the value does not exist.
	ReadValue(hive Hive, key, name string) (Value, bool, error)
	// ListValues returns the names of the values under hive\key, sorted
	// case-insensitively; a missing key has none.
	ListValues(hive Hive, key string) ([]string, error)
	// Origin says where hive\key\name comes from, for the policy view: the full key
	// path and value name, prefixed by the file and line for a file.
	Origin(hive Hive, key, name string) string
}

// MemoryStore is a Store held in memory: the unit tests' store, and what a .reg file
// loads into. It is safe for concurrent use.
type MemoryStore struct {
	mu   sync.RWMutex
	keys map[memKeyID]*memKey
}

type memKeyID struct {
	hive Hive
	key  string // foldKey form
}

type memKey struct {
	path   string // as first written
	values map[string]memValue
}

type memValue struct {
	name   string // as written
	value  Value
	origin string // "" means the plain path
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{keys: map[memKeyID]*memKey{}} }

// CreateKey creates hive\key if it does not exist.
func (m *MemoryStore) CreateKey(hive Hive, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.createKey(hive, key)
}

func (m *MemoryStore) createKey(hive Hive, key string) *memKey {
	id := memKeyID{hive, foldKey(key)}
	k := m.keys[id]
	if k == nil {
		k = &memKey{path: cleanKey(key), values: map[string]memValue{}}
		m.keys[id] = k
	}
	return k
}

// Set sets hive\key\name to v, creating the key.
func (m *MemoryStore) Set(hive Hive, key, name string, v Value) {
	m.SetWithOrigin(hive, key, name, v, "")
}

// SetWithOrigin sets hive\key\name to v and records where it came from (Origin returns
// it); an empty origin means the plain key path.
func (m *MemoryStore) SetWithOrigin(hive Hive, key, name string, v Value, origin string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.createKey(hive, key)
	k.values[strings.ToLower(name)] = memValue{name: name, value: Value{Type: v.Type, Data: append([]byte(nil), v.Data...)}, origin: origin}
}

// DeleteValue removes hive\key\name; a missing value is not an error.
func (m *MemoryStore) DeleteValue(hive Hive, key, name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k := m.keys[memKeyID{hive, foldKey(key)}]; k != nil {
		delete(k.values, strings.ToLower(name))
	}
}

// DeleteKey removes hive\key with all its values and subkeys.
func (m *MemoryStore) DeleteKey(hive Hive, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := foldKey(key)
	for id := range m.keys {
		if id.hive == hive && (id.key == f || f == "" || strings.HasPrefix(id.key, f+`\`)) {
			delete(m.keys, id)
		}
	}
}

// ReadValue implements Store.
func (m *MemoryStore) ReadValue(hive Hive, key, name string) (Value, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	k := m.keys[memKeyID{hive, foldKey(key)}]
	if k == nil {
		return Value{}, false, nil
	}
	v, ok := k.values[strings.ToLower(name)]
	if !ok {
		return Value{}, false, nil
	}
	return Value{Type: v.value.Type, Data: append([]byte(nil), v.value.Data...)}, true, nil
}

// ListValues implements Store.
func (m *MemoryStore) ListValues(hive Hive, key string) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	k := m.keys[memKeyID{hive, foldKey(key)}]
	if k == nil {
		return nil, nil
	}
	names := make([]string, 0, len(k.values))
	for _, v := range k.values {
		names = append(names, v.name)
	}
	sortNames(names)
	return names, nil
}

// ListKeys implements KeyLister.
func (m *MemoryStore) ListKeys(hive Hive, key string) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	prefix := foldKey(key) + `\`
	seen := map[string]bool{}
	var names []string
	for id, k := range m.keys {
		if id.hive != hive || !strings.HasPrefix(id.key, prefix) {
			continue
		}
		// The direct child's name, as first written.
		rest := k.path[len(prefix):]
		if i := strings.Index(rest, `\`); i >= 0 {
			rest = rest[:i]
		}
		if !seen[strings.ToLower(rest)] {
			seen[strings.ToLower(rest)] = true
			names = append(names, rest)
		}
	}
	sortNames(names)
	return names, nil
}

// Origin implements Store.
func (m *MemoryStore) Origin(hive Hive, key, name string) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if k := m.keys[memKeyID{hive, foldKey(key)}]; k != nil {
		if v, ok := k.values[strings.ToLower(name)]; ok && v.origin != "" {
			return v.origin
		}
	}
	return valuePath(hive, key, name)
}

// valuePath is the full path of a value: hive, key and value name ("(Default)" for the
// unnamed value, as regedit shows it).
func valuePath(hive Hive, key, name string) string {
	if name == "" {
		name = "(Default)"
	}
	p := hive.String()
	if k := cleanKey(key); k != "" {
		p += `\` + k
	}
	return p + `\` + name
}

// sortNames sorts value names case-insensitively, ties broken by bytes, so that lists
// come out in a stable order whatever the source.
func sortNames(names []string) {
	sort.Slice(names, func(i, j int) bool {
		a, b := strings.ToLower(names[i]), strings.ToLower(names[j])
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
}
