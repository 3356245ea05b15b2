package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Format is the manifest's file format.
type Format string

// Manifest formats.
const (
	FormatXML        Format = "xml"        // Office add-in XML (OfficeApp)
	FormatSharePoint Format = "sharepoint" // SharePoint AppManifest.xml (App)
	FormatJSON       Format = "json"       // unified manifest for Microsoft 365
)

// Kind is what sort of add-in a manifest describes; it selects the permission model.
type Kind string

// Add-in kinds.
const (
	KindMail       Kind = "mail"
	KindTaskPane   Kind = "taskpane"
	KindContent    Kind = "content"
	KindSharePoint Kind = "sharepoint"
)

// Manifest is a parsed add-in manifest, normalised across the three formats. The
// fields above the blank line are filled for every format; the rest only where the
// format has them.
type Manifest struct {
	Format        Format   `json:"format"`
	Kind          Kind     `json:"kind"`
	ID            string   `json:"id"`
	Version       string   `json:"version"`
	Provider      string   `json:"provider,omitempty"`
	Name          string   `json:"name"`
	Description   string   `json:"description,omitempty"`
	DefaultLocale string   `json:"default_locale,omitempty"`
	Hosts         []string `json:"hosts,omitempty"`
	// Permission is the tier as Microsoft's XML spells it: Restricted, ReadItem,
	// ReadWriteItem, ReadWriteMailbox for mail add-ins; Restricted, ReadDocument,
	// ReadAllDocument, WriteDocument, ReadWriteDocument for task pane and content
	// add-ins. For JSON manifests it is mapped from ResourceSpecific (see the package
	// documentation). Empty for SharePoint add-ins, whose permissions are SharePoint.
	Permission string `json:"permission,omitempty"`
	// PermissionLevels is every level the manifest asks for, one per model, the
	// manifest kind's own model first (its Tier is Permission). An XML manifest has one;
	// a unified manifest may ask for a mailbox and a document permission together, and
	// each is shown and checked against its own cap. Empty for SharePoint add-ins.
	PermissionLevels []PermissionLevel `json:"permission_levels,omitempty"`
	// ResourceSpecific lists a JSON manifest's authorization.permissions.resourceSpecific
	// names as written, including supplementary ones that have no tier.
	ResourceSpecific []string               `json:"resource_specific,omitempty"`
	SharePoint       *SharePointPermissions `json:"sharepoint,omitempty"`
	// Rules is the manifest's own activation rule tree (mail add-ins), nil if none.
	Rules            *Rule             `json:"rules,omitempty"`
	VersionOverrides *VersionOverrides `json:"version_overrides,omitempty"`
	// URLs lists every URL or domain the host would load or trust, so an installer
	// can refuse plain http. Values are as written, including tokens such as
	// ~remoteAppUrl that the host substitutes.
	URLs   []URLRef `json:"urls,omitempty"`
	Size   int      `json:"size"`   // bytes of the raw manifest
	Digest string   `json:"digest"` // SHA-256 of the raw manifest, lower-case hex

	// Office XML.
	LocalizedNames            map[string]string `json:"localized_names,omitempty"`        // locale → DisplayName override
	LocalizedDescriptions     map[string]string `json:"localized_descriptions,omitempty"` // locale → Description override
	IconURL                   string            `json:"icon_url,omitempty"`
	HighResolutionIconURL     string            `json:"high_resolution_icon_url,omitempty"`
	SupportURL                string            `json:"support_url,omitempty"`
	AppDomains                []string          `json:"app_domains,omitempty"`
	Requirements              *Requirements     `json:"requirements,omitempty"`
	SourceLocations           []SourceLocation  `json:"source_locations,omitempty"`
	DisableEntityHighlighting bool              `json:"disable_entity_highlighting,omitempty"`

	// SharePoint.
	SharePointApp *SharePointApp `json:"sharepoint_app,omitempty"`

	// Unified JSON.
	FullName        string      `json:"full_name,omitempty"`
	FullDescription string      `json:"full_description,omitempty"`
	ValidDomains    []string    `json:"valid_domains,omitempty"`
	Extensions      []Extension `json:"extensions,omitempty"`

	urlSeen map[URLRef]bool // addURL's duplicate check while parsing
}

// URLRef is one URL a manifest makes the host load or trust.
type URLRef struct {
	// Kind says where it came from: SourceLocation, IconUrl, HighResolutionIconUrl,
	// SupportUrl, AppDomain, Resource (a VersionOverrides bt:Url), Image (a bt:Image),
	// StartPage (SharePoint), RuntimePage, RuntimeScript, Icon, ValidDomain (JSON).
	Kind string `json:"kind"`
	URL  string `json:"url"`
}

// Requirements are the API requirement sets and methods an add-in needs.
type Requirements struct {
	Sets    []RequirementSet `json:"sets,omitempty"`
	Methods []string         `json:"methods,omitempty"`
	// Scopes and FormFactors come from JSON manifests only.
	Scopes      []string `json:"scopes,omitempty"`
	FormFactors []string `json:"form_factors,omitempty"`
}

// RequirementSet is one requirement set with its minimum version (the set's own or,
// when it has none, its Sets element's DefaultMinVersion).
type RequirementSet struct {
	Name       string `json:"name"`
	MinVersion string `json:"min_version,omitempty"`
}

// SourceLocation is one page the host opens for a form.
type SourceLocation struct {
	// Form is the form type: ItemRead or ItemEdit (mail FormSettings), DefaultSettings
	// (task pane and content add-ins), or empty for a 1.0-schema mail add-in that puts
	// DesktopSettings directly under OfficeApp.
	Form string `json:"form,omitempty"`
	// Settings is DesktopSettings, TabletSettings or PhoneSettings for mail forms.
	Settings  string            `json:"settings,omitempty"`
	URL       string            `json:"url"`
	Overrides map[string]string `json:"overrides,omitempty"` // locale → URL
}

// Parse detects the manifest's format and parses it: a JSON object is a unified
// manifest, an XML document rooted at OfficeApp an Office add-in and one rooted at App
// a SharePoint add-in. The 256 KB limit is applied before any parsing.
func Parse(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestBytes {
		return nil, &LimitError{Limit: LimitManifestSize, Max: MaxManifestBytes, Got: len(data)}
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, utf8BOM), " \t\r\n")
	if len(trimmed) == 0 {
		return nil, errors.New("manifest is empty: pass an add-in manifest (XML or JSON)")
	}
	if trimmed[0] == '{' {
		return ParseJSON(data)
	}
	root, err := decodeXMLTree(data)
	if err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	switch root.Name {
	case "OfficeApp":
		return officeFromTree(root, data)
	case "App":
		return sharePointFromTree(root, data)
	}
	return nil, fmt.Errorf("parse manifest: root element <%s> is neither an Office add-in (<OfficeApp>) nor a SharePoint add-in (<App>)", root.Name)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// stamp fills the fields every format shares from the raw bytes.
func (m *Manifest) stamp(data []byte) {
	sum := sha256.Sum256(data)
	m.Size = len(data)
	m.Digest = hex.EncodeToString(sum[:])
}

// addURL records a URL reference, skipping empty values and exact repeats.
func (m *Manifest) addURL(kind, u string) {
	u = strings.TrimSpace(u)
	if u == "" {
		return
	}
	ref := URLRef{Kind: kind, URL: u}
	if m.urlSeen == nil {
		m.urlSeen = map[URLRef]bool{}
	}
	if m.urlSeen[ref] {
		return
	}
	m.urlSeen[ref] = true
	m.URLs = append(m.URLs, ref)
}

// RuleSets returns each activation rule set a client might evaluate: the manifest's
// own rules, then, for each VersionOverrides level, the rules of its extension points.
// Empty sets are omitted.
func (m *Manifest) RuleSets() [][]*Rule {
	var sets [][]*Rule
	if m.Rules != nil {
		sets = append(sets, []*Rule{m.Rules})
	}
	for vo := m.VersionOverrides; vo != nil; vo = vo.Nested {
		if rs := vo.Rules(); len(rs) > 0 {
			sets = append(sets, rs)
		}
	}
	return sets
}

// HasRegexOrAttachmentRules reports whether any activation rule, in the manifest's own
// rules or in its VersionOverrides, is an ItemHasRegularExpressionMatch, an
// ItemHasAttachment or an ItemHasKnownEntity with a RegExFilter. Microsoft's
// Restricted tier may not use them, so an installer refuses such a Restricted add-in.
func (m *Manifest) HasRegexOrAttachmentRules() bool {
	for _, set := range m.RuleSets() {
		for _, r := range set {
			if r.hasRegexOrAttachment() {
				return true
			}
		}
	}
	return false
}

// PlainHTTPURLs returns the distinct URLs that use plain http://, in manifest order.
// With allowLoopback, those whose host is localhost or a loopback address (127.0.0.0/8,
// [::1]) are left out, for developers' local servers.
func (m *Manifest) PlainHTTPURLs(allowLoopback bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range m.URLs {
		u := r.URL
		if len(u) < len("http://") || !strings.EqualFold(u[:len("http://")], "http://") {
			continue
		}
		if allowLoopback && isLoopbackURL(u) {
			continue
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
