// Package officetest provides an in-memory office.Registry for tests, loaded from the
// same .reg files the Windows tests import into the real registry.
package officetest

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"addingov/office"
	"addingov/registrypolicy"
)

// Registry is an in-memory registry. Paths are compared case-insensitively, as
// Windows does. Its methods are safe for concurrent use.
type Registry struct {
	mu   sync.Mutex
	keys map[string]*key
	// Fail, when set, makes every read of a path with this prefix fail (a key deleted
	// or denied while being read).
	Fail string
}

type key struct {
	name   string // as first written
	values map[string]entry
}

type entry struct {
	name string
	v    office.Value
}

var _ office.Registry = (*Registry)(nil)

// New returns an empty registry.
func New() *Registry { return &Registry{keys: map[string]*key{}} }

func norm(p string) string { return strings.ToLower(strings.Trim(p, `\`)) }

func (r *Registry) fail(path string) error {
	if r.Fail != "" && strings.HasPrefix(norm(path), norm(r.Fail)) {
		return fmt.Errorf("access denied (test)")
	}
	return nil
}

// CreateKey creates path and its parents.
func (r *Registry) CreateKey(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.create(path)
}

func (r *Registry) create(path string) *key {
	parts := strings.Split(strings.Trim(path, `\`), `\`)
	var k *key
	for i := range parts {
		p := strings.Join(parts[:i+1], `\`)
		if k = r.keys[norm(p)]; k == nil {
			k = &key{name: p, values: map[string]entry{}}
			r.keys[norm(p)] = k
		}
	}
	return k
}

// Set writes a value, creating the key.
func (r *Registry) Set(path, name string, v office.Value) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.create(path).values[strings.ToLower(name)] = entry{name: name, v: v}
}

// SetString writes a REG_SZ.
func (r *Registry) SetString(path, name, s string) {
	r.Set(path, name, office.Value{Type: office.TypeString, String: s})
}

// DeleteKey removes path and everything below it.
func (r *Registry) DeleteKey(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := norm(path)
	for k := range r.keys {
		if k == p || strings.HasPrefix(k, p+`\`) {
			delete(r.keys, k)
		}
	}
}

// SubKeys implements office.Registry.
func (r *Registry) SubKeys(path string) ([]string, error) {
	if err := r.fail(path); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := norm(path) + `\`
	var out []string
	for k, v := range r.keys {
		if rest, ok := strings.CutPrefix(k, p); ok && !strings.Contains(rest, `\`) {
			out = append(out, v.name[strings.LastIndex(v.name, `\`)+1:])
		}
	}
	sort.Strings(out)
	return out, nil
}

// ValueNames implements office.Registry.
func (r *Registry) ValueNames(path string) ([]string, error) {
	if err := r.fail(path); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.keys[norm(path)]
	if k == nil {
		return nil, nil
	}
	var out []string
	for _, e := range k.values {
		out = append(out, e.name)
	}
	sort.Strings(out)
	return out, nil
}

// Value implements office.Registry.
func (r *Registry) Value(path, name string) (office.Value, bool, error) {
	if err := r.fail(path); err != nil {
		return office.Value{}, false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.keys[norm(path)]
	if k == nil {
		return office.Value{}, false, nil
	}
	e, ok := k.values[strings.ToLower(name)]
	return e.v, ok, nil
}

// SetDWORD implements office.Registry.
func (r *Registry) SetDWORD(path, name string, v uint32) error {
	r.Set(path, name, office.Value{Type: office.TypeDWORD, Number: uint64(v)})
	return nil
}

// DeleteValue implements office.Registry.
func (r *Registry) DeleteValue(path, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k := r.keys[norm(path)]; k != nil {
		delete(k.values, strings.ToLower(name))
	}
	return nil
}

// DeleteKeyIfEmpty implements office.Registry.
func (r *Registry) DeleteKeyIfEmpty(path string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := norm(path)
	k := r.keys[p]
	if k == nil || len(k.values) > 0 {
		return nil
	}
	for other := range r.keys {
		if strings.HasPrefix(other, p+`\`) {
			return nil
		}
	}
	delete(r.keys, p)
	return nil
}

// KeyExists implements office.Registry.
func (r *Registry) KeyExists(path string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.keys[norm(path)] != nil, nil
}

// hiveRoots maps a .reg file's hive names to this registry's roots. HKEY_CLASSES_ROOT
// writes land in HKLM\Software\Classes, as regedit's do.
var hiveRoots = map[registrypolicy.Hive]string{
	registrypolicy.HKLM: "HKLM", registrypolicy.HKCU: "HKCU", registrypolicy.HKU: "HKU",
	registrypolicy.HKCR: `HKLM\Software\Classes`,
}

// ImportReg replays a .reg file (UTF-8, ANSI or UTF-16LE, as regedit writes them)
// into r the way `reg import` does.
func (r *Registry) ImportReg(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	f, err := registrypolicy.ParseRegFile(path, data)
	if err != nil {
		return err
	}
	for _, s := range f.Sections {
		root, ok := hiveRoots[s.Hive]
		if !ok {
			continue
		}
		p := root
		if s.Key != "" {
			p += `\` + s.Key
		}
		if s.Delete {
			r.DeleteKey(p)
			continue
		}
		r.CreateKey(p)
		for _, e := range s.Values {
			if e.Delete {
				r.DeleteValue(p, e.Name)
				continue
			}
			r.Set(p, e.Name, convert(e.Value))
		}
	}
	return nil
}

func convert(v registrypolicy.Value) office.Value {
	switch v.Type {
	case registrypolicy.TypeString, registrypolicy.TypeExpandString:
		s, _ := v.Text()
		return office.Value{Type: office.TypeString, String: s}
	case registrypolicy.TypeDWord, registrypolicy.TypeQWord:
		n, _ := v.Integer()
		return office.Value{Type: office.TypeDWORD, Number: n}
	}
	return office.Value{Type: office.TypeOther}
}
