package permissions

import (
	"errors"
	"fmt"
	"strings"
)

// Scope is a SharePoint permission request scope URI, e.g.
// "http://sharepoint/content/sitecollection/web". Scope URIs are literal names, not
// URLs ("Add-in permissions in SharePoint").
type Scope string

// Right is a right requested at a scope, e.g. "Write".
type Right string

// The content scopes. Each covers its children.
const (
	ScopeTenant         Scope = "http://sharepoint/content/tenant"
	ScopeSiteCollection Scope = "http://sharepoint/content/sitecollection"
	ScopeWeb            Scope = "http://sharepoint/content/sitecollection/web"
	ScopeList           Scope = "http://sharepoint/content/sitecollection/web/list"
)

// The other feature scopes.
const (
	ScopeSearch                     Scope = "http://sharepoint/search"
	ScopeTaxonomy                   Scope = "http://sharepoint/taxonomy"
	ScopeSocialTenant               Scope = "http://sharepoint/social/tenant"
	ScopeSocialCore                 Scope = "http://sharepoint/social/core"
	ScopeSocialMicrofeed            Scope = "http://sharepoint/social/microfeed"
	ScopeSocialTrimming             Scope = "http://sharepoint/social/trimming"
	ScopeBCSConnection              Scope = "http://sharepoint/bcs/connection"
	ScopeProjectServer              Scope = "http://sharepoint/projectserver"
	ScopeProjectServerProjects      Scope = "http://sharepoint/projectserver/projects"
	ScopeProjectServerProject       Scope = "http://sharepoint/projectserver/projects/project"
	ScopeProjectServerEnterpriseRes Scope = "http://sharepoint/projectserver/enterpriseresources"
	ScopeProjectServerStatusing     Scope = "http://sharepoint/projectserver/statusing"
	ScopeProjectServerReporting     Scope = "http://sharepoint/projectserver/reporting"
	ScopeProjectServerWorkflow      Scope = "http://sharepoint/projectserver/workflow"
)

// The rights SharePoint knows.
const (
	RightRead        Right = "Read"
	RightWrite       Right = "Write"
	RightManage      Right = "Manage"
	RightFullControl Right = "FullControl"
	// RightQueryAsUserIgnoreAppPrincipal is the search scope's only right: query with
	// the user's permissions, ignoring the add-in principal's.
	RightQueryAsUserIgnoreAppPrincipal Right = "QueryAsUserIgnoreAppPrincipal"
	RightSubmitStatus                  Right = "SubmitStatus" // Project Server statusing
	RightElevate                       Right = "Elevate"      // Project Server workflow
)

// rightRank orders the rights that form SharePoint's chain Read < Write < Manage <
// FullControl. Other rights compare equal only to themselves.
var rightRank = map[Right]int{RightRead: 1, RightWrite: 2, RightManage: 3, RightFullControl: 4}

var allRights = []Right{RightRead, RightWrite, RightManage, RightFullControl,
	RightQueryAsUserIgnoreAppPrincipal, RightSubmitStatus, RightElevate}

// RightIncludes reports whether holding a gives everything b gives: the same right, or
// both on the Read < Write < Manage < FullControl chain with a at or above b.
func RightIncludes(a, b Right) bool {
	if a == b {
		return a != ""
	}
	ra, okA := rightRank[a]
	rb, okB := rightRank[b]
	return okA && okB && ra >= rb
}

// scopeDef is one row of Microsoft's scope tables.
type scopeDef struct {
	scope  Scope
	parent Scope // the scope that covers this one; "" for none
	rights []Right
	// target says this scope's grants name an object (the chosen list, the web or site
	// collection the add-in is installed in), recorded as the grant's ObjectID.
	target bool
	table  string // the documentation table it comes from
}

// scopeDefs is every scope SharePoint knows with the rights it allows, from "Add-in
// permissions in SharePoint", tables 2–7. Only the content scopes and the Project
// Server projects/project pair are documented as covering their children; the other
// feature scopes stand alone.
var scopeDefs = []scopeDef{
	{ScopeTenant, "", chainRights, false, "Table 2 (content)"},
	{ScopeSiteCollection, ScopeTenant, chainRights, true, "Table 2 (content)"},
	{ScopeWeb, ScopeSiteCollection, chainRights, true, "Table 2 (content)"},
	{ScopeList, ScopeWeb, chainRights, true, "Table 2 (content)"},
	{ScopeBCSConnection, "", []Right{RightRead}, false, "Table 3 (BCS)"},
	{ScopeSearch, "", []Right{RightQueryAsUserIgnoreAppPrincipal}, false, "Table 4 (Search)"},
	{ScopeProjectServer, "", []Right{RightManage}, false, "Table 5 (Project Server)"},
	{ScopeProjectServerProjects, "", []Right{RightRead, RightWrite}, false, "Table 5 (Project Server)"},
	{ScopeProjectServerProject, ScopeProjectServerProjects, []Right{RightRead, RightWrite}, false, "Table 5 (Project Server)"},
	{ScopeProjectServerEnterpriseRes, "", []Right{RightRead, RightWrite}, false, "Table 5 (Project Server)"},
	{ScopeProjectServerStatusing, "", []Right{RightSubmitStatus}, false, "Table 5 (Project Server)"},
	{ScopeProjectServerReporting, "", []Right{RightRead}, false, "Table 5 (Project Server)"},
	{ScopeProjectServerWorkflow, "", []Right{RightElevate}, false, "Table 5 (Project Server)"},
	{ScopeSocialTenant, "", chainRights, false, "Table 6 (social)"},
	{ScopeSocialCore, "", chainRights, false, "Table 6 (social)"},
	{ScopeSocialMicrofeed, "", chainRights, false, "Table 6 (social)"},
	{ScopeSocialTrimming, "", chainRights, false, "Table 6 (social)"},
	{ScopeTaxonomy, "", []Right{RightRead, RightWrite}, false, "Table 7 (taxonomy)"},
}

var chainRights = []Right{RightRead, RightWrite, RightManage, RightFullControl}

var scopeIndex = func() map[Scope]*scopeDef {
	m := make(map[Scope]*scopeDef, len(scopeDefs))
	for i := range scopeDefs {
		m[scopeDefs[i].scope] = &scopeDefs[i]
	}
	return m
}()

// Scopes lists every scope SharePoint knows, in documentation order.
func Scopes() []Scope {
	out := make([]Scope, len(scopeDefs))
	for i, d := range scopeDefs {
		out[i] = d.scope
	}
	return out
}

// AllowedRights returns the rights a scope allows, or nil for an unknown scope.
func (s Scope) AllowedRights() []Right {
	d, ok := scopeIndex[s]
	if !ok {
		return nil
	}
	return append([]Right(nil), d.rights...)
}

// Known reports whether SharePoint knows the scope.
func (s Scope) Known() bool { _, ok := scopeIndex[s]; return ok }

// Parent returns the scope that covers s, or "" when none does.
func (s Scope) Parent() Scope {
	if d, ok := scopeIndex[s]; ok {
		return d.parent
	}
	return ""
}

// Covers reports whether a grant at s applies at o: the same scope or an ancestor.
func (s Scope) Covers(o Scope) bool {
	for c := o; c != ""; c = c.Parent() {
		if c == s {
			return true
		}
	}
	return false
}

// targeted reports whether grants at s name an object (list, web, site collection).
func (s Scope) targeted() bool {
	d, ok := scopeIndex[s]
	return ok && d.target
}

// Errors that classify why SharePoint would not know a permission.
var (
	ErrUnknownScope = errors.New("unknown scope: SharePoint does not know it")
	ErrUnknownRight = errors.New("right not allowed at this scope")
)

// ParseScope matches a scope URI case-insensitively, ignoring surrounding spaces and a
// trailing slash, and returns its canonical spelling. The error wraps ErrUnknownScope.
func ParseScope(s string) (Scope, error) {
	key := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "/")
	if _, ok := scopeIndex[Scope(key)]; ok {
		return Scope(key), nil
	}
	return "", fmt.Errorf("%w: %q (known scopes start with http://sharepoint/content, /search, /taxonomy, /social, /bcs or /projectserver)", ErrUnknownScope, s)
}

// ParseRight matches a right name case-insensitively against every right SharePoint
// knows and returns its canonical spelling. The error wraps ErrUnknownRight.
func ParseRight(s string) (Right, error) {
	key := strings.TrimSpace(s)
	for _, r := range allRights {
		if strings.EqualFold(string(r), key) {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w: %q is not a SharePoint right (use one of %s)", ErrUnknownRight, s, joinRights(allRights))
}

func joinRights(rs []Right) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = string(r)
	}
	return strings.Join(parts, ", ")
}

// Permission is a right at a scope that SharePoint knows.
type Permission struct {
	Scope Scope `json:"scope"`
	Right Right `json:"right"`
}

// String returns the "scope-uri:Right" form used in policy entries.
func (p Permission) String() string { return string(p.Scope) + ":" + string(p.Right) }

// Covers reports whether holding p gives q: p's scope is q's or an ancestor, and p's
// right includes q's.
func (p Permission) Covers(q Permission) bool {
	return p.Scope.Covers(q.Scope) && RightIncludes(p.Right, q.Right)
}

// ParsePermission checks that SharePoint knows the scope and that the scope allows the
// right. Its error wraps ErrUnknownScope or ErrUnknownRight; SharePoint ignores such
// permissions rather than failing the install.
func ParsePermission(scope, right string) (Permission, error) {
	s, err := ParseScope(scope)
	if err != nil {
		return Permission{}, err
	}
	r, err := ParseRight(right)
	if err != nil {
		return Permission{}, fmt.Errorf("at %s: %w", s, err)
	}
	for _, allowed := range scopeIndex[s].rights {
		if allowed == r {
			return Permission{Scope: s, Right: r}, nil
		}
	}
	return Permission{}, fmt.Errorf("%w: %s at %s (it allows %s)", ErrUnknownRight, r, s, joinRights(scopeIndex[s].rights))
}

// ParseSharePointEntry parses a "scope-uri:Right" entry, as administrators write them
// in BlockedSharePointRights. The right follows the last colon, since the URI has one
// of its own.
func ParseSharePointEntry(entry string) (Permission, error) {
	e := strings.TrimSpace(entry)
	i := strings.LastIndex(e, ":")
	if i <= 0 || i == len(e)-1 || strings.HasSuffix(e[:i], "http") {
		return Permission{}, fmt.Errorf("SharePoint entry %q: write it as scope-uri:Right, e.g. %s:%s", entry, ScopeWeb, RightWrite)
	}
	p, err := ParsePermission(e[:i], e[i+1:])
	if err != nil {
		return Permission{}, fmt.Errorf("SharePoint entry %q: %w", entry, err)
	}
	return p, nil
}
