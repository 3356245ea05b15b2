package manifest

import (
	"fmt"
	"slices"
	"strings"
)

// The two tiered permission models a PermissionLevel can belong to. Their values are
// those of the permissions package's kinds.
const (
	ModelMail     = "mail"     // Outlook: Restricted < ReadItem < ReadWriteItem < ReadWriteMailbox
	ModelDocument = "document" // task pane and content add-ins: the document lattice
)

// PermissionLevel is one permission level a manifest asks for in one permission
// model. A classic XML manifest asks for one; a unified manifest can ask for a mailbox
// and a document permission at once, and every one of them must be shown and capped.
type PermissionLevel struct {
	Model string `json:"model"` // ModelMail or ModelDocument
	Tier  string `json:"tier"`  // as Microsoft's XML spells it (ReadItem, ReadWriteDocument…)
	// Asked lists the manifest's own words for it: the unified manifest's names
	// (MailboxItem.Read.User), "<Permissions>" for an XML manifest, or nothing when the
	// level is implied (no permission declared means Restricted).
	Asked []string `json:"asked,omitempty"`
	// Hosts are the hosts the manifest targets that use this model (Mailbox for mail;
	// Workbook, Document, Presentation… for documents). Empty when it targets none of
	// them: the level is still asked for, so it is still shown and capped.
	Hosts []string `json:"hosts,omitempty"`
}

// mailHosts are the host names that use the mail model; every other Office host uses
// the document model. "MailHost" is VersionOverrides' xsi:type for Outlook.
var mailHosts = []string{"Mailbox", "MailHost"}

func isMailHost(h string) bool { return slices.Contains(mailHosts, h) }

// hostModel says which permission model a host name belongs to.
func hostModel(h string) string {
	if isMailHost(h) {
		return ModelMail
	}
	return ModelDocument
}

// modelOfKind is the permission model of a classic manifest kind.
func modelOfKind(k Kind) string {
	if k == KindMail {
		return ModelMail
	}
	return ModelDocument
}

// Level returns the manifest's level in a model, if it asks for one.
func (m *Manifest) Level(model string) (PermissionLevel, bool) {
	for _, l := range m.PermissionLevels {
		if l.Model == model {
			return l, true
		}
	}
	return PermissionLevel{}, false
}

// exactName returns the member of allowed that v equals, or, when v equals one only
// ignoring case, an error naming the exact spelling: Office's schema compares these
// values case-sensitively, so "readwritemailbox" is not ReadWriteMailbox.
func exactName(what, v string, allowed []string) (string, error) {
	if slices.Contains(allowed, v) {
		return v, nil
	}
	for _, a := range allowed {
		if strings.EqualFold(a, v) {
			return "", fmt.Errorf("%s %q is not spelled as Office's schema requires (the values are case-sensitive): write %s", what, v, a)
		}
	}
	return "", nil
}

// checkXMLHostModels refuses a classic manifest that targets a host of the other
// permission model, in <Hosts> or in a VersionOverrides <Host xsi:type>: a MailApp has
// only a mail permission and a TaskPaneApp or ContentApp only a document permission, so
// a host of the other model would run with a permission the manifest never declared
// and no cap could see. Office's schema allows neither.
func (m *Manifest) checkXMLHostModels(root *xmlNode) error {
	want := modelOfKind(m.Kind)
	check := func(host, where string) error {
		if host == "" || hostModel(host) == want {
			return nil
		}
		return fmt.Errorf("%s names host %q, which is not a host of a %s add-in: a %s manifest declares only a %s permission, so it cannot target %q; use a unified manifest to ask for both a mailbox and a document permission", where, host, m.Kind, m.Kind, want, host)
	}
	for _, h := range hostNames(root) {
		if err := check(h, "<Hosts>"); err != nil {
			return err
		}
	}
	for vo := m.VersionOverrides; vo != nil; vo = vo.Nested {
		for _, h := range vo.Hosts {
			if err := check(h.Type, "<VersionOverrides> <Host xsi:type>"); err != nil {
				return err
			}
		}
	}
	return nil
}

// xmlPermissionLevel reads an XML manifest's one <Permissions> element into its level.
// The element may appear once (Office's schema: maxOccurs 1); its value is one of the
// kind's tiers, spelled exactly ([MS-OWEMXML] ST_Permissions and the task pane schema's
// ST_Permissions are xs:string enumerations, which XML Schema compares
// case-sensitively). Absent means Restricted, the lowest tier.
func (m *Manifest) xmlPermissionLevel(root *xmlNode) error {
	elems := root.childrenNamed("Permissions")
	if len(elems) > 1 {
		return fmt.Errorf("<Permissions> appears %d times: Office's schema allows one; keep the one with the level the add-in needs", len(elems))
	}
	allowed := documentPermissions
	if m.Kind == KindMail {
		allowed = mailPermissions
	}
	level := PermissionLevel{Model: modelOfKind(m.Kind), Tier: PermRestricted}
	if len(elems) == 1 {
		perm := strings.TrimSpace(elems[0].Text)
		tier, err := exactName("<Permissions>", perm, allowed)
		if err != nil {
			return err
		}
		if tier == "" {
			return fmt.Errorf("<Permissions>%s</Permissions> is not a %s add-in permission: use one of %s", perm, m.Kind, strings.Join(allowed, ", "))
		}
		level.Tier, level.Asked = tier, []string{"<Permissions>"}
	}
	m.Permission = level.Tier
	for _, h := range m.allHosts() {
		if !slices.Contains(level.Hosts, h) {
			level.Hosts = append(level.Hosts, h)
		}
	}
	m.PermissionLevels = []PermissionLevel{level}
	return nil
}

// allHosts returns the hosts an XML manifest targets: <Hosts> and the VersionOverrides
// host types, with MailHost written as Mailbox.
func (m *Manifest) allHosts() []string {
	out := slices.Clone(m.Hosts)
	for vo := m.VersionOverrides; vo != nil; vo = vo.Nested {
		for _, h := range vo.Hosts {
			name := h.Type
			if isMailHost(name) {
				name = "Mailbox"
			}
			if name != "" && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}
