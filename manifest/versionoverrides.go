package manifest

import (
	"fmt"
	"slices"
	"strings"
)

// VersionOverrides is an Office XML manifest's <VersionOverrides> element: the add-in
// commands, event-based activation and resources that clients newer than the classic
// schema use instead of (most of) the elements above it. Outlook manifests nest a
// VersionOverridesV1_1 inside a VersionOverridesV1_0; that inner one is Nested.
type VersionOverrides struct {
	Type         string              `json:"type"` // e.g. VersionOverridesV1_0
	Description  string              `json:"description_resid,omitempty"`
	Requirements *Requirements       `json:"requirements,omitempty"`
	Hosts        []VOHost            `json:"hosts,omitempty"`
	URLs         map[string]string   `json:"urls,omitempty"`   // Resources bt:Urls: id → DefaultValue
	Images       map[string]string   `json:"images,omitempty"` // Resources bt:Images: id → DefaultValue
	WebAppInfo   *WebApplicationInfo `json:"web_application_info,omitempty"`
	// Rule is a <Rule> placed directly in the VersionOverrides rather than in an
	// extension point; Microsoft's samples do not, but the schema's Rule type allows it.
	Rule   *Rule             `json:"rule,omitempty"`
	Nested *VersionOverrides `json:"nested,omitempty"`

	// resourceOverrides keeps the localized URL overrides so every URL the host might
	// load is listed, without burdening the public shape.
	resourceOverrides []URLRef
}

// VOHost is one <Host xsi:type=…> of a VersionOverrides (MailHost, Workbook, Document…).
type VOHost struct {
	Type            string           `json:"type"`
	Runtimes        []VORuntime      `json:"runtimes,omitempty"`
	ExtensionPoints []ExtensionPoint `json:"extension_points,omitempty"`
}

// VORuntime is a <Runtime resid=… lifetime=…> used by shared runtimes and event-based
// activation.
type VORuntime struct {
	Resid    string `json:"resid"`
	Lifetime string `json:"lifetime,omitempty"`
}

// ExtensionPoint is one <ExtensionPoint xsi:type=…>.
type ExtensionPoint struct {
	Type       string `json:"type"`        // MessageReadCommandSurface, LaunchEvent, DetectedEntity…
	FormFactor string `json:"form_factor"` // DesktopFormFactor, MobileFormFactor, AllFormFactors
	// SourceLocation is the resid of the extension point's own page, if it has one.
	SourceLocation string        `json:"source_location_resid,omitempty"`
	Rules          *Rule         `json:"rules,omitempty"` // DetectedEntity and CustomPane rules
	LaunchEvents   []LaunchEvent `json:"launch_events,omitempty"`
}

// LaunchEvent is an event-based activation trigger.
type LaunchEvent struct {
	Type         string `json:"type"` // OnNewMessageCompose, OnMessageSend…
	FunctionName string `json:"function_name,omitempty"`
}

// WebApplicationInfo is the add-in's Microsoft Entra application for single sign-on.
type WebApplicationInfo struct {
	ID       string   `json:"id"`
	Resource string   `json:"resource,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
}

// maxVersionOverridesNesting bounds VersionOverrides inside VersionOverrides. Microsoft
// nests one level (V1_1 in V1_0); two leaves room for a future level.
const maxVersionOverridesNesting = 2

func parseVersionOverrides(n *xmlNode, path string, level int) (*VersionOverrides, error) {
	vo := &VersionOverrides{Type: n.xsiType()}
	if d := n.child("Description"); d != nil {
		vo.Description = d.attrValue("resid")
	}
	vo.Requirements = parseRequirements(n.child("Requirements"))

	for hi, h := range n.child("Hosts").childrenNamed("Host") {
		host := VOHost{Type: h.xsiType()}
		for _, rt := range h.child("Runtimes").childrenNamed("Runtime") {
			host.Runtimes = append(host.Runtimes, VORuntime{Resid: rt.attrValue("resid"), Lifetime: rt.attrValue("lifetime")})
		}
		for _, ff := range h.Children {
			if !strings.HasSuffix(ff.Name, "FormFactor") && ff.Name != "AllFormFactors" {
				continue
			}
			for ei, e := range ff.childrenNamed("ExtensionPoint") {
				ep := ExtensionPoint{Type: e.xsiType(), FormFactor: ff.Name}
				if sl := e.child("SourceLocation"); sl != nil {
					ep.SourceLocation = sl.attrValue("resid")
				}
				if rn := e.child("Rule"); rn != nil {
					r, err := parseRule(rn, fmt.Sprintf("%s/Host[%d]/%s/ExtensionPoint[%d]/Rule", path, hi+1, ff.Name, ei+1))
					if err != nil {
						return nil, err
					}
					ep.Rules = r
				}
				for _, le := range e.child("LaunchEvents").childrenNamed("LaunchEvent") {
					ep.LaunchEvents = append(ep.LaunchEvents, LaunchEvent{Type: le.attrValue("Type"), FunctionName: le.attrValue("FunctionName")})
				}
				host.ExtensionPoints = append(host.ExtensionPoints, ep)
			}
		}
		vo.Hosts = append(vo.Hosts, host)
	}

	if rn := n.child("Rule"); rn != nil {
		r, err := parseRule(rn, path+"/Rule")
		if err != nil {
			return nil, err
		}
		vo.Rule = r
	}

	if res := n.child("Resources"); res != nil {
		vo.URLs = vo.resourceTable(res.child("Urls"), "Url", "Resource")
		vo.Images = vo.resourceTable(res.child("Images"), "Image", "Image")
	}

	if w := n.child("WebApplicationInfo"); w != nil {
		info := &WebApplicationInfo{ID: w.childText("Id"), Resource: w.childText("Resource")}
		for _, s := range w.child("Scopes").childrenNamed("Scope") {
			if v := strings.TrimSpace(s.Text); v != "" {
				info.Scopes = append(info.Scopes, v)
			}
		}
		vo.WebAppInfo = info
	}

	if inner := n.child("VersionOverrides"); inner != nil {
		if level+1 >= maxVersionOverridesNesting {
			return nil, fmt.Errorf("%s nests VersionOverrides more than %d deep: Microsoft's schema nests one level", path, maxVersionOverridesNesting)
		}
		nested, err := parseVersionOverrides(inner, path+"/VersionOverrides", level+1)
		if err != nil {
			return nil, err
		}
		vo.Nested = nested
	}
	return vo, nil
}

// resourceTable reads <bt:Urls> or <bt:Images>: id → DefaultValue, remembering the
// localized overrides as URLs of the given kind.
func (vo *VersionOverrides) resourceTable(n *xmlNode, elem, kind string) map[string]string {
	if n == nil {
		return nil
	}
	out := map[string]string{}
	for _, e := range n.childrenNamed(elem) {
		id := e.attrValue("id")
		def, overrides := localizedValue(e)
		if id != "" {
			out[id] = def
		}
		for _, loc := range sortedKeys(overrides) {
			vo.resourceOverrides = append(vo.resourceOverrides, URLRef{Kind: kind, URL: overrides[loc]})
		}
	}
	return out
}

// addURLs records the resource URLs of vo and its nested levels on m, in id order so
// the list is stable.
func (vo *VersionOverrides) addURLs(m *Manifest) {
	for ; vo != nil; vo = vo.Nested {
		for _, id := range sortedKeys(vo.URLs) {
			m.addURL("Resource", vo.URLs[id])
		}
		for _, id := range sortedKeys(vo.Images) {
			m.addURL("Image", vo.Images[id])
		}
		for _, r := range vo.resourceOverrides {
			m.addURL(r.Kind, r.URL)
		}
	}
}

// Rules returns the activation rules of this level, its own and its extension
// points' (not the nested level's).
func (vo *VersionOverrides) Rules() []*Rule {
	if vo == nil {
		return nil
	}
	var out []*Rule
	if vo.Rule != nil {
		out = append(out, vo.Rule)
	}
	for _, h := range vo.Hosts {
		for _, ep := range h.ExtensionPoints {
			if ep.Rules != nil {
				out = append(out, ep.Rules)
			}
		}
	}
	return out
}

// LaunchEventTypes returns the distinct event types that activate the add-in, across
// this level and its nested levels, sorted.
func (vo *VersionOverrides) LaunchEventTypes() []string {
	var out []string
	for ; vo != nil; vo = vo.Nested {
		for _, h := range vo.Hosts {
			for _, ep := range h.ExtensionPoints {
				for _, le := range ep.LaunchEvents {
					if le.Type != "" && !slices.Contains(out, le.Type) {
						out = append(out, le.Type)
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
