package permissions_test

import (
	"fmt"

	"addingov/permissions"
)

func ExampleAuthorize() {
	d := permissions.Authorize(permissions.KindDocument, "WriteDocument", "Office.context.document.getSelectedDataAsync")
	fmt.Println(d.Allow, d.Required)
	d = permissions.Authorize(permissions.KindMail, "ReadWriteMailbox", "Office.context.mailbox.makeEwsRequestAsync(SendItem)")
	fmt.Println(d.Allow, d.Required)
	// Output:
	// false ReadDocument
	// true ReadWriteMailbox
}

func ExampleGrants_Consent() {
	g := permissions.NewGrants(permissions.NewMemoryGrantStore())
	res, err := g.Consent(permissions.ConsentRequest{
		AddinID: "contoso-orders",
		Requests: []permissions.Request{
			{Scope: "http://sharepoint/content/sitecollection/web/list", Right: "Write", Properties: map[string]string{"BaseTemplateId": "101"}},
			{Scope: "http://sharepoint/content/farm", Right: "Read"},
		},
		User:        "alice",
		UserRights:  []permissions.Holding{{Scope: permissions.ScopeWeb, Right: permissions.RightManage}},
		InstalledAt: "web-1",
		List:        &permissions.ListChoice{ListID: "documents", BaseTemplateID: 101},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, gr := range res.Granted {
		fmt.Println("granted", gr.Right, "on list", gr.ObjectID)
	}
	for _, ig := range res.Ignored {
		fmt.Println("ignored", ig.Request.Scope)
	}
	// Output:
	// granted Write on list documents
	// ignored http://sharepoint/content/farm
}

func ExampleDescribe() {
	for _, line := range permissions.Describe(permissions.KindDocument, "WriteDocument") {
		fmt.Println(line)
	}
	// Output:
	// can keep its own settings in the document
	// can tell how the document is being viewed
	// can write over what you select
	// cannot read the document
}
