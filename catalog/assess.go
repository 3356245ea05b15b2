package catalog

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"addingov/governance"
	"addingov/manifest"
	"addingov/permissions"
	"addingov/registrypolicy"
)

// Policy setting names a refusal can name besides the permission caps (those are
// permissions.PolicyMax…). They are the registrypolicy settings' canonical names.
const (
	PolicyBlockUserInstalls     = "BlockUserInstalls"
	PolicyManagedAddins         = "ManagedAddins"
	PolicyBlockUnmanagedAddins  = "BlockUnmanagedAddins"
	PolicyAllowLoopbackSideload = "AllowLoopbackSideload"
)

// Policy is what the catalog needs from the administrator's effective policy.
type Policy struct {
	BlockUserInstalls         bool
	Caps                      permissions.Caps
	AllowLoopbackSideload     bool
	AllowActivationOnIRMItems bool
	// Managed is the managed add-in list; BlockUnmanaged refuses add-ins absent from
	// it while it has entries.
	Managed        map[string]governance.ManagedMode
	BlockUnmanaged bool
	// ListEnabled: the managed list is in force (see governance.Policy.ListEnabled).
	ListEnabled bool
	// RuleEvaluationLimit bounds an activation-rule evaluation: the slow-activation
	// threshold (ActivationThresholdMs), as Outlook holds its regular-expression time
	// to the same 1,000 ms default. Zero means manifest.DefaultEvalTimeout.
	RuleEvaluationLimit time.Duration
}

// PolicyFrom extracts the catalog's settings from an effective policy; nil gives the
// built-in defaults (nothing blocked, no ceilings).
func PolicyFrom(e *registrypolicy.Effective) Policy {
	if e == nil {
		return Policy{}
	}
	return Policy{
		BlockUserInstalls: e.Caps.BlockUserInstalls,
		Caps: permissions.Caps{
			MaxMailPermission:       e.Caps.MaxMailPermission,
			MaxDocumentPermission:   e.Caps.MaxDocumentPermission,
			BlockedSharePointRights: e.Caps.BlockedSharePointRights,
		},
		AllowLoopbackSideload:     e.Caps.AllowLoopbackSideload,
		AllowActivationOnIRMItems: e.Caps.AllowActivationOnIRMItems,
		Managed:                   e.Policy.Managed,
		BlockUnmanaged:            e.Policy.Thresholds.BlockUnmanaged,
		ListEnabled:               e.Policy.ListEnabled(),
		RuleEvaluationLimit:       e.Policy.Thresholds.ActivationThreshold,
	}
}

// managedMode looks id up in the managed list. Add-in ids are GUIDs more often than
// not, and GUIDs are case-insensitive, so a differently cased entry still applies.
func (p Policy) managedMode(id string) (governance.ManagedMode, bool) {
	if m, ok := p.Managed[id]; ok {
		return m, true
	}
	for k, m := range p.Managed {
		if strings.EqualFold(k, id) {
			return m, true
		}
	}
	return 0, false
}

// ModelOf maps a manifest kind to the permission model that governs it.
func ModelOf(k manifest.Kind) (permissions.Kind, error) {
	switch k {
	case manifest.KindMail:
		return permissions.KindMail, nil
	case manifest.KindTaskPane, manifest.KindContent:
		return permissions.KindDocument, nil
	case manifest.KindSharePoint:
		return permissions.KindSharePoint, nil
	}
	return "", fmt.Errorf("manifest kind %q has no permission model (expected mail, taskpane, content or sharepoint)", k)
}

// RequestOf is what a manifest asks for, in its permission model, with every level it
// asks for in the other tiered model (Also): a unified manifest may ask for a mailbox
// and a document permission together. A mail or document manifest without a
// permission level asks for Restricted, the least there is.
func RequestOf(m *manifest.Manifest) (permissions.PermissionRequest, error) {
	model, err := ModelOf(m.Kind)
	if err != nil {
		return permissions.PermissionRequest{}, err
	}
	req := permissions.PermissionRequest{Kind: model}
	if model != permissions.KindSharePoint {
		req.Tier = m.Permission
		if req.Tier == "" {
			req.Tier = "Restricted"
		}
		for _, l := range m.PermissionLevels {
			if k := permissions.Kind(l.Model); k != model {
				req.Also = append(req.Also, permissions.Level{Kind: k, Tier: l.Tier})
			}
		}
		return req, nil
	}
	if m.SharePoint != nil {
		req.AllowAppOnly = m.SharePoint.AllowAppOnlyPolicy
		for _, r := range m.SharePoint.Requests {
			req.SharePoint = append(req.SharePoint, permissions.Request{Scope: r.Scope, Right: r.Right, Properties: r.Properties})
		}
	}
	return req, nil
}

// AssessOptions say what an assessment is for.
type AssessOptions struct {
	// Scope is the install scope: user (default) or machine.
	Scope string
	// ForInstall applies the settings that concern new installs only
	// (BlockUserInstalls); a report on an installed add-in leaves them out.
	ForInstall bool
}

// Assess says what the add-in may do, in plain words, and what refuses it: policy
// settings (RefusedBy) and faults of the manifest itself (Problems). It does no I/O.
func Assess(m *manifest.Manifest, p Policy, opts AssessOptions) Report {
	scope := opts.Scope
	if scope == "" {
		scope = ScopeUser
	}
	r := Report{
		ID: m.ID, Name: m.Name, Version: m.Version, Provider: m.Provider,
		Kind: string(m.Kind), Scope: scope, RefusedBy: []Refusal{},
	}
	req, err := RequestOf(m)
	if err != nil {
		r.Can = []string{}
		r.Problems = append(r.Problems, Problem{Rule: ProblemUnreadablePermission, Reason: err.Error()})
		return r
	}
	r.Model = req.Kind
	r.describe(req, m)

	if opts.ForInstall && scope == ScopeUser && p.BlockUserInstalls {
		r.RefusedBy = append(r.RefusedBy, Refusal{Policy: PolicyBlockUserInstalls, Value: "true", Asked: "an install for you only (scope user)",
			Reason: "your administrator's BlockUserInstalls policy is on, so users cannot install add-ins for themselves; ask an administrator to install it for this machine"})
	}
	r.RefusedBy = append(r.RefusedBy, managedRefusals(m.ID, p)...)
	r.checkCaps(p.Caps, req)
	r.checkURLs(m, p.AllowLoopbackSideload)
	if req.Kind == permissions.KindMail && tierIs(req.Tier, permissions.MailRestricted) && m.HasRegexOrAttachmentRules() {
		r.Problems = append(r.Problems, Problem{Rule: ProblemRestrictedRules,
			Reason: "the add-in asks for Restricted permission but its activation rules use regular expressions or attachments, which Outlook allows only from ReadItem up; the publisher must fix the manifest"})
	}
	r.decide()
	return r
}

// decide is the one decision `addingov permissions` reports and install obeys: the
// add-in is allowed only when no policy refuses it and the manifest has no problem no
// policy can allow (plain-http URLs, an unreadable permission, rules its level may not
// use).
func (r *Report) decide() {
	r.AllowedByPolicy = len(r.RefusedBy) == 0 && len(r.Problems) == 0
}

func tierIs(tier string, want permissions.MailTier) bool {
	t, err := permissions.ParseMailTier(tier)
	return err == nil && t == want
}

// describe fills the plain words and, for SharePoint, the scopes, rights and ignored
// requests.
func (r *Report) describe(req permissions.PermissionRequest, m *manifest.Manifest) {
	switch req.Kind {
	case permissions.KindMail, permissions.KindDocument:
		r.Tier = req.Tier
		r.Can = []string{}
		for _, l := range req.Levels() {
			lr := LevelReport{Model: l.Kind, Tier: l.Tier, Can: permissions.Describe(l.Kind, l.Tier)}
			if ml, ok := m.Level(string(l.Kind)); ok {
				lr.Asked, lr.Hosts = ml.Asked, ml.Hosts
			}
			r.Permissions = append(r.Permissions, lr)
			r.Can = append(r.Can, lr.Can...)
		}
		return
	}
	known, ignored := permissions.KnownPermissions(req.SharePoint)
	r.Scopes, r.Rights = []string{}, []string{}
	seenScope, seenRight := map[string]bool{}, map[string]bool{}
	for _, p := range known {
		if s := string(p.Scope); !seenScope[s] {
			seenScope[s] = true
			r.Scopes = append(r.Scopes, s)
		}
		if e := p.String(); !seenRight[e] {
			seenRight[e] = true
			r.Rights = append(r.Rights, e)
		}
	}
	for _, ig := range ignored {
		r.Ignored = append(r.Ignored, IgnoredRequest{Scope: ig.Request.Scope, Right: ig.Request.Right, Reason: ig.Reason})
	}
	r.AllowAppOnly = req.AllowAppOnly
	r.Can = permissions.DescribeRequests(req.SharePoint)
	if len(known) == 0 {
		r.Can = append([]string{"asks for no SharePoint permissions it could be granted"}, r.Can...)
	}
	if req.AllowAppOnly && len(known) > 0 {
		r.Can = append(r.Can, "can use what it is granted on its own, even when no user is signed in (app-only policy)")
	}
}

// managedRefusals applies the managed add-in list: mode 0 blocks the add-in, and
// BlockUnmanagedAddins blocks add-ins absent from the list while it is enabled.
func managedRefusals(id string, p Policy) []Refusal {
	mode, listed := p.managedMode(id)
	switch {
	case listed && mode == governance.ManagedBlocked:
		return []Refusal{{Policy: PolicyManagedAddins, Value: fmt.Sprintf("%d (%s)", int(mode), mode), Asked: id,
			Reason: fmt.Sprintf("your administrator's managed add-in list (ManagedAddins) sets %s to 0: it is blocked and cannot be installed", id)}}
	case !listed && p.BlockUnmanaged && (p.ListEnabled || len(p.Managed) > 0):
		return []Refusal{{Policy: PolicyBlockUnmanagedAddins, Value: "true", Asked: id,
			Reason: fmt.Sprintf("your administrator's BlockUnmanagedAddins policy allows only add-ins on the managed list, and %s is not on it", id)}}
	}
	return nil
}

// checkCaps applies the permission ceilings, each level against its own model's. A
// level the model cannot read is a problem of the manifest; an unreadable ceiling
// refuses, since allowing would be a guess.
func (r *Report) checkCaps(c permissions.Caps, req permissions.PermissionRequest) {
	if req.Kind == permissions.KindSharePoint {
		r.applyCaps(c, req, permissions.PolicyBlockedSharePointRights, "")
		return
	}
	for _, l := range req.Levels() {
		one := permissions.PermissionRequest{Kind: l.Kind, Tier: l.Tier}
		if err := validTier(one); err != nil {
			r.Problems = append(r.Problems, Problem{Rule: ProblemUnreadablePermission, Reason: "the manifest's permission: " + err.Error()})
			continue
		}
		policy, _ := c.CapOf(l.Kind)
		r.applyCaps(c, one, policy, l.Tier)
	}
}

func (r *Report) applyCaps(c permissions.Caps, req permissions.PermissionRequest, policy, asked string) {
	refusals, err := permissions.CheckCaps(c, req)
	for _, cr := range refusals {
		r.RefusedBy = append(r.RefusedBy, refusalFrom(cr))
	}
	if err != nil {
		r.RefusedBy = append(r.RefusedBy, Refusal{Policy: policy, Value: "unreadable", Asked: asked,
			Reason: "the permission ceiling cannot be read (" + err.Error() + "); ask your administrator to correct it"})
	}
}

// refusalFrom converts a cap refusal, making sure its words name the policy.
func refusalFrom(cr permissions.CapRefusal) Refusal {
	reason := cr.Reason
	if !strings.Contains(reason, cr.Policy) {
		reason += " (policy " + cr.Policy + ")"
	}
	return Refusal{Policy: cr.Policy, Value: cr.Value, Asked: cr.Asked, Reason: reason}
}

func validTier(req permissions.PermissionRequest) error {
	var err error
	switch req.Kind {
	case permissions.KindMail:
		_, err = permissions.ParseMailTier(req.Tier)
	case permissions.KindDocument:
		_, err = permissions.ParseDocumentTier(req.Tier)
	}
	return err
}

// checkURLs refuses plain http: loopback URLs only when AllowLoopbackSideload is off
// (a policy refusal, for developers' local servers), any other plain-http URL always
// (a manifest problem: no policy makes it safe).
func (r *Report) checkURLs(m *manifest.Manifest, allowLoopback bool) {
	remote := m.PlainHTTPURLs(true)
	if len(remote) > 0 {
		r.Problems = append(r.Problems, Problem{Rule: ProblemPlainHTTP, URLs: remote,
			Reason: "the manifest loads plain-http URLs, which anyone on the network can tamper with: " + strings.Join(remote, ", ") + "; the publisher must serve them over https"})
	}
	if allowLoopback {
		return
	}
	var loopback []string
	remoteSet := map[string]bool{}
	for _, u := range remote {
		remoteSet[u] = true
	}
	for _, u := range m.PlainHTTPURLs(false) {
		if !remoteSet[u] {
			loopback = append(loopback, u)
		}
	}
	if len(loopback) > 0 {
		sort.Strings(loopback)
		r.RefusedBy = append(r.RefusedBy, Refusal{Policy: PolicyAllowLoopbackSideload, Value: "false", Asked: strings.Join(loopback, ", "),
			Reason: "the manifest loads plain-http URLs on this machine (" + strings.Join(loopback, ", ") + "), which only developers' test installs use; your administrator's AllowLoopbackSideload policy is off"})
	}
}

// ConsentNeeded says whether installing newReq needs the user's consent: always for an
// add-in not installed before (old == nil), and for a reinstall that asks for more
// than the installed manifest did.
func ConsentNeeded(old *permissions.PermissionRequest, newReq permissions.PermissionRequest) (bool, string) {
	if old == nil {
		return true, "it is a new add-in: you are asked once what it may do"
	}
	if permissions.MoreThan(*old, newReq) {
		return true, "this version asks for more than the installed one (" + summary(*old) + " before, " + summary(newReq) + " now)"
	}
	return false, "this version asks for nothing more than the installed one"
}

// summary names what a request asks for in a few words.
func summary(r permissions.PermissionRequest) string {
	if r.Kind != permissions.KindSharePoint {
		parts := []string{}
		for _, l := range r.Levels() {
			parts = append(parts, l.Tier)
		}
		return strings.Join(parts, " + ")
	}
	known, _ := permissions.KnownPermissions(r.SharePoint)
	parts := make([]string, 0, len(known)+1)
	for _, p := range known {
		parts = append(parts, p.String())
	}
	if r.AllowAppOnly {
		parts = append(parts, "app-only")
	}
	if len(parts) == 0 {
		return "no SharePoint permissions"
	}
	return strings.Join(parts, ", ")
}
