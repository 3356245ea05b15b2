// Package permissions knows the three Office add-in permission models and answers the
// questions addingov is asked about them: what may this add-in do (Describe), may it
// call this API (Authorize, AuthorizeSharePoint), does its manifest ask for more than the
// administrator allows (CheckCaps) or than was granted before (MoreThan), and who granted
// a SharePoint add-in what, in which state (the Grants manager over a GrantStore).
//
// The models, each from Microsoft's documentation:
//
//   - Outlook mail add-ins ("Understanding Outlook add-in permissions"): a cumulative
//     chain Restricted < ReadItem < ReadWriteItem < ReadWriteMailbox (MailTier).
//   - Office task pane and content add-ins ("Requesting permissions for API use in
//     add-ins"; [MS-OWEMXML] ST_Permissions1): Restricted, ReadDocument,
//     ReadAllDocument, WriteDocument, ReadWriteDocument. This is a lattice, not a
//     chain: WriteDocument does not include ReadDocument. DocumentTier models each level
//     as a set of capabilities, so Includes, Join and Meet are set operations rather
//     than hand-written tables.
//   - SharePoint add-ins ("Add-in permissions in SharePoint"): scope URIs × rights,
//     with a grant at a content scope covering its children, and consent rules (all or
//     nothing, no more than the user holds, unknown permissions ignored, no FullControl
//     from the Store, one chosen list, revocation on removal, deletion vs recycling,
//     on-the-fly grants need Manage). Calls are authorized under the user+add-in or the
//     app-only policy ("Add-in authorization policy types in SharePoint").
//
// The API authorization table (Authorize) comes from "Understanding Outlook add-in
// permissions", the Outlook requirement-set reference pages for Office.context.mailbox
// and Office.context.mailbox.item ("Minimum permission level" columns), "Call web
// services from an Outlook add-in" (the EWS operations makeEwsRequestAsync supports) and
// "Requesting permissions for API use in add-ins".
//
// The package does no I/O of its own: durable grants go through the GrantStore seam
// (the daemon adapts its bbolt storage to it; MemoryGrantStore serves tests). Grants are
// stored one record per grant, keyed by add-in id and grant id, the value being the
// grant's JSON encoding (see Grant).
package permissions
