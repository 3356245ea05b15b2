package permissions

import (
	"encoding/json"
	"fmt"
	"time"
)

// GrantState is where a grant stands. Only active grants authorize anything; revoked
// grants are kept as history.
type GrantState string

// Grant states.
const (
	GrantActive   GrantState = "active"
	GrantRevoked  GrantState = "revoked"
	GrantRecycled GrantState = "recycled" // the object is in the recycle bin; restoring it reactivates the grant
)

// GrantSource says how a grant came to be.
type GrantSource string

// Grant sources.
const (
	SourceInstall  GrantSource = "install"    // consent when the add-in was installed
	SourceOnTheFly GrantSource = "on-the-fly" // an add-in not installed asked at run time
	SourceRegrant  GrantSource = "regrant"    // re-issued from a permission request (AppInv-style repair)
)

// Grant is one right an add-in holds at a scope. It is stored as its JSON encoding.
type Grant struct {
	ID      string `json:"id"`
	AddinID string `json:"addin_id"`
	Scope   Scope  `json:"scope"`
	Right   Right  `json:"right"`
	// ObjectID names the object the grant is on, for scopes that target one: the list
	// the user chose for the list scope, the web or site collection for those scopes.
	// Empty for tenant-wide and feature scopes.
	ObjectID string `json:"object_id,omitempty"`
	// BaseTemplateID is the list template the request narrowed the choice to, if any.
	BaseTemplateID int `json:"base_template_id,omitempty"`
	// InstalledAt is where the add-in was installed (or consented to) when the grant
	// was made; removing the add-in from there revokes the grant.
	InstalledAt string      `json:"installed_at,omitempty"`
	GrantedBy   string      `json:"granted_by"`
	GrantedAt   time.Time   `json:"granted_at"`
	State       GrantState  `json:"state"`
	AppOnly     bool        `json:"app_only,omitempty"` // the add-in may use it under the app-only policy
	Source      GrantSource `json:"source"`
	// ChangedAt and Reason record the last state change (revoked, recycled, restored).
	ChangedAt time.Time `json:"changed_at,omitzero"`
	Reason    string    `json:"reason,omitempty"`
}

// Permission returns the grant's scope and right.
func (g Grant) Permission() Permission { return Permission{Scope: g.Scope, Right: g.Right} }

// holding returns the grant as a holding, for coverage checks.
func (g Grant) holding() Holding {
	return Holding{Scope: g.Scope, Right: g.Right, ObjectID: g.ObjectID}
}

// encodeGrant is the stored form of a grant.
func encodeGrant(g Grant) ([]byte, error) {
	b, err := json.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("encode grant %s: %w", g.ID, err)
	}
	return b, nil
}

// decodeGrant reads a stored grant and checks the fields every grant has. The record's
// keys are authoritative: a body naming another add-in or id is refused as corrupt.
func decodeGrant(rec GrantRecord) (Grant, error) {
	var g Grant
	if err := json.Unmarshal(rec.Data, &g); err != nil {
		return Grant{}, fmt.Errorf("grant %s of add-in %s is corrupt (%v): revoke and regrant the add-in's permissions", rec.GrantID, rec.AddinID, err)
	}
	switch {
	case g.ID != rec.GrantID || g.AddinID != rec.AddinID:
		return Grant{}, fmt.Errorf("grant %s of add-in %s is corrupt: its body names grant %q of add-in %q", rec.GrantID, rec.AddinID, g.ID, g.AddinID)
	case g.State != GrantActive && g.State != GrantRevoked && g.State != GrantRecycled:
		return Grant{}, fmt.Errorf("grant %s of add-in %s is corrupt: unknown state %q", rec.GrantID, rec.AddinID, g.State)
	}
	return g, nil
}
