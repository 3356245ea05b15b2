package permissions

import "fmt"

// mailWords is what each Outlook level adds to the one below, in plain words.
var mailWords = [...][]string{
	MailRestricted: {
		"can find phone numbers, postal addresses and web links in the item you are looking at",
		"can keep its own settings in your mailbox",
	},
	MailReadItem: {
		"can read the item you are looking at: its subject, body, sender, recipients and attachments",
		"can search that item with its own patterns",
		"can keep its own notes on that item",
		"can get a token to fetch that item from your mail server",
	},
	MailReadWriteItem: {
		"can change the item you are writing: its subject, body, recipients and attachments",
	},
	MailReadWriteMailbox: {
		"can read, change, create and send items and folders in your whole mailbox, including sending mail as you",
	},
}

// docWords is what each document capability allows, in plain words.
var docWords = []struct {
	c     docCapability
	words []string
}{
	{capSettings, []string{"can keep its own settings in the document", "can tell how the document is being viewed"}},
	{capRead, []string{"can read what you select and the text of the whole document", "can mark parts of the document and read them", "can read the document's properties, such as where it is saved"}},
	{capReadAll, []string{"can get a full copy of the document, including formatting, comments, tracked changes and pictures"}},
	{capWriteSelection, []string{"can write over what you select"}},
	{capReadWriteRest, []string{"can change the parts and tables it marked, and hidden data stored in the document", "can be told when the document, its settings or your selection change"}},
}

// Describe says in plain words what an add-in of the given kind may do at the given
// level. For SharePoint the level is a "scope-uri:Right" entry. An unrecognized level
// gets one line saying so, so that a user is never shown an empty list by mistake.
func Describe(kind Kind, tier string) []string {
	switch kind {
	case KindMail:
		t, err := ParseMailTier(tier)
		if err != nil {
			return []string{err.Error()}
		}
		var out []string
		for _, lower := range MailTiers[:t+1] {
			out = append(out, mailWords[lower]...)
		}
		return out
	case KindDocument:
		t, err := ParseDocumentTier(tier)
		if err != nil {
			return []string{err.Error()}
		}
		var out []string
		for _, w := range docWords {
			if t.caps()&w.c != 0 {
				out = append(out, w.words...)
			}
		}
		if t.caps()&capWriteSelection != 0 && t.caps()&capRead == 0 {
			out = append(out, "cannot read the document")
		}
		return out
	case KindSharePoint:
		p, err := ParseSharePointEntry(tier)
		if err != nil {
			return []string{err.Error()}
		}
		return []string{describePermission(p, nil)}
	}
	return []string{fmt.Sprintf("unknown add-in kind %q", kind)}
}

// DescribeRequests says in plain words what a SharePoint add-in's requests would let it
// do, and which requests SharePoint would ignore and why.
func DescribeRequests(reqs []Request) []string {
	known, ignored := classifyRequests(reqs)
	var out []string
	for _, k := range dedupe(known) {
		var template *int
		if k.hasBaseTemplate {
			template = &k.baseTemplate
		}
		out = append(out, describePermission(k.Permission, template))
	}
	for _, ig := range ignored {
		out = append(out, fmt.Sprintf("asks for %s at %s, which SharePoint ignores (%s)", ig.Request.Right, ig.Request.Scope, ig.Reason))
	}
	return out
}

// scopeWords names what a scope reaches, as the object of a sentence.
var scopeWords = map[Scope]string{
	ScopeTenant:                     "every site in your organization",
	ScopeSiteCollection:             "this site collection and every site in it",
	ScopeWeb:                        "this site and every list in it",
	ScopeList:                       "one list you choose",
	ScopeSearch:                     "search",
	ScopeTaxonomy:                   "your organization's managed terms",
	ScopeSocialTenant:               "every user profile",
	ScopeSocialCore:                 "your followed content and microblog data",
	ScopeSocialMicrofeed:            "your news feed and team feeds",
	ScopeSocialTrimming:             "security-trimmed activity in social feeds",
	ScopeBCSConnection:              "external data connections",
	ScopeProjectServer:              "Project Server",
	ScopeProjectServerProjects:      "every project",
	ScopeProjectServerProject:       "one project",
	ScopeProjectServerEnterpriseRes: "enterprise resources",
	ScopeProjectServerStatusing:     "status updates",
	ScopeProjectServerReporting:     "Project reporting data",
	ScopeProjectServerWorkflow:      "Project workflows",
}

func describePermission(p Permission, template *int) string {
	what := scopeWords[p.Scope]
	if p.Scope == ScopeList && template != nil {
		what = fmt.Sprintf("one list you choose (of list template %d)", *template)
	}
	switch p.Right {
	case RightRead:
		return "can read " + what
	case RightWrite:
		return "can read and change " + what
	case RightManage:
		return "can read, change, delete and manage " + what
	case RightFullControl:
		return "has full control of " + what + ", including who may use it"
	case RightQueryAsUserIgnoreAppPrincipal:
		return "can search with your permissions"
	case RightSubmitStatus:
		return "can submit status updates in Project Server"
	case RightElevate:
		return "can run Project workflows with raised rights"
	}
	return fmt.Sprintf("asks for %s at %s", p.Right, p.Scope)
}
