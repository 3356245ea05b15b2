package permissions

import (
	"errors"
	"fmt"
)

// Caps are an administrator's ceilings on what add-ins may ask for. Empty fields set no
// ceiling.
type Caps struct {
	MaxMailPermission     string `json:"max_mail_permission,omitempty"`
	MaxDocumentPermission string `json:"max_document_permission,omitempty"`
	// BlockedSharePointRights are "scope-uri:Right" entries: a request at that scope or
	// below, for that right or a higher one on the same chain, is refused.
	BlockedSharePointRights []string `json:"blocked_sharepoint_rights,omitempty"`
}

// Policy names used in refusals; they match the policy settings' names.
const (
	PolicyMaxMailPermission       = "MaxMailPermission"
	PolicyMaxDocumentPermission   = "MaxDocumentPermission"
	PolicyBlockedSharePointRights = "BlockedSharePointRights"
)

// CapRefusal is one ceiling a manifest exceeds: the policy, its value, and what the
// manifest asked for.
type CapRefusal struct {
	Policy string `json:"policy"`
	Value  string `json:"value"`
	Asked  string `json:"asked"`
	Reason string `json:"reason"`
}

func (r CapRefusal) String() string { return r.Reason }

// Validate reports every cap value that is not a valid level or entry.
func (c Caps) Validate() error {
	var errs []error
	if c.MaxMailPermission != "" {
		if _, err := ParseMailTier(c.MaxMailPermission); err != nil {
			errs = append(errs, fmt.Errorf("policy %s: %w", PolicyMaxMailPermission, err))
		}
	}
	if c.MaxDocumentPermission != "" {
		if _, err := ParseDocumentTier(c.MaxDocumentPermission); err != nil {
			errs = append(errs, fmt.Errorf("policy %s: %w", PolicyMaxDocumentPermission, err))
		}
	}
	for _, e := range c.BlockedSharePointRights {
		if _, err := ParseSharePointEntry(e); err != nil {
			errs = append(errs, fmt.Errorf("policy %s: %w", PolicyBlockedSharePointRights, err))
		}
	}
	return errors.Join(errs...)
}

// CheckCaps compares what a manifest asks for with the administrator's ceilings and
// returns a refusal per ceiling exceeded; none means allowed. An invalid cap value or
// an unreadable level in the manifest is an error: neither can be compared, and
// deciding either way would be a guess. Valid caps are still checked and their
// refusals returned alongside the error. SharePoint requests SharePoint itself would
// ignore are not refused: they would never be granted.
func CheckCaps(c Caps, asked PermissionRequest) ([]CapRefusal, error) {
	var refusals []CapRefusal
	var errs []error
	switch asked.Kind {
	case KindMail:
		if c.MaxMailPermission == "" {
			break
		}
		limit, err := ParseMailTier(c.MaxMailPermission)
		if err != nil {
			errs = append(errs, fmt.Errorf("policy %s: %w", PolicyMaxMailPermission, err))
			break
		}
		want, err := ParseMailTier(asked.Tier)
		if err != nil {
			errs = append(errs, fmt.Errorf("the manifest's permission: %w", err))
			break
		}
		if !limit.Includes(want) {
			refusals = append(refusals, CapRefusal{Policy: PolicyMaxMailPermission, Value: limit.String(), Asked: want.String(),
				Reason: fmt.Sprintf("the add-in asks for %s, above your administrator's %s of %s", want, PolicyMaxMailPermission, limit)})
		}
	case KindDocument:
		if c.MaxDocumentPermission == "" {
			break
		}
		limit, err := ParseDocumentTier(c.MaxDocumentPermission)
		if err != nil {
			errs = append(errs, fmt.Errorf("policy %s: %w", PolicyMaxDocumentPermission, err))
			break
		}
		want, err := ParseDocumentTier(asked.Tier)
		if err != nil {
			errs = append(errs, fmt.Errorf("the manifest's permission: %w", err))
			break
		}
		if !limit.Includes(want) {
			refusals = append(refusals, CapRefusal{Policy: PolicyMaxDocumentPermission, Value: limit.String(), Asked: want.String(),
				Reason: fmt.Sprintf("the add-in asks for %s, which your administrator's %s of %s does not include", want, PolicyMaxDocumentPermission, limit)})
		}
	case KindSharePoint:
		known, _ := KnownPermissions(asked.SharePoint)
		for _, entry := range c.BlockedSharePointRights {
			blocked, err := ParseSharePointEntry(entry)
			if err != nil {
				errs = append(errs, fmt.Errorf("policy %s: %w", PolicyBlockedSharePointRights, err))
				continue
			}
			for _, p := range known {
				if blockedCovers(blocked, p) {
					refusals = append(refusals, CapRefusal{Policy: PolicyBlockedSharePointRights, Value: blocked.String(), Asked: p.String(),
						Reason: fmt.Sprintf("the add-in asks for %s at %s, which your administrator blocks (%s)", p.Right, p.Scope, blocked)})
				}
			}
		}
	default:
		errs = append(errs, fmt.Errorf("unknown add-in kind %q: use mail, document or sharepoint", asked.Kind))
	}
	return refusals, errors.Join(errs...)
}

// blockedCovers: a blocked entry refuses a request at its scope or below, for its
// right or a higher one on the same chain.
func blockedCovers(blocked, p Permission) bool {
	return blocked.Scope.Covers(p.Scope) && RightIncludes(p.Right, blocked.Right)
}
