package catalog

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"addingov/governance"
	"addingov/localapi"
	"addingov/manifest"
	"addingov/permissions"
	"addingov/registrypolicy"
	"addingov/storage"
)

// Governor is what the catalog needs from governance; the daemon implements it.
type Governor interface {
	// StateFor is the add-in's state with policy applied, and why, as it applies to
	// caller (whose use of a machine-wide add-in may be governed per user).
	StateFor(caller localapi.Caller, a storage.Addin) (governance.State, string)
	// Installed is called after an install or reinstall is stored.
	Installed(a storage.Addin)
	// Removed is called after an add-in's record is deleted.
	Removed(addinID string)
	// ObserveEvaluation counts rule-evaluation time toward the slow-activation
	// threshold (Outlook counts regular-expression time the same way).
	ObserveEvaluation(addinID string, d time.Duration)
}

// Catalog serves installs, permission reports, authorization, rule evaluation and
// SharePoint grants over the local API.
type Catalog struct {
	db     *storage.DB
	policy func(caller localapi.Caller) *registrypolicy.Effective
	gov    Governor
	grants *permissions.Grants
	store  *GrantStore
	log    zerolog.Logger
	now    func() time.Time

	// mu orders installs and removals, so that the checks made before a write still
	// hold when it happens (two installs of one add-in cannot interleave).
	mu sync.Mutex

	cacheMu sync.Mutex
	parsed  map[string]*manifest.Manifest // manifest digest → parsed manifest
}

// maxCachedManifests bounds the parsed-manifest cache; it is emptied when full, which
// only costs a re-parse.
const maxCachedManifests = 256

// New returns a catalog over db. policy returns the current effective policy of a
// caller (nil means the built-in defaults): requests are judged under the caller's own
// policy, which on Windows includes the caller's user policy. gov is told about
// installs and removals.
func New(db *storage.DB, policy func(caller localapi.Caller) *registrypolicy.Effective, gov Governor, log zerolog.Logger) *Catalog {
	if policy == nil {
		policy = func(localapi.Caller) *registrypolicy.Effective { return nil }
	}
	store := NewGrantStore(db)
	return &Catalog{
		db:     db,
		policy: policy,
		gov:    gov,
		grants: permissions.NewGrants(store, permissions.WithLogger(log)),
		store:  store,
		log:    log,
		now:    time.Now,
		parsed: map[string]*manifest.Manifest{},
	}
}

// Grants returns the SharePoint grants manager the catalog uses.
func (c *Catalog) Grants() *permissions.Grants { return c.grants }

// Extension registers the catalog's endpoints on the local API server.
//
// The endpoints live on the catalog's own mux, and the server's mux hands them over
// whole: a handler reached through ServeMux.Handler rather than ServeMux.ServeHTTP
// sees no path values, and the catalog's own mux sets them either way.
func (c *Catalog) Extension() localapi.Extension {
	own := http.NewServeMux()
	routes := map[string]http.HandlerFunc{
		"POST /v1/install/preview":       c.handle(c.servePreview),
		"POST /v1/install":               c.handle(c.serveInstall),
		"DELETE /v1/addins/{id}":         c.handle(c.serveRemove),
		"GET /v1/permissions/{id}":       c.handle(c.servePermissions),
		"POST /v1/authorize":             c.handle(c.serveAuthorize),
		"POST /v1/evaluate":              c.handle(c.serveEvaluate),
		"GET /v1/grants":                 c.handle(c.serveGrants),
		"POST /v1/grants/regrant":        c.handle(c.serveRegrant),
		"POST /v1/grants/onthefly":       c.handle(c.serveOnTheFly),
		"POST /v1/objects/{id}/{action}": c.handle(c.serveObject),
	}
	for pattern, h := range routes {
		own.HandleFunc(pattern, h)
	}
	return func(mux *http.ServeMux) {
		for pattern := range routes {
			mux.Handle(pattern, own)
		}
	}
}

// refusedError is a refusal with details for the caller: the status and the body.
type refusedError struct {
	status int
	body   RefusedBody
}

func (e *refusedError) Error() string { return e.body.Error }

// handle adapts a function returning a value or an error to a handler; refusals are
// written with their details, other errors as the local API writes them.
func (c *Catalog) handle(f func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := f(r)
		var refused *refusedError
		switch {
		case errors.As(err, &refused):
			localapi.WriteJSON(w, refused.status, refused.body)
		case err != nil:
			if localapi.StatusOf(err) >= 500 {
				c.log.Error().Err(err).Str("path", r.URL.Path).Msg("catalog request failed")
			}
			localapi.WriteError(w, err)
		default:
			localapi.WriteJSON(w, http.StatusOK, v)
		}
	}
}

// canChange reports whether the caller may remove or re-grant add-in a: its owner or
// an administrator; machine-wide add-ins need an administrator.
func canChange(c localapi.Caller, a storage.Addin) error {
	switch {
	case c.Admin:
		return nil
	case a.Scope == ScopeMachine:
		return localapi.Forbidden("%s is installed for every user of this machine: only an administrator can change it", a.ID)
	case !c.Known:
		return localapi.Forbidden("the daemon could not identify you, so it cannot tell whether %s is yours", a.ID)
	case a.Owner != "" && a.Owner != c.UID:
		return localapi.Forbidden("%s belongs to another user: you can change only add-ins you installed", a.ID)
	}
	return nil
}

// MaxIDLength bounds add-in ids the catalog accepts (the state database's own limit):
// real ids are GUIDs or short names.
const MaxIDLength = 1024

// checkID refuses an empty or oversized add-in id as the caller's mistake.
func checkID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return localapi.BadRequest("addin_id is required")
	case len(id) > MaxIDLength:
		return localapi.BadRequest("add-in id is %d bytes long; ids are at most %d", len(id), MaxIDLength)
	}
	return nil
}

// record loads an add-in the caller may see: 404 when there is none, 403 when it is
// another user's.
func (c *Catalog) record(caller localapi.Caller, id string) (storage.Addin, error) {
	if err := checkID(id); err != nil {
		return storage.Addin{}, err
	}
	a, err := c.db.Addin(id)
	if errors.Is(err, storage.ErrNotFound) {
		return a, localapi.NotFound("no add-in %q: `addingov addins` lists the installed ones", id)
	}
	if err != nil {
		return a, fmt.Errorf("read add-in %s: %w", id, err)
	}
	if !caller.MayRead(a.Scope, a.Owner) {
		return a, localapi.Forbidden("add-in %s was installed by another user; you can use only your own and machine-wide add-ins", id)
	}
	return a, nil
}

// storedManifest parses an add-in's stored manifest, through the cache. An add-in a
// host registered by reporting activations has none.
func (c *Catalog) storedManifest(a storage.Addin) (*manifest.Manifest, error) {
	if len(a.Manifest) == 0 {
		return nil, localapi.Conflict("%s has no manifest: a host registered it without installing it; install its manifest with `addingov install FILE`", a.ID)
	}
	key := a.ManifestDigest
	c.cacheMu.Lock()
	m, ok := c.parsed[key]
	c.cacheMu.Unlock()
	if ok && key != "" {
		return m, nil
	}
	m, err := manifest.Parse(a.Manifest)
	if err != nil {
		return nil, fmt.Errorf("the stored manifest of %s cannot be read (%v): reinstall the add-in", a.ID, err)
	}
	c.cacheMu.Lock()
	if len(c.parsed) >= maxCachedManifests {
		clear(c.parsed)
	}
	c.parsed[m.Digest] = m
	c.cacheMu.Unlock()
	return m, nil
}
