package permissions

// MoreThan reports whether newReq asks for more than oldReq did, so that reinstalling
// or updating the add-in needs a new consent. It works for all three models:
//
//   - mail: a higher level;
//   - document: a level the old one does not include (ReadDocument → WriteDocument is
//     more, though neither is above the other);
//   - mail and document levels are compared model by model (a unified manifest may ask
//     for both), a model the old request did not ask for counting as Restricted;
//   - SharePoint: a known permission no old one covers (same template narrowing for
//     the list scope), or the app-only policy newly allowed. Requests SharePoint
//     ignores are never granted, so they never count.
//
// A change of kind, or a level that cannot be read, counts as more: asking again is
// the safe answer.
func MoreThan(oldReq, newReq PermissionRequest) bool {
	if oldReq.Kind != newReq.Kind {
		return true
	}
	switch newReq.Kind {
	case KindMail, KindDocument:
		for _, n := range newReq.Levels() {
			o, ok := oldReq.Level(n.Kind)
			if !ok {
				o = Level{Kind: n.Kind, Tier: "Restricted"} // nothing asked is the least level
			}
			if levelMoreThan(o, n) {
				return true
			}
		}
		return false
	case KindSharePoint:
		if newReq.AllowAppOnly && !oldReq.AllowAppOnly {
			return true
		}
		oldKnown, _ := classifyRequests(oldReq.SharePoint)
		newKnown, _ := classifyRequests(newReq.SharePoint)
		for _, n := range newKnown {
			if !anyRequestCovers(oldKnown, n) {
				return true
			}
		}
		return false
	}
	return true
}

// anyRequestCovers: an old request covers a new one when its permission covers the new
// one's and, at the list scope, it was not narrowed to another template. A narrowed old
// list request does not cover an unnarrowed new one: the user's choice would widen.
func anyRequestCovers(old []knownRequest, n knownRequest) bool {
	for _, o := range old {
		if !o.Covers(n.Permission) {
			continue
		}
		if o.Scope == ScopeList && n.Scope == ScopeList && o.hasBaseTemplate &&
			(!n.hasBaseTemplate || n.baseTemplate != o.baseTemplate) {
			continue
		}
		return true
	}
	return false
}

// levelMoreThan: n asks for something o does not include; an unreadable level is more.
func levelMoreThan(o, n Level) bool {
	switch n.Kind {
	case KindMail:
		ot, errO := ParseMailTier(o.Tier)
		nt, errN := ParseMailTier(n.Tier)
		return errO != nil || errN != nil || !ot.Includes(nt)
	case KindDocument:
		ot, errO := ParseDocumentTier(o.Tier)
		nt, errN := ParseDocumentTier(n.Tier)
		return errO != nil || errN != nil || !ot.Includes(nt)
	}
	return true
}
