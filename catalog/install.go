package catalog

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"addingov/addinid"
	"addingov/governance"
	"addingov/localapi"
	"addingov/manifest"
	"addingov/permissions"
	"addingov/storage"
)

// installPlan is everything decided about an install before anything is stored.
type installPlan struct {
	caller        localapi.Caller
	scope         string
	raw           []byte // the manifest as sent; it is stored as is
	m             *manifest.Manifest
	req           permissions.PermissionRequest
	report        Report
	existing      *storage.Addin
	needsConsent  bool
	consentReason string
}

// plan parses the manifest and checks it against policy and the installed version.
func (c *Catalog) plan(caller localapi.Caller, data []byte, scope string) (*installPlan, error) {
	switch scope {
	case "":
		scope = ScopeUser
	case ScopeUser, ScopeMachine:
	default:
		return nil, localapi.BadRequest("scope %q: use user (for you only) or machine (for every user; administrators only)", scope)
	}
	if len(data) == 0 {
		return nil, localapi.BadRequest("manifest is required: send the manifest file's bytes (base64 in JSON)")
	}
	m, err := manifest.Parse(data)
	if err != nil {
		return nil, localapi.BadRequest("the manifest cannot be installed: %v", err)
	}
	if strings.TrimSpace(m.ID) == "" {
		return nil, localapi.BadRequest("the manifest has no add-in id (OfficeApp <Id>, App ProductID or JSON id): the publisher must add one")
	}
	if err := addinid.Check(m.ID); err != nil {
		return nil, localapi.BadRequest("the manifest's id cannot be used: %v", err)
	}
	req, err := RequestOf(m)
	if err != nil {
		return nil, localapi.BadRequest("the manifest cannot be installed: %v", err)
	}
	p := &installPlan{
		caller: caller, scope: scope, raw: data, m: m, req: req,
		report: Assess(m, PolicyFrom(c.policy()), AssessOptions{Scope: scope, ForInstall: true}),
	}
	existing, err := c.db.Addin(m.ID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("read installed add-in %s: %w", m.ID, err)
	default:
		p.existing = &existing
	}
	p.needsConsent, p.consentReason = ConsentNeeded(c.installedRequest(p.existing), req)
	return p, nil
}

// installedRequest is what the installed version asked for, or nil when there is no
// installed manifest to compare with (not installed, registered by a host only, or
// unreadable): then consent is asked as for a new add-in.
func (c *Catalog) installedRequest(a *storage.Addin) *permissions.PermissionRequest {
	if a == nil || len(a.Manifest) == 0 {
		return nil
	}
	old, err := c.storedManifest(*a)
	if err != nil {
		c.log.Warn().Err(err).Str("addin", a.ID).Msg("installed manifest unreadable; asking for consent again")
		return nil
	}
	req, err := RequestOf(old)
	if err != nil {
		return nil
	}
	return &req
}

func (c *Catalog) servePreview(r *http.Request) (any, error) {
	var req PreviewRequest
	if err := localapi.Decode(r, &req); err != nil {
		return nil, err
	}
	caller := localapi.CallerFrom(r.Context())
	p, err := c.plan(caller, req.Manifest, req.Scope)
	if err != nil {
		return nil, err
	}
	return Preview{
		Report:        p.report,
		Reinstall:     p.existing != nil,
		NeedsConsent:  p.needsConsent,
		ConsentReason: p.consentReason,
		NeedsAdmin:    p.scope == ScopeMachine && !caller.Admin,
	}, nil
}

func (c *Catalog) serveInstall(r *http.Request) (any, error) {
	var req InstallRequest
	if err := localapi.Decode(r, &req); err != nil {
		return nil, err
	}
	return c.Install(localapi.CallerFrom(r.Context()), req)
}

// Install installs a manifest for caller, or refuses with nothing stored.
func (c *Catalog) Install(caller localapi.Caller, req InstallRequest) (InstallResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.plan(caller, req.Manifest, req.Scope)
	if err != nil {
		return InstallResult{}, err
	}
	if err := p.authorize(); err != nil {
		return InstallResult{}, err
	}
	if !p.report.Installable() {
		return InstallResult{}, &refusedError{status: http.StatusForbidden, body: RefusedBody{
			Error:     fmt.Sprintf("cannot install %s: %s", p.m.Name, RefusalText(p.report)),
			RefusedBy: p.report.RefusedBy, Problems: p.report.Problems,
		}}
	}
	if p.needsConsent && !req.Consent {
		return InstallResult{}, &refusedError{status: http.StatusConflict, body: RefusedBody{
			Error: fmt.Sprintf("installing %s needs your consent because %s; review what it may do (`addingov permissions FILE`), then install again with --yes",
				p.m.Name, p.consentReason),
			NeedsConsent: true, Can: p.report.Can,
		}}
	}
	res := InstallResult{
		ID: p.m.ID, Name: p.m.Name, Kind: string(p.m.Kind), Tier: p.report.Tier, Scope: p.scope,
		Reinstall: p.existing != nil, Consented: p.needsConsent,
	}
	if p.req.Kind == permissions.KindSharePoint && p.needsConsent {
		granted, ignored, err := c.consentSharePoint(p, req)
		if err != nil {
			return InstallResult{}, err
		}
		res.Granted, res.Ignored = granted, ignored
	}
	rec := p.record(c)
	if err := c.db.PutAddin(rec); err != nil {
		if len(res.Granted) > 0 {
			if _, rerr := c.grants.Revoke(rec.ID, p.scope, "install failed: "+err.Error()); rerr != nil {
				c.log.Error().Err(rerr).Str("addin", rec.ID).Msg("revoke the grants of a failed install")
			}
		}
		return InstallResult{}, fmt.Errorf("store add-in %s: %w", rec.ID, err)
	}
	c.appendLog(storage.LogEntry{
		Time: c.now(), AddinID: rec.ID, AddinName: rec.Name, Action: "install", By: caller.Name(),
		Reason: map[bool]string{true: "reinstall", false: "install"}[p.existing != nil],
		Detail: fmt.Sprintf("scope %s; %s %s; consent %s", p.scope, p.req.Kind, summary(p.req), consentWord(p)),
	})
	if c.gov != nil {
		c.gov.Installed(rec)
	}
	c.log.Info().Str("event", "addin-installed").Str("addin", rec.ID).Str("scope", p.scope).Str("by", caller.Name()).
		Bool("reinstall", res.Reinstall).Msg("add-in installed")
	res.Owner, res.State = rec.Owner, string(rec.State)
	return res, nil
}

func consentWord(p *installPlan) string {
	if p.needsConsent {
		return "given"
	}
	return "not needed (" + p.consentReason + ")"
}

// authorize checks who may install: machine-wide installs need an administrator, and a
// reinstall needs whoever may change the installed add-in.
func (p *installPlan) authorize() error {
	if !p.caller.Known {
		return localapi.Forbidden("the daemon could not identify you, so it cannot record whose add-in %s is: connect through the local socket or pipe as yourself", p.m.ID)
	}
	if p.scope == ScopeMachine && !p.caller.Admin {
		return localapi.Forbidden("installing %s for every user of this machine (scope machine) needs an administrator: run the command as root (or elevated on Windows), or install it for yourself with --scope user", p.m.ID)
	}
	if p.existing != nil {
		return canChange(p.caller, *p.existing)
	}
	return nil
}

// record builds the add-in record to store. A reinstall keeps the add-in's governance
// state: reinstalling must not be a way around a disable.
func (p *installPlan) record(c *Catalog) storage.Addin {
	now := c.now()
	a := storage.Addin{
		ID: p.m.ID, Name: p.m.Name, Version: p.m.Version, Provider: p.m.Provider,
		Kind: string(p.m.Kind), Permission: summary(p.req),
		State: governance.StateEnabled, StateReason: "installed by " + p.caller.Name(), Since: now, By: p.caller.Name(),
		Scope: p.scope, Owner: p.caller.UID, ManifestDigest: p.m.Digest, Manifest: p.raw,
	}
	if a.Name == "" {
		a.Name = a.ID
	}
	if e := p.existing; e != nil && e.State != "" {
		a.State, a.StateReason, a.Since, a.By = e.State, e.StateReason, e.Since, e.By
	}
	return a
}

// consentSharePoint puts a SharePoint add-in's requests through the consent rules and
// stores the grants; a refusal stores nothing and is returned as a 403.
func (c *Catalog) consentSharePoint(p *installPlan, req InstallRequest) ([]permissions.Grant, []permissions.Ignored, error) {
	rights, err := holdings(req.UserRights)
	if err != nil {
		return nil, nil, err
	}
	creq := permissions.ConsentRequest{
		AddinID: p.m.ID, Requests: p.req.SharePoint, AllowAppOnly: p.req.AllowAppOnly,
		StoreDistributed: req.StoreDistributed, User: p.caller.Name(), UserRights: rights,
		InstalledAt: p.scope, List: listChoice(req.List),
	}
	res, err := c.grants.Consent(creq)
	if err != nil {
		return nil, nil, fmt.Errorf("grant the permissions of %s: %w", p.m.ID, err)
	}
	if !res.OK() {
		return nil, nil, &refusedError{status: http.StatusForbidden, body: RefusedBody{
			Error:           fmt.Sprintf("cannot install %s: %s", p.m.Name, consentRefusalText(res.Refusals)),
			ConsentRefusals: res.Refusals,
		}}
	}
	return res.Granted, res.Ignored, nil
}

func listChoice(l *ListChoice) *permissions.ListChoice {
	if l == nil {
		return nil
	}
	return &permissions.ListChoice{ListID: l.ID, BaseTemplateID: l.BaseTemplateID}
}

// RefusalText joins every refusal and problem into one sentence for the error line;
// each names the policy, its value and what the manifest asked for.
func RefusalText(r Report) string {
	parts := make([]string, 0, len(r.RefusedBy)+len(r.Problems))
	for _, ref := range r.RefusedBy {
		if strings.Contains(ref.Reason, ref.Policy) && strings.Contains(ref.Reason, ref.Value) && strings.Contains(ref.Reason, ref.Asked) {
			parts = append(parts, ref.Reason)
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (policy %s = %s; the add-in asks for %s)", ref.Reason, ref.Policy, ref.Value, ref.Asked))
	}
	for _, pr := range r.Problems {
		parts = append(parts, pr.Reason)
	}
	return strings.Join(parts, "; ")
}

func consentRefusalText(refusals []permissions.Refusal) string {
	parts := make([]string, len(refusals))
	for i, r := range refusals {
		parts[i] = r.Reason + " [" + r.Rule + "]"
	}
	return strings.Join(parts, "; ")
}

// appendLog records an entry; a failure is logged, since the change it describes has
// already been stored.
func (c *Catalog) appendLog(e storage.LogEntry) {
	if _, err := c.db.AppendLog(e); err != nil {
		c.log.Error().Err(err).Str("event", "storage-problem").Str("addin", e.AddinID).Str("action", e.Action).Msg("append log entry")
	}
}
