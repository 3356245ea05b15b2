package catalog

import (
	"addingov/permissions"
	"addingov/storage"
)

// GrantStore adapts the state database's grants bucket to permissions.GrantStore: the
// methods are the same, only the record type differs.
type GrantStore struct{ db *storage.DB }

var _ permissions.GrantStore = (*GrantStore)(nil)

// NewGrantStore returns the adapter over db.
func NewGrantStore(db *storage.DB) *GrantStore { return &GrantStore{db: db} }

// PutGrant implements permissions.GrantStore.
func (s *GrantStore) PutGrant(addinID, grantID string, data []byte) error {
	return s.db.PutGrant(addinID, grantID, data)
}

// Grants implements permissions.GrantStore.
func (s *GrantStore) Grants(addinID string) ([]permissions.GrantRecord, error) {
	recs, err := s.db.Grants(addinID)
	return convertRecords(recs), err
}

// AllGrants implements permissions.GrantStore.
func (s *GrantStore) AllGrants() ([]permissions.GrantRecord, error) {
	recs, err := s.db.AllGrants()
	return convertRecords(recs), err
}

// DeleteGrant implements permissions.GrantStore.
func (s *GrantStore) DeleteGrant(addinID, grantID string) error {
	return s.db.DeleteGrant(addinID, grantID)
}

func convertRecords(recs []storage.GrantRecord) []permissions.GrantRecord {
	if recs == nil {
		return nil
	}
	out := make([]permissions.GrantRecord, len(recs))
	for i, r := range recs {
		out[i] = permissions.GrantRecord{AddinID: r.AddinID, GrantID: r.GrantID, Data: r.Data}
	}
	return out
}
