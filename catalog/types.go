package catalog

import (
	"addingov/permissions"
)

// Install scopes: for the installing user only, or for every user of the machine.
const (
	ScopeUser    = "user"
	ScopeMachine = "machine"
)

// PreviewRequest asks what installing a manifest would mean, storing nothing.
type PreviewRequest struct {
	Manifest []byte `json:"manifest"`        // the raw manifest (base64 in JSON)
	Scope    string `json:"scope,omitempty"` // user (default) or machine
}

// InstallRequest installs a manifest.
type InstallRequest struct {
	Manifest []byte `json:"manifest"`
	Scope    string `json:"scope,omitempty"` // user (default) or machine
	// Consent is the user's yes to what the add-in may do. It is required for a new
	// add-in and for a reinstall that asks for more than before.
	Consent bool `json:"consent,omitempty"`
	// StoreDistributed: the add-in comes from the Office Store (no FullControl).
	StoreDistributed bool `json:"store_distributed,omitempty"`
	// List is the list the user chose for a SharePoint list-scope request.
	List *ListChoice `json:"list,omitempty"`
	// UserRights are the installing user's own SharePoint rights: a user cannot grant
	// an add-in more than they hold.
	UserRights []UserRight `json:"user_rights,omitempty"`
}

// ListChoice is the list picked for a list-scope request.
type ListChoice struct {
	ID             string `json:"id"`
	BaseTemplateID int    `json:"base_template_id,omitempty"`
}

// UserRight is a SharePoint right a user holds at a scope, optionally on one object.
type UserRight struct {
	Scope    string `json:"scope"`
	Right    string `json:"right"`
	ObjectID string `json:"object_id,omitempty"`
}

// Refusal is one policy setting that refuses an add-in: the setting, its value, what
// the manifest asked for, and the reason in words.
type Refusal struct {
	Policy string `json:"policy"`
	Value  string `json:"value"`
	Asked  string `json:"asked"`
	Reason string `json:"reason"`
}

// Problem is something wrong with the manifest itself that no policy can allow.
type Problem struct {
	Rule   string   `json:"rule"`
	Reason string   `json:"reason"`
	URLs   []string `json:"urls,omitempty"`
}

// Manifest problems, named after the rule that finds them.
const (
	// ProblemRestrictedRules: Outlook refuses a Restricted mail add-in that uses
	// regular-expression or attachment activation rules.
	ProblemRestrictedRules = "restricted-no-regex-or-attachment-rules"
	// ProblemPlainHTTP: the manifest makes the host load or trust plain-http URLs.
	ProblemPlainHTTP = "plain-http-urls"
	// ProblemUnreadablePermission: the manifest's permission level is not one the
	// model knows, so it cannot be compared with the policy.
	ProblemUnreadablePermission = "unreadable-permission"
)

// IgnoredRequest is a SharePoint permission request SharePoint would ignore.
type IgnoredRequest struct {
	Scope  string `json:"scope"`
	Right  string `json:"right"`
	Reason string `json:"reason"`
}

// Report says what an add-in may do and whether policy allows it. It is the JSON of
// `addingov permissions` and of GET /v1/permissions/{id}.
type Report struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Version  string `json:"version,omitempty"`
	Provider string `json:"provider,omitempty"`
	// Kind is the manifest's kind (mail, taskpane, content, sharepoint); Model the
	// permission model that applies (mail, document, sharepoint).
	Kind  string           `json:"kind"`
	Model permissions.Kind `json:"model"`
	// Tier is the mail or document permission level in Model.
	Tier string `json:"tier,omitempty"`
	// Permissions lists every mail or document level the add-in asks for, Model's
	// first: a unified manifest may ask for a mailbox and a document permission at
	// once, and each is described and capped on its own (null for SharePoint add-ins).
	Permissions []LevelReport `json:"permissions"`
	// Scopes and Rights are what a SharePoint add-in asks for that SharePoint knows:
	// the distinct scopes, and each request as "scope-uri:Right" (null for other models).
	Scopes       []string `json:"scopes"`
	Rights       []string `json:"rights"`
	AllowAppOnly bool     `json:"allow_app_only,omitempty"`
	// Can is what the add-in may do, in plain words.
	Can     []string         `json:"can"`
	Ignored []IgnoredRequest `json:"ignored,omitempty"`
	// AllowedByPolicy is the decision install obeys: false when a policy refuses the
	// add-in (RefusedBy) or the manifest has a problem no policy can allow (Problems).
	AllowedByPolicy bool      `json:"allowed_by_policy"`
	RefusedBy       []Refusal `json:"refused_by"`
	Problems        []Problem `json:"problems,omitempty"`
	// Scope is the install scope the policy was checked for.
	Scope string `json:"scope"`
	// Installed describes the stored add-in, for reports of installed add-ins.
	Installed *Installed `json:"installed,omitempty"`
}

// Installable reports whether nothing in the report refuses an install: the same
// decision as AllowedByPolicy (see Assess).
func (r Report) Installable() bool { return r.AllowedByPolicy && len(r.Problems) == 0 }

// LevelReport is one permission level an add-in asks for: the model, the level, the
// manifest's own names for it, the targeted hosts that use it and what it allows.
type LevelReport struct {
	Model permissions.Kind `json:"model"`
	Tier  string           `json:"tier"`
	Asked []string         `json:"asked,omitempty"`
	Hosts []string         `json:"hosts,omitempty"`
	Can   []string         `json:"can"`
}

// Installed is what the state database holds about an installed add-in.
type Installed struct {
	Scope          string `json:"scope"`
	Owner          string `json:"owner,omitempty"`
	State          string `json:"state"`
	StateReason    string `json:"state_reason,omitempty"`
	ManifestDigest string `json:"manifest_digest,omitempty"`
}

// Preview is the answer to POST /v1/install/preview.
type Preview struct {
	Report
	// Reinstall: an add-in with this id is already installed.
	Reinstall bool `json:"reinstall"`
	// NeedsConsent: installing needs the user's yes; ConsentReason says why.
	NeedsConsent  bool   `json:"needs_consent"`
	ConsentReason string `json:"consent_reason,omitempty"`
	// NeedsAdmin: the install is machine-wide and the caller is not an administrator.
	NeedsAdmin bool `json:"needs_admin,omitempty"`
}

// InstallResult is the answer to a successful POST /v1/install.
type InstallResult struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Tier      string `json:"tier,omitempty"`
	Scope     string `json:"scope"`
	Owner     string `json:"owner,omitempty"`
	State     string `json:"state"`
	Reinstall bool   `json:"reinstall"`
	// Consented: this install asked for, and got, the user's consent.
	Consented bool                  `json:"consented"`
	Granted   []permissions.Grant   `json:"granted,omitempty"`
	Ignored   []permissions.Ignored `json:"ignored,omitempty"`
}

// RemoveResult is the answer to DELETE /v1/addins/{id}.
type RemoveResult struct {
	ID      string `json:"id"`
	Revoked int    `json:"revoked_grants"`
}

// RefusedBody is the body of a refused install, preview-free: the error in words plus
// the details a program can act on.
type RefusedBody struct {
	Error           string                `json:"error"`
	RefusedBy       []Refusal             `json:"refused_by,omitempty"`
	Problems        []Problem             `json:"problems,omitempty"`
	ConsentRefusals []permissions.Refusal `json:"consent_refusals,omitempty"`
	NeedsConsent    bool                  `json:"needs_consent,omitempty"`
	Can             []string              `json:"can,omitempty"`
}

// SharePointCall is the SharePoint part of an authorization request.
type SharePointCall struct {
	Scope string `json:"scope"`
	Right string `json:"right"`
	// ObjectID is the object the call lands on at Scope (the list, web or site
	// collection id); Location may name its containers by scope.
	ObjectID   string            `json:"object_id,omitempty"`
	Location   map[string]string `json:"location,omitempty"`
	UserRights []UserRight       `json:"user_rights,omitempty"`
	// Policy is "user+addin" (the default; "user+add-in" is accepted) or "app-only".
	Policy string `json:"policy,omitempty"`
}

// AuthorizeRequest asks whether an installed add-in may make a call.
type AuthorizeRequest struct {
	AddinID    string          `json:"addin_id"`
	API        string          `json:"api,omitempty"`
	SharePoint *SharePointCall `json:"sharepoint,omitempty"`
}

// AuthorizeResponse is the verdict, naming the rule that decided it.
type AuthorizeResponse struct {
	Allow    bool   `json:"allow"`
	Tier     string `json:"tier,omitempty"`
	Required string `json:"required,omitempty"`
	Reason   string `json:"reason"`
	Rule     string `json:"rule"`
}

// Rules an authorization decision on a mail or document add-in can name (SharePoint
// decisions name permissions' Rule… constants).
const (
	RuleTierAllows     = "tier-allows"
	RuleTierTooLow     = "tier-too-low"
	RuleUnknownAPI     = "unknown-api"
	RuleAddinNotActive = "add-in-not-enabled"
	RuleNoManifest     = "no-manifest"
)

// Item is the mail item an activation-rule evaluation runs against.
type Item struct {
	Type         string   `json:"type"`                // message or appointment
	FormType     string   `json:"form_type,omitempty"` // Read, Edit or ReadOrEdit
	MessageClass string   `json:"message_class,omitempty"`
	Subject      string   `json:"subject,omitempty"`
	BodyText     string   `json:"body_text,omitempty"`
	BodyHTML     string   `json:"body_html,omitempty"`
	Sender       string   `json:"sender,omitempty"`
	Attachments  []string `json:"attachments,omitempty"`
	IRMProtected bool     `json:"irm_protected,omitempty"`
}

// EvaluateRequest asks whether an installed mail add-in activates on an item.
type EvaluateRequest struct {
	AddinID string `json:"addin_id"`
	Item    Item   `json:"item"`
}

// EvaluateResponse is the outcome of the add-in's activation rules on the item.
type EvaluateResponse struct {
	Activates   bool                `json:"activates"`
	Reason      string              `json:"reason"`
	Matches     map[string][]string `json:"matches,omitempty"`
	Entities    map[string][]string `json:"entities,omitempty"`
	Unsupported []string            `json:"unsupported,omitempty"`
	DurationMs  float64             `json:"duration_ms"`
	// TimedOut: the evaluation ran past the rule-evaluation limit (the slow-activation
	// threshold) and was cut off; it does not activate and counts as slow.
	TimedOut bool `json:"timed_out,omitempty"`
}

// RegrantRequest re-issues a SharePoint add-in's grants from permission request XML,
// as SharePoint's AppInv.aspx does.
type RegrantRequest struct {
	AddinID          string      `json:"addin_id"`
	RequestXML       string      `json:"request_xml"`
	UserRights       []UserRight `json:"user_rights,omitempty"`
	List             *ListChoice `json:"list,omitempty"`
	StoreDistributed bool        `json:"store_distributed,omitempty"`
}

// OnTheFlyRequest records a run-time grant for an add-in that asks while it runs.
type OnTheFlyRequest struct {
	AddinID    string      `json:"addin_id"`
	Scope      string      `json:"scope"`
	Right      string      `json:"right"`
	ObjectID   string      `json:"object_id,omitempty"`
	UserRights []UserRight `json:"user_rights,omitempty"`
}

// GrantResult is the outcome of a regrant or an on-the-fly grant.
type GrantResult struct {
	Granted  []permissions.Grant   `json:"granted"`
	Ignored  []permissions.Ignored `json:"ignored,omitempty"`
	Refusals []permissions.Refusal `json:"refusals,omitempty"`
}

// Object lifecycle actions.
const (
	ObjectDelete  = "delete"
	ObjectRecycle = "recycle"
	ObjectRestore = "restore"
)

// ObjectResult says how many grants an object lifecycle event changed.
type ObjectResult struct {
	ObjectID string `json:"object_id"`
	Action   string `json:"action"`
	Grants   int    `json:"grants"`
}
