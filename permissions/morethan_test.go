package permissions

import "testing"

func TestMoreThan(t *testing.T) {
	sp := func(appOnly bool, reqs ...Request) PermissionRequest {
		return PermissionRequest{Kind: KindSharePoint, SharePoint: reqs, AllowAppOnly: appOnly}
	}
	web := func(r string) Request { return Request{Scope: string(ScopeWeb), Right: r} }
	list := func(r, template string) Request {
		req := Request{Scope: string(ScopeList), Right: r}
		if template != "" {
			req.Properties = map[string]string{"BaseTemplateId": template}
		}
		return req
	}
	tests := []struct {
		name     string
		old, new PermissionRequest
		want     bool
	}{
		{"mail same", PermissionRequest{Kind: KindMail, Tier: "ReadItem"}, PermissionRequest{Kind: KindMail, Tier: "readitem"}, false},
		{"mail lower", PermissionRequest{Kind: KindMail, Tier: "ReadWriteItem"}, PermissionRequest{Kind: KindMail, Tier: "ReadItem"}, false},
		{"mail higher", PermissionRequest{Kind: KindMail, Tier: "ReadItem"}, PermissionRequest{Kind: KindMail, Tier: "ReadWriteMailbox"}, true},
		{"mail unreadable", PermissionRequest{Kind: KindMail, Tier: "ReadItem"}, PermissionRequest{Kind: KindMail, Tier: "?"}, true},
		{"document sideways", PermissionRequest{Kind: KindDocument, Tier: "ReadDocument"}, PermissionRequest{Kind: KindDocument, Tier: "WriteDocument"}, true},
		{"document included", PermissionRequest{Kind: KindDocument, Tier: "ReadWriteDocument"}, PermissionRequest{Kind: KindDocument, Tier: "ReadAllDocument"}, false},
		{"document higher", PermissionRequest{Kind: KindDocument, Tier: "ReadDocument"}, PermissionRequest{Kind: KindDocument, Tier: "ReadAllDocument"}, true},
		{"kind change", PermissionRequest{Kind: KindMail, Tier: "ReadItem"}, PermissionRequest{Kind: KindDocument, Tier: "Restricted"}, true},
		{"unknown kind", PermissionRequest{Kind: "x"}, PermissionRequest{Kind: "x"}, true},
		{"sharepoint same", sp(false, web("Write")), sp(false, web("write")), false},
		{"sharepoint lower", sp(false, web("Manage")), sp(false, web("Read")), false},
		{"sharepoint higher", sp(false, web("Read")), sp(false, web("Write")), true},
		{"sharepoint new scope", sp(false, web("Read")), sp(false, web("Read"), Request{Scope: string(ScopeTaxonomy), Right: "Read"}), true},
		{"sharepoint child covered", sp(false, web("Write")), sp(false, list("Write", "")), false},
		{"sharepoint parent not covered", sp(false, list("FullControl", "")), sp(false, web("Read")), true},
		{"sharepoint unknown new request", sp(false, web("Read")), sp(false, web("Read"), Request{Scope: "http://sharepoint/nope", Right: "Read"}), false},
		{"sharepoint app-only newly allowed", sp(false, web("Read")), sp(true, web("Read")), true},
		{"sharepoint app-only dropped", sp(true, web("Read")), sp(false, web("Read")), false},
		{"list same template", sp(false, list("Write", "101")), sp(false, list("Read", "101")), false},
		{"list template widened", sp(false, list("Write", "101")), sp(false, list("Write", "")), true},
		{"list template changed", sp(false, list("Write", "101")), sp(false, list("Write", "106")), true},
		{"list template narrowed", sp(false, list("Write", "")), sp(false, list("Write", "106")), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MoreThan(tc.old, tc.new); got != tc.want {
				t.Fatalf("MoreThan = %v, want %v", got, tc.want)
			}
		})
	}
}
