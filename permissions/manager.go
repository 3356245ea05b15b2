package permissions

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"

	"addingov/governance"

	"github.com/rs/zerolog"
)

// Grants manages SharePoint add-in grants over a GrantStore: it applies the consent
// rules, stores what they grant and moves grants through their states when add-ins are
// removed and objects are recycled, restored or deleted. It is safe for concurrent use;
// one Grants should own a store.
type Grants struct {
	mu    sync.Mutex
	store GrantStore
	clock governance.Clock
	newID func() (string, error)
	log   zerolog.Logger
}

// GrantsOption configures a Grants.
type GrantsOption func(*Grants)

// WithClock sets the clock that stamps grants and state changes.
func WithClock(c governance.Clock) GrantsOption { return func(g *Grants) { g.clock = c } }

// WithLogger sets the logger; the default discards.
func WithLogger(l zerolog.Logger) GrantsOption { return func(g *Grants) { g.log = l } }

// NewGrants returns a manager over store.
func NewGrants(store GrantStore, opts ...GrantsOption) *Grants {
	g := &Grants{store: store, clock: governance.SystemClock{}, newID: randomID, log: zerolog.Nop()}
	for _, o := range opts {
		o(g)
	}
	return g
}

func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make grant id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Consent asks the installing user to grant the add-in's requests (Source install).
// A refusal is not an error: it comes back in the result with nothing stored.
func (g *Grants) Consent(req ConsentRequest) (ConsentResult, error) {
	return g.issue(req, SourceInstall)
}

// OnTheFly records a run-time grant for an add-in that is not installed: only a user
// holding Manage on the resources may grant, whatever the add-in asks for. It is
// recorded like an installed grant, with who granted it.
func (g *Grants) OnTheFly(req ConsentRequest) (ConsentResult, error) {
	return g.issue(req, SourceOnTheFly)
}

// Regrant re-issues grants from a permission request under the same consent rules, as
// SharePoint's AppInv.aspx does to repair an add-in that lost its permissions. The
// add-in's earlier active grants at the same place are revoked and kept as history.
func (g *Grants) Regrant(req ConsentRequest) (ConsentResult, error) {
	return g.issue(req, SourceRegrant)
}

// issue evaluates the rules and, on success, stores the new grants and then revokes
// the add-in's earlier active grants at the same place, which they replace. New grants
// are written first and removed again if any write fails, so a failing store never
// leaves part of a consent behind.
func (g *Grants) issue(req ConsentRequest, source GrantSource) (ConsentResult, error) {
	if req.AddinID == "" {
		return ConsentResult{}, errors.New("consent: the add-in id is empty")
	}
	g.mu.Lock()
	defer g.mu.Unlock()

	now := g.clock.Now()
	res := EvaluateConsent(req, source, now)
	if !res.OK() {
		g.log.Info().Str("addin", req.AddinID).Str("source", string(source)).Int("refusals", len(res.Refusals)).Msg("consent refused")
		return res, nil
	}
	previous, err := g.load(req.AddinID)
	if err != nil {
		return ConsentResult{}, err
	}
	written := make([]Grant, 0, len(res.Granted))
	for i := range res.Granted {
		id, err := g.newID()
		if err == nil {
			res.Granted[i].ID = id
			err = g.put(res.Granted[i])
		}
		if err != nil {
			g.rollback(written)
			return ConsentResult{}, fmt.Errorf("consent for add-in %s: nothing was granted: %w", req.AddinID, err)
		}
		written = append(written, res.Granted[i])
	}
	for _, old := range previous {
		if old.State != GrantActive || old.InstalledAt != req.InstalledAt {
			continue
		}
		old.State, old.ChangedAt, old.Reason = GrantRevoked, now, fmt.Sprintf("replaced by %s consent from %s", source, req.User)
		if err := g.put(old); err != nil {
			return res, fmt.Errorf("consent for add-in %s granted, but its earlier grant %s could not be marked revoked: %w", req.AddinID, old.ID, err)
		}
	}
	g.log.Info().Str("addin", req.AddinID).Str("source", string(source)).Str("by", req.User).Int("granted", len(res.Granted)).Int("ignored", len(res.Ignored)).Msg("consent granted")
	return res, nil
}

func (g *Grants) rollback(written []Grant) {
	for _, w := range written {
		if err := g.store.DeleteGrant(w.AddinID, w.ID); err != nil {
			g.log.Error().Err(err).Str("addin", w.AddinID).Str("grant", w.ID).Msg("could not roll back a partial consent")
		}
	}
}

// Revoke revokes the add-in's grants made where it was installed at installedAt, as
// SharePoint does when the add-in is removed from there. Revoked grants stay as
// history. It returns the grants it revoked.
func (g *Grants) Revoke(addinID, installedAt, reason string) ([]Grant, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	grants, err := g.load(addinID)
	if err != nil {
		return nil, err
	}
	if reason == "" {
		reason = "add-in removed from " + installedAt
	}
	now := g.clock.Now()
	var out []Grant
	for _, gr := range grants {
		if gr.InstalledAt != installedAt || gr.State == GrantRevoked {
			continue
		}
		gr.State, gr.ChangedAt, gr.Reason = GrantRevoked, now, reason
		if err := g.put(gr); err != nil {
			return out, err
		}
		out = append(out, gr)
	}
	return out, nil
}

// Delete deletes every grant on the deleted object, of every add-in: SharePoint deletes
// the grants along with the object. It returns how many it deleted.
func (g *Grants) Delete(objectID string) (int, error) {
	if objectID == "" {
		return 0, errors.New("delete grants: the object id is empty")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	all, err := g.loadAll()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, gr := range all {
		if gr.ObjectID != objectID {
			continue
		}
		if err := g.store.DeleteGrant(gr.AddinID, gr.ID); err != nil {
			return n, fmt.Errorf("delete grant %s of add-in %s: %w", gr.ID, gr.AddinID, err)
		}
		n++
	}
	return n, nil
}

// Recycle marks the active grants on a recycled object as recycled: they no longer
// authorize anything but are kept intact for Restore.
func (g *Grants) Recycle(objectID string) (int, error) {
	return g.moveObject(objectID, GrantActive, GrantRecycled, "object recycled")
}

// Restore reactivates the grants recycled with the object.
func (g *Grants) Restore(objectID string) (int, error) {
	return g.moveObject(objectID, GrantRecycled, GrantActive, "object restored")
}

func (g *Grants) moveObject(objectID string, from, to GrantState, reason string) (int, error) {
	if objectID == "" {
		return 0, fmt.Errorf("%s: the object id is empty", reason)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	all, err := g.loadAll()
	if err != nil {
		return 0, err
	}
	now := g.clock.Now()
	n := 0
	for _, gr := range all {
		if gr.ObjectID != objectID || gr.State != from {
			continue
		}
		gr.State, gr.ChangedAt, gr.Reason = to, now, reason
		if err := g.put(gr); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// List returns all of an add-in's grants, history included, oldest first. Records that
// cannot be read are skipped and reported in the error alongside the readable grants.
func (g *Grants) List(addinID string) ([]Grant, error) {
	recs, err := g.store.Grants(addinID)
	if err != nil {
		return nil, fmt.Errorf("read grants of add-in %s: %w", addinID, err)
	}
	return decodeAll(recs)
}

// All returns every add-in's grants, history included. Unreadable records are reported
// as List does.
func (g *Grants) All() ([]Grant, error) {
	recs, err := g.store.AllGrants()
	if err != nil {
		return nil, fmt.Errorf("read all grants: %w", err)
	}
	return decodeAll(recs)
}

// Active returns an add-in's active grants: the ones that authorize calls.
func (g *Grants) Active(addinID string) ([]Grant, error) {
	all, err := g.List(addinID)
	out := all[:0:0]
	for _, gr := range all {
		if gr.State == GrantActive {
			out = append(out, gr)
		}
	}
	return out, err
}

// load and loadAll read grants for a change; unreadable records are logged and left
// alone, since they could not authorize anything either.
func (g *Grants) load(addinID string) ([]Grant, error) {
	grants, err := g.List(addinID)
	return g.tolerate(grants, err)
}

func (g *Grants) loadAll() ([]Grant, error) {
	grants, err := g.All()
	return g.tolerate(grants, err)
}

func (g *Grants) tolerate(grants []Grant, err error) ([]Grant, error) {
	var corrupt *CorruptGrantsError
	if errors.As(err, &corrupt) {
		g.log.Warn().Err(err).Msg("skipping unreadable grant records")
		return grants, nil
	}
	return grants, err
}

func (g *Grants) put(gr Grant) error {
	data, err := encodeGrant(gr)
	if err != nil {
		return err
	}
	if err := g.store.PutGrant(gr.AddinID, gr.ID, data); err != nil {
		return fmt.Errorf("store grant %s of add-in %s: %w", gr.ID, gr.AddinID, err)
	}
	return nil
}

// CorruptGrantsError lists stored grant records that could not be read.
type CorruptGrantsError struct{ Errs []error }

func (e *CorruptGrantsError) Error() string { return errors.Join(e.Errs...).Error() }

// Unwrap returns the individual errors.
func (e *CorruptGrantsError) Unwrap() []error { return e.Errs }

func decodeAll(recs []GrantRecord) ([]Grant, error) {
	out := make([]Grant, 0, len(recs))
	var bad []error
	for _, r := range recs {
		gr, err := decodeGrant(r)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		out = append(out, gr)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].GrantedAt.Equal(out[j].GrantedAt) {
			return out[i].GrantedAt.Before(out[j].GrantedAt)
		}
		return out[i].ID < out[j].ID
	})
	if len(bad) > 0 {
		return out, &CorruptGrantsError{Errs: bad}
	}
	return out, nil
}
