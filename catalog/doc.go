// Package catalog installs and removes add-ins under the administrator's policy, says
// in plain words what an add-in may do, answers the host's "may this add-in call this
// API?" and "does this add-in activate on this item?", and keeps SharePoint add-ins'
// grants. It is the part of addingov between a manifest and the state database: the
// manifest package reads manifests, the permissions package knows the permission
// models and consent rules, the registrypolicy package says what the administrator
// allows, and storage keeps the result.
//
// # Installing
//
// Assess is the pure part: it compares a parsed manifest with the policy and says what
// the add-in may do (permissions.Describe / DescribeRequests), which policy refuses it
// and why (BlockUserInstalls for user installs, the managed add-in list and
// BlockUnmanagedAddins, MaxMailPermission, MaxDocumentPermission,
// BlockedSharePointRights, AllowLoopbackSideload), and what is wrong with the manifest
// itself whatever the policy (a Restricted mail add-in with regular-expression or
// attachment rules, which Outlook refuses; plain-http URLs). The CLI runs Assess
// offline on a manifest file; the daemon runs it for previews and installs.
//
// An install is refused before anything is stored when Assess refuses it, when a
// machine-wide install comes from a caller who is not an administrator, or when it
// needs the user's consent (a new add-in, or a reinstall that asks for more than the
// stored manifest did, per permissions.MoreThan) and consent was not given. A
// SharePoint add-in's requests then go through the consent rules (all or nothing, no
// more than the user holds, no FullControl from the Store, one chosen list); only when
// they pass is the add-in stored, with an "install" entry in the log.
//
// # Endpoints
//
// Extension registers these on the local API (JSON bodies; manifests are bytes, so
// base64 in JSON):
//
//	POST   /v1/install/preview          {manifest, scope} → Preview
//	POST   /v1/install                  InstallRequest → InstallResult (403 refused, 409 needs consent)
//	DELETE /v1/addins/{id}              remove: revoke grants, delete the record, log "remove"
//	GET    /v1/permissions/{id}         Report of an installed add-in
//	POST   /v1/authorize                AuthorizeRequest → AuthorizeResponse
//	POST   /v1/evaluate                 EvaluateRequest → EvaluateResponse
//	GET    /v1/grants[?addin=ID]        []permissions.Grant, history included
//	POST   /v1/grants/regrant           RegrantRequest → GrantResult
//	POST   /v1/grants/onthefly          OnTheFlyRequest → GrantResult
//	POST   /v1/objects/{id}/{action}    action delete|recycle|restore → ObjectResult
//
// Who may do what: anyone may preview; a user installs user-scope add-ins for
// themselves, administrators also machine-wide ones; an add-in is removed, and its
// grants re-issued, by its owner or an administrator (machine-wide ones by
// administrators only); grants and reports are visible to whoever can see the add-in;
// object lifecycle events, which affect every add-in's grants on the object, are
// accepted from administrators only.
//
// SharePoint grants are stored through GrantStore, which adapts storage's grants
// bucket to permissions.GrantStore; the permissions package owns the record format.
package catalog
