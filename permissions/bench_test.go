package permissions

import "testing"

func BenchmarkAuthorize(b *testing.B) {
	for b.Loop() {
		Authorize(KindMail, "ReadItem", "Office.context.mailbox.item.body.getAsync")
	}
}

func BenchmarkEvaluateConsent(b *testing.B) {
	req := consentReq(Request{Scope: string(ScopeWeb), Right: "Write"}, Request{Scope: string(ScopeTaxonomy), Right: "Read"})
	req.UserRights = append(req.UserRights, Holding{Scope: ScopeTaxonomy, Right: RightWrite})
	now := newTestClock().Now()
	for b.Loop() {
		EvaluateConsent(req, SourceInstall, now)
	}
}
