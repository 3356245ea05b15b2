package permissions

import (
	"fmt"
	"strings"
)

// Decision is the answer to "may an add-in at this level call this API?".
type Decision struct {
	Allow    bool   `json:"allow"`
	API      string `json:"api,omitempty"`      // the table's name for the API, when known
	Tier     string `json:"tier,omitempty"`     // the add-in's level, as the manifest spells it
	Required string `json:"required,omitempty"` // the least level the API needs
	Reason   string `json:"reason"`
	Source   string `json:"source,omitempty"` // the documentation page the requirement comes from
}

// apiIndex maps a normalized API key to its row, per kind; apiVariants holds the base
// names whose rows differ by argument (getFileAsync(Compressed)).
var apiIndex, apiVariants = func() (map[Kind]map[string]*apiRow, map[Kind]map[string]bool) {
	idx := map[Kind]map[string]*apiRow{KindMail: {}, KindDocument: {}}
	variants := map[Kind]map[string]bool{KindMail: {}, KindDocument: {}}
	for i := range apiTable {
		r := &apiTable[i]
		base, qual, _ := normalizeAPI(r.kind, r.api)
		idx[r.kind][apiKey(base, qual)] = r
		if qual != "" {
			variants[r.kind][base] = true
		}
	}
	return idx, variants
}()

func apiKey(base, qual string) string {
	if qual == "" {
		return base
	}
	return base + "(" + qual + ")"
}

// normalizeAPI folds an API name to its lookup form: lower case, without "Office." or
// "Office.context.", with the short paths Microsoft's prose uses expanded, and the first
// argument (if any) reduced to its last dotted part ("Office.CoercionType.Ooxml" →
// "ooxml"). ok is false for a name that is not a dotted identifier path.
func normalizeAPI(kind Kind, api string) (base, qual string, ok bool) {
	s := strings.TrimSpace(api)
	if i := strings.IndexByte(s, '('); i >= 0 {
		if !strings.HasSuffix(s, ")") {
			return "", "", false
		}
		arg := s[i+1 : len(s)-1]
		if j := strings.IndexByte(arg, ','); j >= 0 {
			arg = arg[:j]
		}
		arg = strings.Trim(strings.TrimSpace(arg), `"'`)
		if j := strings.LastIndexByte(arg, '.'); j >= 0 {
			arg = arg[j+1:]
		}
		qual = strings.ToLower(strings.TrimSpace(arg))
		s = strings.TrimSpace(s[:i])
	}
	base = strings.ToLower(s)
	switch {
	case strings.HasPrefix(base, "office.context."):
		base = strings.TrimPrefix(base, "office.context.")
	case strings.HasPrefix(base, "office."):
		base = strings.TrimPrefix(base, "office.")
	}
	switch kind {
	case KindMail:
		if strings.HasPrefix(base, "item.") {
			base = "mailbox." + base
		}
	case KindDocument:
		for _, p := range []string{"bindings.", "settings.", "customxmlparts."} {
			if strings.HasPrefix(base, p) {
				base = "document." + base
			}
		}
	}
	return base, qual, validAPIPath(base) && validIdent(qual, true)
}

// validAPIPath accepts dotted identifiers, with "*" allowed as the last part.
func validAPIPath(s string) bool {
	if s == "" {
		return false
	}
	parts := strings.Split(s, ".")
	for i, p := range parts {
		if p == "*" && i == len(parts)-1 && i > 0 {
			continue
		}
		if !validIdent(p, false) {
			return false
		}
	}
	return true
}

func validIdent(s string, emptyOK bool) bool {
	if s == "" {
		return emptyOK
	}
	for _, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// lookupAPI finds the row for an API. An argument selects a variant where the table
// has variants of that member, and is otherwise ignored; a member of a type with a
// "Type.*" row matches it.
func lookupAPI(kind Kind, api string) (*apiRow, string) {
	base, qual, ok := normalizeAPI(kind, api)
	if !ok {
		return nil, fmt.Sprintf("%q is not an API name; write it like Office.context.mailbox.item.body.getAsync", api)
	}
	idx := apiIndex[kind]
	if qual != "" && apiVariants[kind][base] {
		if r, found := idx[apiKey(base, qual)]; found {
			return r, ""
		}
		if strings.HasSuffix(base, "makeewsrequestasync") {
			return nil, fmt.Sprintf("EWS operation %q is not one add-ins may call through makeEwsRequestAsync (supported: %s)", qual, strings.Join(ewsOperations, ", "))
		}
		return nil, fmt.Sprintf("unknown variant %q of %s", qual, base)
	}
	if r, found := idx[base]; found {
		return r, ""
	}
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		if r, found := idx[base[:i]+".*"]; found {
			return r, ""
		}
	}
	return nil, fmt.Sprintf("unknown API %q: it is not in addingov's table for %s add-ins, so it is denied", api, kind)
}

// Authorize decides whether an add-in of the given kind, holding permission level
// tier, may call api. An unknown kind, level or API is denied with the reason.
// SharePoint add-ins are authorized per call by scope and right (AuthorizeSharePoint).
func Authorize(kind Kind, tier string, api string) Decision {
	switch kind {
	case KindMail:
		t, err := ParseMailTier(tier)
		if err != nil {
			return Decision{Reason: err.Error()}
		}
		r, why := lookupAPI(kind, api)
		if r == nil {
			return Decision{Tier: t.String(), Reason: why}
		}
		return decide(r, t.String(), MailTier(r.tier).String(), t.Includes(MailTier(r.tier)))
	case KindDocument:
		t, err := ParseDocumentTier(tier)
		if err != nil {
			return Decision{Reason: err.Error()}
		}
		r, why := lookupAPI(kind, api)
		if r == nil {
			return Decision{Tier: t.String(), Reason: why}
		}
		return decide(r, t.String(), DocumentTier(r.tier).String(), t.Includes(DocumentTier(r.tier)))
	case KindSharePoint:
		return Decision{Tier: tier, Reason: "SharePoint add-ins are authorized per call by scope and right, not by API name: use AuthorizeSharePoint"}
	}
	return Decision{Tier: tier, Reason: fmt.Sprintf("unknown add-in kind %q: use mail or document", kind)}
}

func decide(r *apiRow, have, need string, allow bool) Decision {
	d := Decision{Allow: allow, API: r.api, Tier: have, Required: need, Source: r.source}
	if allow {
		d.Reason = fmt.Sprintf("%s allows %s (it needs %s)", have, r.api, need)
	} else {
		d.Reason = fmt.Sprintf("%s needs %s; the add-in has %s", r.api, need, have)
	}
	return d
}

// APIRequirement is one row of the authorization table, for listings.
type APIRequirement struct {
	Kind     Kind   `json:"kind"`
	API      string `json:"api"`
	Required string `json:"required"`
	Source   string `json:"source"`
}

// APIRequirements returns the table for a kind, in table order.
func APIRequirements(kind Kind) []APIRequirement {
	var out []APIRequirement
	for _, r := range apiTable {
		if r.kind != kind {
			continue
		}
		req := APIRequirement{Kind: r.kind, API: r.api, Source: r.source}
		if r.kind == KindMail {
			req.Required = MailTier(r.tier).String()
		} else {
			req.Required = DocumentTier(r.tier).String()
		}
		out = append(out, req)
	}
	return out
}
