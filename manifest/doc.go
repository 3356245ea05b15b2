// Package manifest reads Office add-in manifests and evaluates Outlook activation
// rules.
//
// # Formats
//
// Parse detects the format and returns one normalised Manifest:
//
//   - Office add-in XML, root <OfficeApp> with xsi:type MailApp (Kind "mail"),
//     TaskPaneApp ("taskpane") or ContentApp ("content"): identity, display names with
//     their locale overrides, icons, support URL, AppDomains, hosts, requirements,
//     every SourceLocation with its form type, the <Permissions> tier, the activation
//     Rule tree and VersionOverrides (nested V1_0/V1_1, hosts, extension points with
//     their rules and launch events, resource URLs, WebApplicationInfo).
//     Namespaces differ between schema versions, so elements and attributes are
//     matched by local name.
//   - SharePoint AppManifest.xml, root <App> (Kind "sharepoint"): product id, title,
//     start page, app principal and the AppPermissionRequests, which the permissions
//     package interprets. ParsePermissionRequests reads requests on their own.
//   - The unified manifest for Microsoft 365 (JSON, the Teams app schema with Office
//     "extensions"): Kind "mail" when it asks for a mailbox permission or has the
//     "mail" scope, "content" when an extension has contentRuntimes, else "taskpane".
//
// Every URL the host would load or trust is listed in Manifest.URLs so an installer
// can refuse plain http (PlainHTTPURLs).
//
// # Unified manifest permissions
//
// Resource-specific permissions map to the classic tiers as Microsoft documents them
// ("Understanding Outlook add-in permissions" and "Requesting permissions for API use
// in content and task pane add-ins", learn.microsoft.com):
//
//	MailboxItem.Restricted.User  Restricted
//	MailboxItem.Read.User        ReadItem
//	MailboxItem.ReadWrite.User   ReadWriteItem
//	Mailbox.ReadWrite.User       ReadWriteMailbox
//	Document.Restricted.User     Restricted
//	Document.Read.User           ReadDocument
//	Document.ReadAll.User        ReadAllDocument
//	Document.Write.User          WriteDocument
//	Document.ReadWrite.User      ReadWriteDocument
//
// A manifest can ask for a mailbox and a document permission at once (a unified
// manifest targets several hosts); Manifest.PermissionLevels lists one level per model,
// the kind's own first, with the names it was asked by and the targeted hosts that use
// it, so every one is shown and capped. Within a model the highest wins. Mail tiers
// form a chain. Document tiers form a lattice (WriteDocument does not include reading),
// so the result is their least upper bound: WriteDocument with ReadDocument or
// ReadAllDocument gives ReadWriteDocument. Manifest.Permission is the kind's own level;
// with none named, Restricted. Supplementary permissions (Mailbox.AppendOnSend.User,
// Mailbox.SharedFolder) have no tier and stay only in ResourceSpecific.
//
// Permission values are matched exactly. The XML <Permissions> values are xs:string
// enumerations ([MS-OWEMXML] ST_Permissions), which XML Schema compares
// case-sensitively, so <Permissions>readwritemailbox</Permissions> is refused with the
// spelling to use; a unified name that differs from Microsoft's only in case, or an
// unknown name in the MailboxItem., Mailbox. or Document. name spaces, is refused too
// (the unified schema leaves "name" a free string, and guessing would either hide a
// permission from the caps or grant one). <Permissions> may appear once. A MailApp may
// target only Outlook hosts and a TaskPaneApp or ContentApp only document hosts, in
// <Hosts> and in VersionOverrides, since the manifest declares no permission for the
// other model.
//
// # Limits and hostile input
//
// Microsoft's activation limits ("Limits for activation and JavaScript API for
// Outlook add-ins") refuse a manifest with a *LimitError: larger than 256 KB (checked
// before any parsing), more than 15 activation rules, or more than 5 regular
// expressions (ItemHasRegularExpressionMatch rules plus ItemHasKnownEntity rules with
// a RegExFilter). A RuleCollection only groups rules and is not itself counted. The
// limits apply to each rule set a client evaluates on its own: the manifest's own
// <Rule>, and each VersionOverrides level's rules (its own and its extension points'), because a client
// loads exactly one of them and manifests routinely repeat their rules for old and new
// clients.
//
// XML is decoded with encoding/xml, which never expands external entities; on top of
// that any DOCTYPE or entity declaration is refused outright (ErrDTD), and element
// nesting (64 levels), attribute count and size, text size and element count are
// bounded, so parsing is linear in the input.
//
// # Activation rules
//
// Evaluate decides whether an add-in activates on an item, as Outlook does: ItemIs
// (item type, form type, message class and subclasses), ItemHasAttachment,
// ItemHasRegularExpressionMatch against Subject, BodyAsPlaintext, BodyAsHTML or
// SenderSMTPAddress, ItemHasKnownEntity, and RuleCollection with Mode And or Or.
// IRM-protected items do not activate unless EvalOptions.AllowIRM is set.
//
// Regular expressions are JavaScript's, as in Outlook: ECMAScript grammar and meaning,
// lookaround and backreferences included. They run on Go's RE2 engine (linear time)
// when the expression translates to RE2 with the same answer, and otherwise on
// github.com/dlclark/regexp2 in ECMAScript mode, a backtracking engine, with the
// evaluation's time limit (EvalOptions.Timeout, default 1,000 ms) as its match timeout:
// an expression still running then is cut off, the add-in does not activate and
// EvalResult.TimedOut says so. An expression that is not valid JavaScript is refused
// when the manifest is parsed, with an error naming the rule. An empty match is no
// match. regex.go says which constructs go to which engine and why.
// Microsoft's per-client limits are applied: the plain-text body is searched in its
// first 1 MB and the HTML body in its first 512 KB; matches longer than 1,536
// characters (3,072 against HTML) are dropped; at most 50 matches are kept.
//
// Known entities are extracted by this package's own deterministic recognisers for
// PhoneNumber (North American numbers and international +CC numbers), Address (US
// street addresses such as "123 Main St, Redmond, WA 98052") and Url (http, https and
// www. forms), searched in the subject and body. EmailAddress, MeetingSuggestion,
// TaskSuggestion and Contact depend on Microsoft's machine-learned recognisers; they
// are reported in EvalResult.Unsupported and never match.
package manifest
