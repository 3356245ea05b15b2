package manifest

import (
	"fmt"
	"strings"
)

// Office add-in permission tiers, as the XML <Permissions> element spells them.
const (
	PermRestricted        = "Restricted"
	PermReadItem          = "ReadItem"
	PermReadWriteItem     = "ReadWriteItem"
	PermReadWriteMailbox  = "ReadWriteMailbox"
	PermReadDocument      = "ReadDocument"
	PermReadAllDocument   = "ReadAllDocument"
	PermWriteDocument     = "WriteDocument"
	PermReadWriteDocument = "ReadWriteDocument"
)

var (
	mailPermissions     = []string{PermRestricted, PermReadItem, PermReadWriteItem, PermReadWriteMailbox}
	documentPermissions = []string{PermRestricted, PermReadDocument, PermReadAllDocument, PermWriteDocument, PermReadWriteDocument}
)

// ParseOfficeXML parses an Office add-in XML manifest (root <OfficeApp> with xsi:type
// MailApp, TaskPaneApp or ContentApp). It refuses manifests over Microsoft's
// activation limits with a *LimitError, and rules whose regular expressions RE2
// cannot compile.
func ParseOfficeXML(data []byte) (*Manifest, error) {
	root, err := decodeXMLTree(data)
	if err != nil {
		return nil, fmt.Errorf("parse Office add-in manifest: %w", err)
	}
	if root.Name != "OfficeApp" {
		return nil, fmt.Errorf("parse Office add-in manifest: root element is <%s>, not <OfficeApp>", root.Name)
	}
	return officeFromTree(root, data)
}

func officeFromTree(root *xmlNode, data []byte) (*Manifest, error) {
	m := &Manifest{Format: FormatXML}
	m.stamp(data)
	if err := m.fillOffice(root); err != nil {
		return nil, fmt.Errorf("parse Office add-in manifest: %w", err)
	}
	if err := checkRuleLimits(m.RuleSets()); err != nil {
		return nil, err
	}
	m.urlSeen = nil
	return m, nil
}

func (m *Manifest) fillOffice(root *xmlNode) error {
	switch t := root.xsiType(); t {
	case "MailApp":
		m.Kind = KindMail
	case "TaskPaneApp":
		m.Kind = KindTaskPane
	case "ContentApp":
		m.Kind = KindContent
	case "":
		return fmt.Errorf("<OfficeApp> has no xsi:type: it must be MailApp, TaskPaneApp or ContentApp")
	default:
		return fmt.Errorf("<OfficeApp> xsi:type %q is unknown: it must be MailApp, TaskPaneApp or ContentApp", t)
	}

	m.ID = root.childText("Id")
	if m.ID == "" {
		return fmt.Errorf("<Id> is missing: every add-in needs a unique id (a GUID)")
	}
	m.Version = root.childText("Version")
	m.Provider = root.childText("ProviderName")
	m.DefaultLocale = root.childText("DefaultLocale")
	m.Name, m.LocalizedNames = localizedValue(root.child("DisplayName"))
	m.Description, m.LocalizedDescriptions = localizedValue(root.child("Description"))

	m.IconURL = m.localizedURL(root.child("IconUrl"), "IconUrl")
	m.HighResolutionIconURL = m.localizedURL(root.child("HighResolutionIconUrl"), "HighResolutionIconUrl")
	m.SupportURL = m.localizedURL(root.child("SupportUrl"), "SupportUrl")
	for _, d := range root.child("AppDomains").childrenNamed("AppDomain") {
		if v := strings.TrimSpace(d.Text); v != "" {
			m.AppDomains = append(m.AppDomains, v)
			m.addURL("AppDomain", v)
		}
	}

	m.Hosts = hostNames(root)
	if len(m.Hosts) == 0 && m.Kind == KindMail {
		m.Hosts = []string{"Mailbox"}
	}
	m.Requirements = parseRequirements(root.child("Requirements"))
	m.fillSourceLocations(root)

	if rn := root.child("Rule"); rn != nil {
		r, err := parseRule(rn, "Rule")
		if err != nil {
			return err
		}
		m.Rules = r
	}
	if v := root.child("DisableEntityHighlighting"); v != nil {
		b, err := parseXSBool(v.Text, "DisableEntityHighlighting")
		if err != nil {
			return err
		}
		m.DisableEntityHighlighting = b
	}

	if vn := root.child("VersionOverrides"); vn != nil {
		vo, err := parseVersionOverrides(vn, "VersionOverrides", 0)
		if err != nil {
			return err
		}
		m.VersionOverrides = vo
		vo.addURLs(m)
	}
	if err := m.checkXMLHostModels(root); err != nil {
		return err
	}
	return m.xmlPermissionLevel(root)
}

// localizedValue reads an element with a DefaultValue attribute and <Override
// Locale="…" Value="…"/> children.
func localizedValue(n *xmlNode) (string, map[string]string) {
	if n == nil {
		return "", nil
	}
	var overrides map[string]string
	for _, o := range n.childrenNamed("Override") {
		loc, val := o.attrValue("Locale"), o.attrValue("Value")
		if loc == "" {
			continue
		}
		if overrides == nil {
			overrides = map[string]string{}
		}
		overrides[loc] = val
	}
	return n.attrValue("DefaultValue"), overrides
}

// localizedURL reads a localized URL element and records its default and every
// override as URLs of the given kind.
func (m *Manifest) localizedURL(n *xmlNode, kind string) string {
	def, overrides := localizedValue(n)
	m.addURL(kind, def)
	for _, loc := range sortedKeys(overrides) {
		m.addURL(kind, overrides[loc])
	}
	return def
}

// hostNames reads <Hosts><Host Name=…/> (schema 1.1) and <Capabilities><Capability
// Name=…/> (schema 1.0).
func hostNames(root *xmlNode) []string {
	var out []string
	for _, h := range root.child("Hosts").childrenNamed("Host") {
		if v := h.attrValue("Name"); v != "" {
			out = append(out, v)
		}
	}
	for _, c := range root.child("Capabilities").childrenNamed("Capability") {
		if v := c.attrValue("Name"); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseRequirements reads <Requirements><Sets DefaultMinVersion><Set Name MinVersion/>
// and <Methods><Method Name/>, in either the appforoffice or the bt: namespace.
func parseRequirements(n *xmlNode) *Requirements {
	if n == nil {
		return nil
	}
	req := &Requirements{}
	for _, sets := range n.childrenNamed("Sets") {
		def := sets.attrValue("DefaultMinVersion")
		for _, s := range sets.childrenNamed("Set") {
			v := s.attrValue("MinVersion")
			if v == "" {
				v = def
			}
			req.Sets = append(req.Sets, RequirementSet{Name: s.attrValue("Name"), MinVersion: v})
		}
	}
	for _, methods := range n.childrenNamed("Methods") {
		for _, meth := range methods.childrenNamed("Method") {
			if v := meth.attrValue("Name"); v != "" {
				req.Methods = append(req.Methods, v)
			}
		}
	}
	if len(req.Sets) == 0 && len(req.Methods) == 0 {
		return nil
	}
	return req
}

// fillSourceLocations collects every SourceLocation of the classic schema: mail
// FormSettings/Form (with its form type and device settings), a 1.0 mail add-in's
// top-level DesktopSettings/TabletSettings, and task pane/content DefaultSettings.
func (m *Manifest) fillSourceLocations(root *xmlNode) {
	add := func(form, settings string, n *xmlNode) {
		sl := n.child("SourceLocation")
		if sl == nil {
			return
		}
		def, overrides := localizedValue(sl)
		m.SourceLocations = append(m.SourceLocations, SourceLocation{Form: form, Settings: settings, URL: def, Overrides: overrides})
		m.addURL("SourceLocation", def)
		for _, loc := range sortedKeys(overrides) {
			m.addURL("SourceLocation", overrides[loc])
		}
	}
	for _, form := range root.child("FormSettings").childrenNamed("Form") {
		for _, s := range form.Children {
			add(form.xsiType(), s.Name, s)
		}
	}
	for _, name := range []string{"DesktopSettings", "TabletSettings", "PhoneSettings"} {
		if s := root.child(name); s != nil {
			add("", name, s)
		}
	}
	if d := root.child("DefaultSettings"); d != nil {
		add("DefaultSettings", "", d)
	}
}
