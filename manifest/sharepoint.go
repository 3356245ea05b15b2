package manifest

import (
	"errors"
	"fmt"
	"strings"
)

// SharePointPermissions are a SharePoint add-in's <AppPermissionRequests>. The
// permissions package interprets the scopes and rights; this package only reads them.
type SharePointPermissions struct {
	// AllowAppOnlyPolicy lets the add-in call SharePoint without a user context.
	AllowAppOnlyPolicy bool                `json:"allow_app_only_policy,omitempty"`
	Requests           []PermissionRequest `json:"requests,omitempty"`
}

// PermissionRequest is one <AppPermissionRequest Scope=… Right=…>, with its <Property
// Name=… Value=…/> children (for example BaseTemplateId on the list scope).
type PermissionRequest struct {
	Scope      string            `json:"scope"`
	Right      string            `json:"right"`
	Properties map[string]string `json:"properties,omitempty"`
}

// SharePointApp is the rest of a SharePoint AppManifest.xml.
type SharePointApp struct {
	ProductID            string       `json:"product_id"`
	Name                 string       `json:"name"`
	Title                string       `json:"title,omitempty"`
	StartPage            string       `json:"start_page,omitempty"`
	SharePointMinVersion string       `json:"sharepoint_min_version,omitempty"`
	Principal            AppPrincipal `json:"principal"`
}

// AppPrincipal says how the add-in authenticates to SharePoint.
type AppPrincipal struct {
	// Kind is RemoteWebApplication (provider-hosted), Internal (SharePoint-hosted) or
	// AutoDeployedWebApplication; empty when the manifest has no AppPrincipal.
	Kind     string `json:"kind,omitempty"`
	ClientID string `json:"client_id,omitempty"` // RemoteWebApplication only; "*" until packaged
}

// ParseSharePoint parses a SharePoint add-in AppManifest.xml (root <App>).
func ParseSharePoint(data []byte) (*Manifest, error) {
	root, err := decodeXMLTree(data)
	if err != nil {
		return nil, fmt.Errorf("parse SharePoint add-in manifest: %w", err)
	}
	if root.Name != "App" {
		return nil, fmt.Errorf("parse SharePoint add-in manifest: root element is <%s>, not <App>", root.Name)
	}
	return sharePointFromTree(root, data)
}

func sharePointFromTree(root *xmlNode, data []byte) (*Manifest, error) {
	app := &SharePointApp{
		ProductID:            root.attrValue("ProductID"),
		Name:                 root.attrValue("Name"),
		SharePointMinVersion: root.attrValue("SharePointMinVersion"),
	}
	if app.ProductID == "" {
		return nil, errors.New("parse SharePoint add-in manifest: <App> has no ProductID: every add-in needs a unique id (a GUID)")
	}
	props := root.child("Properties")
	app.Title = props.childText("Title")
	app.StartPage = props.childText("StartPage")
	if p := root.child("AppPrincipal"); p != nil {
		for _, c := range p.Children {
			switch c.Name {
			case "RemoteWebApplication", "Internal", "AutoDeployedWebApplication":
				app.Principal = AppPrincipal{Kind: c.Name, ClientID: c.attrValue("ClientId")}
			}
		}
	}

	m := &Manifest{
		Format:        FormatSharePoint,
		Kind:          KindSharePoint,
		ID:            app.ProductID,
		Version:       root.attrValue("Version"),
		Name:          app.Title,
		DefaultLocale: root.attrValue("DefaultLocale"),
		Hosts:         []string{"SharePoint"},
		SharePointApp: app,
	}
	if m.Name == "" {
		m.Name = app.Name
	}
	m.stamp(data)
	m.addURL("StartPage", app.StartPage)

	sp := &SharePointPermissions{}
	if reqs := root.child("AppPermissionRequests"); reqs != nil {
		var err error
		if sp, err = permissionRequestsFrom(reqs); err != nil {
			return nil, fmt.Errorf("parse SharePoint add-in manifest: %w", err)
		}
	}
	m.SharePoint = sp
	m.urlSeen = nil
	return m, nil
}

// ParsePermissionRequests parses permission requests written exactly as in an
// AppManifest: either one <AppPermissionRequests AllowAppOnlyPolicy=…> element or one
// or more bare <AppPermissionRequest …/> elements (any namespace). It is what
// `addingov grants regrant ID --request FILE.xml` reads, and applies the same
// hostile-XML protections as the manifest parsers.
func ParsePermissionRequests(data []byte) (*SharePointPermissions, error) {
	// Bare request elements have no single root; wrap them so the decoder sees one
	// document. The size check is on the caller's bytes, before the wrapper.
	if len(data) > MaxManifestBytes {
		return nil, &LimitError{Limit: LimitManifestSize, Max: MaxManifestBytes, Got: len(data)}
	}
	utf8Data, err := toUTF8(data)
	if err != nil {
		return nil, fmt.Errorf("parse permission requests: %w", err)
	}
	body := stripXMLDeclaration(string(utf8Data))
	wrapped := "<requestsFile>" + body + "</requestsFile>"
	root, err := decodeUTF8XMLTree([]byte(wrapped))
	if err != nil {
		return nil, fmt.Errorf("parse permission requests: %w", err)
	}
	switch {
	case len(root.Children) == 1 && root.Children[0].Name == "AppPermissionRequests":
		sp, err := permissionRequestsFrom(root.Children[0])
		if err != nil {
			return nil, fmt.Errorf("parse permission requests: %w", err)
		}
		return sp, nil
	case len(root.Children) == 0:
		return nil, errors.New("parse permission requests: the file has no <AppPermissionRequests> or <AppPermissionRequest> element")
	}
	sp := &SharePointPermissions{}
	for _, c := range root.Children {
		if c.Name != "AppPermissionRequest" {
			return nil, fmt.Errorf("parse permission requests: unexpected <%s> (line %d): the file must hold one <AppPermissionRequests> element or only <AppPermissionRequest> elements", c.Name, c.Line)
		}
		r, err := permissionRequestFrom(c)
		if err != nil {
			return nil, fmt.Errorf("parse permission requests: %w", err)
		}
		sp.Requests = append(sp.Requests, r)
	}
	return sp, nil
}

// stripXMLDeclaration removes a leading <?xml …?> so the text can be wrapped in an
// element (a declaration is only legal at the very start of a document).
func stripXMLDeclaration(s string) string {
	t := strings.TrimLeft(s, " \t\r\n")
	if strings.HasPrefix(t, "<?xml") {
		if end := strings.Index(t, "?>"); end >= 0 {
			return t[end+2:]
		}
	}
	return s
}

func permissionRequestsFrom(n *xmlNode) (*SharePointPermissions, error) {
	sp := &SharePointPermissions{}
	if v, ok := n.attr("AllowAppOnlyPolicy"); ok {
		b, err := parseXSBool(v, "AllowAppOnlyPolicy")
		if err != nil {
			return nil, err
		}
		sp.AllowAppOnlyPolicy = b
	}
	for _, c := range n.childrenNamed("AppPermissionRequest") {
		r, err := permissionRequestFrom(c)
		if err != nil {
			return nil, err
		}
		sp.Requests = append(sp.Requests, r)
	}
	return sp, nil
}

func permissionRequestFrom(n *xmlNode) (PermissionRequest, error) {
	r := PermissionRequest{Scope: n.attrValue("Scope"), Right: n.attrValue("Right")}
	if r.Scope == "" || r.Right == "" {
		return r, fmt.Errorf("<AppPermissionRequest> on line %d needs both Scope and Right, e.g. Scope=\"http://sharepoint/content/sitecollection/web\" Right=\"Read\"", n.Line)
	}
	for _, p := range n.childrenNamed("Property") {
		name := p.attrValue("Name")
		if name == "" {
			return r, fmt.Errorf("<Property> on line %d has no Name", p.Line)
		}
		if r.Properties == nil {
			r.Properties = map[string]string{}
		}
		r.Properties[name] = p.attrValue("Value")
	}
	return r, nil
}
