package catalog

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"addingov/localapi"
	"addingov/permissions"
	"addingov/storage"
)

func (c *Catalog) serveRemove(r *http.Request) (any, error) {
	return c.Remove(localapi.CallerFrom(r.Context()), r.PathValue("id"))
}

// Remove removes an installed add-in for its owner or an administrator: its SharePoint
// grants are revoked (and kept as history), its record deleted and the removal logged.
func (c *Catalog) Remove(caller localapi.Caller, id string) (RemoveResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.record(caller, id)
	if err != nil {
		return RemoveResult{}, err
	}
	if err := canChange(caller, a); err != nil {
		return RemoveResult{}, err
	}
	reason := "add-in removed by " + caller.Name()
	history, revoked, err := c.revokeAll(id, reason)
	if err != nil {
		return RemoveResult{}, fmt.Errorf("remove %s: revoke its grants: %w (nothing was removed; try again)", id, err)
	}
	if err := c.db.DeleteAddin(id); err != nil {
		return RemoveResult{}, fmt.Errorf("remove %s: %w", id, err)
	}
	if err := c.keepHistory(history); err != nil {
		c.log.Error().Err(err).Str("addin", id).Msg("keep the revoked grants of a removed add-in as history")
	}
	c.cacheMu.Lock()
	delete(c.parsed, a.ManifestDigest)
	c.cacheMu.Unlock()
	c.appendLog(storage.LogEntry{
		Time: c.now(), AddinID: id, AddinName: a.Name, Action: "remove", Reason: "remove", By: caller.Name(),
		Detail: fmt.Sprintf("scope %s; %d grant(s) revoked", a.Scope, revoked),
	})
	if c.gov != nil {
		c.gov.Removed(id)
	}
	c.log.Info().Str("event", "addin-removed").Str("addin", id).Str("by", caller.Name()).Int("revoked", revoked).Msg("add-in removed")
	return RemoveResult{ID: id, Revoked: revoked}, nil
}

// revokeAll revokes the add-in's grants wherever they were made (each install scope,
// on-the-fly grants), as SharePoint does when an add-in is removed. It returns every
// grant of the add-in afterwards, revoked ones included, and how many it revoked.
func (c *Catalog) revokeAll(id, reason string) ([]permissions.Grant, int, error) {
	grants, err := c.grants.List(id)
	if err != nil {
		c.log.Warn().Err(err).Str("addin", id).Msg("some grant records are unreadable; revoking the readable ones")
	}
	places := map[string]bool{}
	for _, g := range grants {
		if g.State != permissions.GrantRevoked {
			places[g.InstalledAt] = true
		}
	}
	keys := make([]string, 0, len(places))
	for k := range places {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	n := 0
	for _, at := range keys {
		revoked, err := c.grants.Revoke(id, at, reason)
		n += len(revoked)
		if err != nil {
			return nil, n, err
		}
	}
	all, err := c.grants.List(id)
	if len(all) == 0 && err != nil {
		return nil, n, err
	}
	return all, n, nil
}

// keepHistory writes revoked grants back after the add-in's record is deleted, should
// the database have dropped them with it: revoked grants stay as history.
func (c *Catalog) keepHistory(grants []permissions.Grant) error {
	if len(grants) == 0 {
		return nil
	}
	left, err := c.grants.List(grants[0].AddinID)
	if err == nil && len(left) >= len(grants) {
		return nil
	}
	for _, g := range grants {
		// The permissions package stores a grant as its JSON encoding (see
		// permissions.Grant); writing it back unchanged restores the record.
		data, err := json.Marshal(g)
		if err != nil {
			return fmt.Errorf("encode grant %s: %w", g.ID, err)
		}
		if err := c.store.PutGrant(g.AddinID, g.ID, data); err != nil {
			return err
		}
	}
	return nil
}
