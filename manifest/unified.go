package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Extension is one entry of a unified manifest's "extensions" array.
type Extension struct {
	Requirements    *Requirements  `json:"requirements,omitempty"`
	Runtimes        []Runtime      `json:"runtimes,omitempty"`
	ContentRuntimes []Runtime      `json:"content_runtimes,omitempty"`
	Ribbons         []Ribbon       `json:"ribbons,omitempty"`
	AutoRunEvents   []AutoRunEvent `json:"auto_run_events,omitempty"`
	Alternates      []Alternate    `json:"alternates,omitempty"`
}

// Runtime is a unified manifest runtime (or content runtime): the page or script the
// host loads, and the actions it offers.
type Runtime struct {
	ID       string   `json:"id"`
	Type     string   `json:"type,omitempty"`
	Page     string   `json:"page,omitempty"`
	Script   string   `json:"script,omitempty"`
	Lifetime string   `json:"lifetime,omitempty"`
	Actions  []string `json:"actions,omitempty"` // action ids
}

// Ribbon is a unified manifest ribbon customisation; Contexts says where it shows
// (mailRead, mailCompose, meetingDetailsOrganizer, default…).
type Ribbon struct {
	Contexts []string `json:"contexts,omitempty"`
	Controls []string `json:"controls,omitempty"` // control ids, in order
}

// AutoRunEvent is one event-based activation trigger.
type AutoRunEvent struct {
	Type     string `json:"type"` // newMessageComposeCreated, messageSending…
	ActionID string `json:"action_id,omitempty"`
}

// Alternate is one "alternates" entry: what the add-in prefers over or hides, and
// alternate icons.
type Alternate struct {
	PreferCOMAddinProgID  string `json:"prefer_com_addin_prog_id,omitempty"`
	HideStoreAddinID      string `json:"hide_store_addin_id,omitempty"`
	HideCustomAddinID     string `json:"hide_custom_addin_id,omitempty"`
	IconURL               string `json:"icon_url,omitempty"`
	HighResolutionIconURL string `json:"high_resolution_icon_url,omitempty"`
}

// resourceSpecificTiers maps unified-manifest resource-specific permissions to the
// classic tier with the same meaning (table in the package documentation).
var resourceSpecificTiers = map[string]string{
	"MailboxItem.Restricted.User": PermRestricted,
	"MailboxItem.Read.User":       PermReadItem,
	"MailboxItem.ReadWrite.User":  PermReadWriteItem,
	"Mailbox.ReadWrite.User":      PermReadWriteMailbox,
	"Document.Restricted.User":    PermRestricted,
	"Document.Read.User":          PermReadDocument,
	"Document.ReadAll.User":       PermReadAllDocument,
	"Document.Write.User":         PermWriteDocument,
	"Document.ReadWrite.User":     PermReadWriteDocument,
}

// scopeHosts maps unified-manifest requirement scopes to classic host names.
var scopeHosts = map[string]string{
	"mail":         "Mailbox",
	"workbook":     "Workbook",
	"document":     "Document",
	"presentation": "Presentation",
}

// The JSON shapes decoded; only what the normalised Manifest needs.
type (
	jsonManifest struct {
		Schema           string `json:"$schema"`
		ID               string `json:"id"`
		Version          string `json:"version"`
		LocalizationInfo struct {
			DefaultLanguageTag string `json:"defaultLanguageTag"`
		} `json:"localizationInfo"`
		Developer struct {
			Name string `json:"name"`
		} `json:"developer"`
		Name        jsonShortFull `json:"name"`
		Description jsonShortFull `json:"description"`
		Icons       struct {
			Outline string `json:"outline"`
			Color   string `json:"color"`
		} `json:"icons"`
		ValidDomains  []string `json:"validDomains"`
		Authorization struct {
			Permissions struct {
				ResourceSpecific []struct {
					Name string `json:"name"`
					Type string `json:"type"`
				} `json:"resourceSpecific"`
			} `json:"permissions"`
		} `json:"authorization"`
		Extensions []jsonExtension `json:"extensions"`
	}
	jsonShortFull struct {
		Short string `json:"short"`
		Full  string `json:"full"`
	}
	jsonRequirements struct {
		Capabilities []struct {
			Name       string `json:"name"`
			MinVersion string `json:"minVersion"`
		} `json:"capabilities"`
		Scopes      []string `json:"scopes"`
		FormFactors []string `json:"formFactors"`
	}
	jsonRuntime struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Code struct {
			Page   string `json:"page"`
			Script string `json:"script"`
		} `json:"code"`
		Lifetime string `json:"lifetime"`
		Actions  []struct {
			ID string `json:"id"`
		} `json:"actions"`
	}
	jsonIcon struct {
		URL string `json:"url"`
	}
	jsonControl struct {
		ID    string        `json:"id"`
		Icons []jsonIcon    `json:"icons"`
		Items []jsonControl `json:"items"` // menu items
	}
	jsonExtension struct {
		Requirements    *jsonRequirements `json:"requirements"`
		Runtimes        []jsonRuntime     `json:"runtimes"`
		ContentRuntimes []jsonRuntime     `json:"contentRuntimes"`
		Ribbons         []struct {
			Contexts []string `json:"contexts"`
			Tabs     []struct {
				Groups []struct {
					Icons    []jsonIcon    `json:"icons"`
					Controls []jsonControl `json:"controls"`
				} `json:"groups"`
			} `json:"tabs"`
		} `json:"ribbons"`
		AutoRunEvents []struct {
			Events []struct {
				Type     string `json:"type"`
				ActionID string `json:"actionId"`
			} `json:"events"`
		} `json:"autoRunEvents"`
		Alternates []struct {
			Prefer struct {
				COMAddin struct {
					ProgID string `json:"progId"`
				} `json:"comAddin"`
			} `json:"prefer"`
			Hide struct {
				StoreOfficeAddin struct {
					OfficeAddinID string `json:"officeAddinId"`
				} `json:"storeOfficeAddin"`
				CustomOfficeAddin struct {
					OfficeAddinID string `json:"officeAddinId"`
				} `json:"customOfficeAddin"`
			} `json:"hide"`
			AlternateIcons struct {
				Icon               jsonIcon `json:"icon"`
				HighResolutionIcon jsonIcon `json:"highResolutionIcon"`
			} `json:"alternateIcons"`
		} `json:"alternates"`
	}
)

// ParseJSON parses a unified manifest for Microsoft 365 (the Teams app manifest with
// Office add-in "extensions"). The permission tier is mapped from the
// resource-specific permissions: one level per model asked for (PermissionLevels), the
// highest within each model.
func ParseJSON(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestBytes {
		return nil, &LimitError{Limit: LimitManifestSize, Max: MaxManifestBytes, Got: len(data)}
	}
	var jm jsonManifest
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM)))
	if err := dec.Decode(&jm); err != nil {
		return nil, fmt.Errorf("parse unified manifest: not valid JSON of the expected shape: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parse unified manifest: unexpected data after the JSON object")
	}
	if strings.TrimSpace(jm.ID) == "" {
		return nil, errors.New(`parse unified manifest: "id" is missing: every add-in needs a unique id (a GUID)`)
	}
	if len(jm.Extensions) == 0 {
		return nil, errors.New(`parse unified manifest: it has no "extensions", so it describes a Teams app, not an Office add-in`)
	}

	m := &Manifest{
		Format:          FormatJSON,
		ID:              strings.TrimSpace(jm.ID),
		Version:         jm.Version,
		Provider:        jm.Developer.Name,
		Name:            jm.Name.Short,
		FullName:        jm.Name.Full,
		Description:     jm.Description.Short,
		FullDescription: jm.Description.Full,
		DefaultLocale:   jm.LocalizationInfo.DefaultLanguageTag,
		ValidDomains:    jm.ValidDomains,
	}
	m.stamp(data)
	m.addURL("Icon", jm.Icons.Outline)
	m.addURL("Icon", jm.Icons.Color)
	for _, d := range jm.ValidDomains {
		m.addURL("ValidDomain", d)
	}

	var asked [2][]string // per model: mail, document
	tiers := [2]string{}
	for _, rs := range jm.Authorization.Permissions.ResourceSpecific {
		name := strings.TrimSpace(rs.Name)
		if name == "" {
			continue
		}
		m.ResourceSpecific = append(m.ResourceSpecific, name)
		tier, model, err := unifiedPermission(name)
		if err != nil {
			return nil, fmt.Errorf("parse unified manifest: authorization.permissions.resourceSpecific: %w", err)
		}
		switch model {
		case ModelMail:
			asked[0] = append(asked[0], name)
			tiers[0] = higherMailTier(tiers[0], tier)
		case ModelDocument:
			asked[1] = append(asked[1], name)
			tiers[1] = joinDocumentTiers(tiers[1], tier)
		}
	}
	hasMailPerm := len(asked[0]) > 0

	hasMailScope, hasContent := false, false
	for _, je := range jm.Extensions {
		ext := m.extensionFrom(je)
		if ext.Requirements != nil {
			for _, s := range ext.Requirements.Scopes {
				if strings.EqualFold(s, "mail") {
					hasMailScope = true
				}
				if h, ok := scopeHosts[strings.ToLower(s)]; ok && !containsFold(m.Hosts, h) {
					m.Hosts = append(m.Hosts, h)
				}
			}
		}
		if len(ext.ContentRuntimes) > 0 {
			hasContent = true
		}
		m.Extensions = append(m.Extensions, ext)
	}

	switch {
	case hasMailPerm || hasMailScope:
		m.Kind = KindMail
	case hasContent:
		m.Kind = KindContent
	default:
		m.Kind = KindTaskPane
	}
	m.unifiedLevels(asked, tiers)
	m.urlSeen = nil
	return m, nil
}

func (m *Manifest) extensionFrom(je jsonExtension) Extension {
	var ext Extension
	if r := je.Requirements; r != nil {
		req := &Requirements{Scopes: r.Scopes, FormFactors: r.FormFactors}
		for _, c := range r.Capabilities {
			req.Sets = append(req.Sets, RequirementSet{Name: c.Name, MinVersion: c.MinVersion})
		}
		ext.Requirements = req
	}
	runtime := func(jr jsonRuntime) Runtime {
		rt := Runtime{ID: jr.ID, Type: jr.Type, Page: jr.Code.Page, Script: jr.Code.Script, Lifetime: jr.Lifetime}
		for _, a := range jr.Actions {
			rt.Actions = append(rt.Actions, a.ID)
		}
		m.addURL("RuntimePage", rt.Page)
		m.addURL("RuntimeScript", rt.Script)
		return rt
	}
	for _, jr := range je.Runtimes {
		ext.Runtimes = append(ext.Runtimes, runtime(jr))
	}
	for _, jr := range je.ContentRuntimes {
		ext.ContentRuntimes = append(ext.ContentRuntimes, runtime(jr))
	}
	for _, jrb := range je.Ribbons {
		rb := Ribbon{Contexts: jrb.Contexts}
		for _, tab := range jrb.Tabs {
			for _, g := range tab.Groups {
				for _, ic := range g.Icons {
					m.addURL("Icon", ic.URL)
				}
				for _, c := range g.Controls {
					rb.Controls = m.addControl(rb.Controls, c, 0)
				}
			}
		}
		ext.Ribbons = append(ext.Ribbons, rb)
	}
	for _, ar := range je.AutoRunEvents {
		for _, ev := range ar.Events {
			ext.AutoRunEvents = append(ext.AutoRunEvents, AutoRunEvent{Type: ev.Type, ActionID: ev.ActionID})
		}
	}
	for _, ja := range je.Alternates {
		alt := Alternate{
			PreferCOMAddinProgID:  ja.Prefer.COMAddin.ProgID,
			HideStoreAddinID:      ja.Hide.StoreOfficeAddin.OfficeAddinID,
			HideCustomAddinID:     ja.Hide.CustomOfficeAddin.OfficeAddinID,
			IconURL:               ja.AlternateIcons.Icon.URL,
			HighResolutionIconURL: ja.AlternateIcons.HighResolutionIcon.URL,
		}
		m.addURL("Icon", alt.IconURL)
		m.addURL("Icon", alt.HighResolutionIconURL)
		ext.Alternates = append(ext.Alternates, alt)
	}
	return ext
}

// maxMenuDepth bounds menu-in-menu recursion; Microsoft allows one level of menu items.
const maxMenuDepth = 4

// addControl records a ribbon control's id and icon URLs, and its menu items'.
func (m *Manifest) addControl(ids []string, c jsonControl, depth int) []string {
	if c.ID != "" {
		ids = append(ids, c.ID)
	}
	for _, ic := range c.Icons {
		m.addURL("Icon", ic.URL)
	}
	if depth < maxMenuDepth {
		for _, item := range c.Items {
			ids = m.addControl(ids, item, depth+1)
		}
	}
	return ids
}

// supplementaryPermissions are unified-manifest permissions with no tier of their own
// ("Understanding Outlook add-in permissions": append-on-send and shared folders).
var supplementaryPermissions = []string{"Mailbox.AppendOnSend.User", "Mailbox.SharedFolder"}

// officePermissionPrefixes are the name spaces of Office add-in permissions; other
// resource-specific names (ChannelMessage.Read.Group…) are Teams permissions.
var officePermissionPrefixes = []string{"mailboxitem.", "mailbox.", "document."}

// unifiedPermission classifies one resource-specific permission name: a tier of the
// mail or document model, a supplementary permission ("" model), or a Teams permission
// ("" model). The names are matched exactly, as Microsoft spells them: the schema
// leaves "name" a free string, and whether Office would read "mailboxitem.read.user" as
// MailboxItem.Read.User is undocumented, so a name that differs only in case is refused
// with the exact spelling rather than guessed either way (guessing "no" would hide a
// permission from the caps, guessing "yes" could grant what the publisher never
// tested). An unknown name in an Office name space is refused for the same reason.
func unifiedPermission(name string) (tier, model string, err error) {
	if t, ok := resourceSpecificTiers[name]; ok {
		if strings.HasPrefix(name, "Mailbox") {
			return t, ModelMail, nil
		}
		return t, ModelDocument, nil
	}
	if slices.Contains(supplementaryPermissions, name) {
		return "", "", nil
	}
	known := append(slices.Sorted(maps.Keys(resourceSpecificTiers)), supplementaryPermissions...)
	if _, err := exactName("permission", name, known); err != nil {
		return "", "", err
	}
	lower := strings.ToLower(name)
	for _, p := range officePermissionPrefixes {
		if strings.HasPrefix(lower, p) {
			return "", "", fmt.Errorf("permission %q is not an Office add-in permission addingov knows, so no cap could be applied to it: use one of %s", name, strings.Join(known, ", "))
		}
	}
	return "", "", nil
}

// unifiedLevels records the levels asked for: a model's level when one of its
// permissions is named, when a targeted host uses the model, or when it is the kind's
// own (Restricted when none is named); the kind's own model first.
func (m *Manifest) unifiedLevels(asked [2][]string, tiers [2]string) {
	var mailHosts, docHosts []string
	for _, h := range m.Hosts {
		if isMailHost(h) {
			mailHosts = append(mailHosts, h)
		} else {
			docHosts = append(docHosts, h)
		}
	}
	levels := []PermissionLevel{
		{Model: ModelMail, Tier: tiers[0], Asked: asked[0], Hosts: mailHosts},
		{Model: ModelDocument, Tier: tiers[1], Asked: asked[1], Hosts: docHosts},
	}
	if m.Kind != KindMail {
		levels[0], levels[1] = levels[1], levels[0]
	}
	own := modelOfKind(m.Kind)
	for _, l := range levels {
		if len(l.Asked) == 0 && len(l.Hosts) == 0 && l.Model != own {
			continue // neither asked for nor used by a targeted host
		}
		if l.Tier == "" {
			l.Tier = PermRestricted
		}
		m.PermissionLevels = append(m.PermissionLevels, l)
	}
	m.Permission = m.PermissionLevels[0].Tier
}

// higherMailTier returns the higher of two mail tiers (they form a chain).
func higherMailTier(a, b string) string {
	rank := func(t string) int {
		for i, p := range mailPermissions {
			if p == t {
				return i
			}
		}
		return -1
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// joinDocumentTiers returns the least tier that grants everything a and b grant.
// Document tiers are a lattice, not a chain: WriteDocument does not include reading,
// so WriteDocument joined with ReadDocument or ReadAllDocument is ReadWriteDocument.
func joinDocumentTiers(a, b string) string {
	if a == "" || a == b {
		return b
	}
	if b == "" {
		return a
	}
	reads := func(t string) int { // 0 none, 1 ReadDocument, 2 ReadAllDocument, 3 all (ReadWrite)
		switch t {
		case PermReadDocument:
			return 1
		case PermReadAllDocument:
			return 2
		case PermReadWriteDocument:
			return 3
		}
		return 0
	}
	writes := func(t string) bool { return t == PermWriteDocument || t == PermReadWriteDocument }
	r, w := max(reads(a), reads(b)), writes(a) || writes(b)
	switch {
	case r == 3 || (w && r > 0):
		return PermReadWriteDocument
	case w:
		return PermWriteDocument
	case r == 2:
		return PermReadAllDocument
	case r == 1:
		return PermReadDocument
	}
	return PermRestricted
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
