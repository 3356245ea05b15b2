package permissions

// PermissionRequest is what an add-in's manifest asks for, in whichever model applies:
// a level (Tier) for mail and document add-ins, scope × right requests for SharePoint.
// The lead's glue fills it from the parsed manifest.
type PermissionRequest struct {
	Kind Kind   `json:"kind"`
	Tier string `json:"tier,omitempty"` // mail and document add-ins
	// SharePoint add-ins: the requests, and the manifest's AllowAppOnlyPolicy.
	SharePoint   []Request `json:"sharepoint,omitempty"`
	AllowAppOnly bool      `json:"allow_app_only,omitempty"`
}
