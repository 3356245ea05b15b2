package permissions

// PermissionRequest is what an add-in's manifest asks for, in whichever model applies:
// a level (Tier) for mail and document add-ins, scope × right requests for SharePoint.
// The lead's glue fills it from the parsed manifest.
type PermissionRequest struct {
	Kind Kind   `json:"kind"`
	Tier string `json:"tier,omitempty"` // mail and document add-ins: the level in Kind's model
	// Also lists levels asked for in the other tiered model: a unified manifest can ask
	// for a mailbox and a document permission at once. Each is checked against its own
	// model's cap (CheckCaps) and compared on reinstall (MoreThan).
	Also []Level `json:"also,omitempty"`
	// SharePoint add-ins: the requests, and the manifest's AllowAppOnlyPolicy.
	SharePoint   []Request `json:"sharepoint,omitempty"`
	AllowAppOnly bool      `json:"allow_app_only,omitempty"`
}

// Level is a permission level in the mail or the document model.
type Level struct {
	Kind Kind   `json:"kind"`
	Tier string `json:"tier"`
}

// Levels returns every mail or document level the request asks for: Kind's own first,
// then Also. A SharePoint request has none.
func (r PermissionRequest) Levels() []Level {
	var out []Level
	if r.Kind == KindMail || r.Kind == KindDocument {
		out = append(out, Level{Kind: r.Kind, Tier: r.Tier})
	}
	return append(out, r.Also...)
}

// Level returns the request's level in model k, if it asks for one.
func (r PermissionRequest) Level(k Kind) (Level, bool) {
	for _, l := range r.Levels() {
		if l.Kind == k {
			return l, true
		}
	}
	return Level{}, false
}
