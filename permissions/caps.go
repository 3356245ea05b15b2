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
// returns a refusal per ceiling exceeded; none means allowed. Every mail and document
// level is checked against its own model's ceiling (a unified manifest may ask for
// both). An invalid cap value or an unreadable level in the manifest is an error:
// neither can be compared, and deciding either way would be a guess. Valid caps are
// still checked and their refusals returned alongside the error. SharePoint requests
// SharePoint itself would ignore are not refused: they would never be granted.
func CheckCaps(c Caps, asked PermissionRequest) ([]CapRefusal, error) {
	var refusals []CapRefusal
	var errs []error
	switch asked.Kind {
	case KindMail, KindDocument:
		for _, l := range asked.Levels() {
			r, err := c.checkLevel(l)
			if r != nil {
				refusals = append(refusals, *r)
			}
			if err != nil {
				errs = append(errs, err)
			}
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

// CapOf returns the ceiling that applies to a model's levels and the policy's name;
// an empty limit sets no ceiling.
func (c Caps) CapOf(k Kind) (policy, limit string) {
	switch k {
	case KindMail:
		return PolicyMaxMailPermission, c.MaxMailPermission
	case KindDocument:
		return PolicyMaxDocumentPermission, c.MaxDocumentPermission
	}
	return PolicyBlockedSharePointRights, ""
}

// checkLevel checks one mail or document level against its model's ceiling.
func (c Caps) checkLevel(l Level) (*CapRefusal, error) {
	policy, limit := c.CapOf(l.Kind)
	switch l.Kind {
	case KindMail:
		if limit == "" {
			return nil, nil
		}
		ceiling, err := ParseMailTier(limit)
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", policy, err)
		}
		want, err := ParseMailTier(l.Tier)
		if err != nil {
			return nil, fmt.Errorf("the manifest's permission: %w", err)
		}
		if !ceiling.Includes(want) {
			return &CapRefusal{Policy: policy, Value: ceiling.String(), Asked: want.String(),
				Reason: fmt.Sprintf("the add-in asks for %s, above your administrator's %s of %s", want, policy, ceiling)}, nil
		}
	case KindDocument:
		if limit == "" {
			return nil, nil
		}
		ceiling, err := ParseDocumentTier(limit)
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", policy, err)
		}
		want, err := ParseDocumentTier(l.Tier)
		if err != nil {
			return nil, fmt.Errorf("the manifest's permission: %w", err)
		}
		if !ceiling.Includes(want) {
			return &CapRefusal{Policy: policy, Value: ceiling.String(), Asked: want.String(),
				Reason: fmt.Sprintf("the add-in asks for %s, which your administrator's %s of %s does not include", want, policy, ceiling)}, nil
		}
	default:
		return nil, fmt.Errorf("a %s add-in has no permission level: use mail or document", l.Kind)
	}
	return nil, nil
}

// blockedCovers: a blocked entry refuses a request at its scope or below, for its
// right or a higher one on the same chain.
func blockedCovers(blocked, p Permission) bool {
	return blocked.Scope.Covers(p.Scope) && RightIncludes(p.Right, blocked.Right)
}
