package permissions

import (
	"fmt"
	"sort"
	"sync"
)

// GrantRecord is one stored grant: its keys and its encoded body.
type GrantRecord struct {
	AddinID string
	GrantID string
	Data    []byte
}

// GrantStore keeps grants durably, one record per grant keyed by add-in id and grant
// id. The daemon adapts its bbolt storage to it; MemoryGrantStore is the in-memory one.
// Implementations must not retain or modify the slices they are given or return.
type GrantStore interface {
	PutGrant(addinID, grantID string, data []byte) error
	Grants(addinID string) ([]GrantRecord, error)
	AllGrants() ([]GrantRecord, error)
	DeleteGrant(addinID, grantID string) error
}

// MemoryGrantStore is a GrantStore in memory, safe for concurrent use. Records come
// back ordered by add-in id, then grant id.
type MemoryGrantStore struct {
	mu     sync.Mutex
	grants map[string]map[string][]byte
}

var _ GrantStore = (*MemoryGrantStore)(nil)

// NewMemoryGrantStore returns an empty in-memory store.
func NewMemoryGrantStore() *MemoryGrantStore {
	return &MemoryGrantStore{grants: make(map[string]map[string][]byte)}
}

// PutGrant implements GrantStore.
func (m *MemoryGrantStore) PutGrant(addinID, grantID string, data []byte) error {
	if addinID == "" || grantID == "" {
		return fmt.Errorf("put grant: add-in id and grant id must not be empty (got %q, %q)", addinID, grantID)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.grants[addinID] == nil {
		m.grants[addinID] = make(map[string][]byte)
	}
	m.grants[addinID][grantID] = append([]byte(nil), data...)
	return nil
}

// Grants implements GrantStore.
func (m *MemoryGrantStore) Grants(addinID string) ([]GrantRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.records(addinID), nil
}

// AllGrants implements GrantStore.
func (m *MemoryGrantStore) AllGrants() ([]GrantRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.grants))
	for id := range m.grants {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []GrantRecord
	for _, id := range ids {
		out = append(out, m.records(id)...)
	}
	return out, nil
}

// DeleteGrant implements GrantStore. Deleting a grant that does not exist is not an
// error.
func (m *MemoryGrantStore) DeleteGrant(addinID, grantID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.grants[addinID], grantID)
	if len(m.grants[addinID]) == 0 {
		delete(m.grants, addinID)
	}
	return nil
}

func (m *MemoryGrantStore) records(addinID string) []GrantRecord {
	byID := m.grants[addinID]
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]GrantRecord, 0, len(ids))
	for _, id := range ids {
		out = append(out, GrantRecord{AddinID: addinID, GrantID: id, Data: append([]byte(nil), byID[id]...)})
	}
	return out
}
