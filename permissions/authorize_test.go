package permissions

import (
	"strings"
	"testing"
)

// wantAPI is the table as the documentation states it, written out independently of
// api_table.go: each API member and the least level it needs.
var wantAPI = map[Kind]map[string][]string{
	KindMail: {
		"Restricted": {
			"item.getEntitiesByType", "item.close", "mailbox.convertToEwsId", "mailbox.convertToRestId",
			"Office.context.roamingSettings", "Office.RoamingSettings.get",
		},
		"ReadItem": {
			"item.getEntities", "item.getFilteredEntitiesByName", "item.getSelectedEntities",
			"item.getRegExMatches", "item.getRegExMatchesByName", "item.getSelectedRegExMatches",
			"item.loadCustomPropertiesAsync", "Office.CustomProperties.saveAsync",
			"item.subject", "item.subject.getAsync", "item.normalizedSubject",
			"item.to", "item.to.getAsync", "item.cc", "item.cc.getAsync", "item.bcc", "item.bcc.getAsync",
			"item.from", "item.sender", "item.organizer", "item.requiredAttendees", "item.optionalAttendees",
			"item.location", "item.start", "item.end", "item.itemId", "item.itemType", "item.itemClass",
			"item.conversationId", "item.internetMessageId", "item.dateTimeCreated", "item.dateTimeModified",
			"item.body", "item.body.getAsync", "item.body.getTypeAsync", "item.attachments",
			"item.getAttachmentsAsync", "item.getAttachmentContentAsync", "item.getItemIdAsync",
			"item.getSelectedDataAsync", "item.displayReplyForm", "item.displayReplyAllForm",
			"mailbox.userProfile", "mailbox.ewsUrl", "mailbox.restUrl", "mailbox.getCallbackTokenAsync",
			"mailbox.getUserIdentityTokenAsync", "mailbox.displayMessageForm", "mailbox.displayAppointmentForm",
			"mailbox.displayNewMessageForm", "mailbox.displayNewAppointmentForm",
		},
		"ReadWriteItem": {
			"item.body.setAsync", "item.body.prependAsync", "item.body.setSelectedDataAsync", "item.subject.setAsync",
			"item.to.setAsync", "item.to.addAsync", "item.cc.setAsync", "item.cc.addAsync", "item.bcc.setAsync",
			"item.bcc.addAsync", "item.requiredAttendees.setAsync", "item.requiredAttendees.addAsync",
			"item.optionalAttendees.setAsync", "item.optionalAttendees.addAsync", "item.location.setAsync",
			"item.start.setAsync", "item.end.setAsync", "item.from.getAsync", "item.organizer.getAsync",
			"item.addFileAttachmentAsync", "item.addFileAttachmentFromBase64Async", "item.addItemAttachmentAsync",
			"item.removeAttachmentAsync", "item.saveAsync", "item.setSelectedDataAsync", "item.disableClientSignatureAsync",
		},
		"ReadWriteMailbox": {
			"mailbox.makeEwsRequestAsync", "mailbox.masterCategories",
			"mailbox.makeEwsRequestAsync(CopyItem)", "mailbox.makeEwsRequestAsync(CreateFolder)",
			"mailbox.makeEwsRequestAsync(CreateItem)", "mailbox.makeEwsRequestAsync(ExpandDL)",
			"mailbox.makeEwsRequestAsync(FindConversation)", "mailbox.makeEwsRequestAsync(FindFolder)",
			"mailbox.makeEwsRequestAsync(FindItem)", "mailbox.makeEwsRequestAsync(GetConversationItems)",
			"mailbox.makeEwsRequestAsync(GetFolder)", "mailbox.makeEwsRequestAsync(GetItem)",
			"mailbox.makeEwsRequestAsync(GetUserAvailability)", "mailbox.makeEwsRequestAsync(MarkAsJunk)",
			"mailbox.makeEwsRequestAsync(MoveItem)", "mailbox.makeEwsRequestAsync(ResolveNames)",
			"mailbox.makeEwsRequestAsync(SendItem)", "mailbox.makeEwsRequestAsync(UpdateFolder)",
			"mailbox.makeEwsRequestAsync(UpdateItem)",
		},
	},
	KindDocument: {
		"Restricted": {
			"document.settings", "Settings.get", "Settings.set", "Settings.remove", "Settings.saveAsync",
			"Settings.refreshAsync", "document.getActiveViewAsync",
		},
		"ReadDocument": {
			"document.getSelectedDataAsync", "document.getSelectedDataAsync(Office.CoercionType.Text)",
			"document.getSelectedDataAsync(Matrix)", "document.getSelectedDataAsync(Table)",
			"document.getSelectedDataAsync(Html)", "document.getFileAsync", "document.getFileAsync(Office.FileType.Text)",
			"document.getFilePropertiesAsync", "document.goToByIdAsync", "Bindings.addFromNamedItemAsync",
			"Bindings.addFromPromptAsync", "Bindings.addFromSelectionAsync", "Bindings.getAllAsync",
			"Bindings.getByIdAsync", "Bindings.releaseByIdAsync", "Office.Binding.getDataAsync",
		},
		"ReadAllDocument": {
			"document.getSelectedDataAsync(Office.CoercionType.Ooxml)", "document.getFileAsync(Office.FileType.Compressed)",
			"document.getFileAsync(Pdf)",
		},
		"WriteDocument": {"document.setSelectedDataAsync"},
		"ReadWriteDocument": {
			"Office.Binding.setDataAsync", "Office.TableBinding.addRowsAsync", "Office.TableBinding.addColumnsAsync",
			"Office.TableBinding.deleteAllDataValuesAsync", "Office.TableBinding.setFormatsAsync",
			"Office.TableBinding.clearFormatsAsync", "Office.TableBinding.setTableOptionsAsync",
			"document.customXmlParts.addAsync", "Office.CustomXmlParts.getByIdAsync", "Office.CustomXmlPart.getXmlAsync",
			"Office.CustomXmlNode.setXmlAsync", "Office.CustomXmlPrefixMappings.addNamespaceAsync",
			"document.addHandlerAsync", "document.removeHandlerAsync", "Settings.addHandlerAsync",
			"Settings.removeHandlerAsync", "Office.Binding.addHandlerAsync", "Office.Binding.removeHandlerAsync",
		},
	},
}

// One test per table row: the row exists with the documented level, and every level
// below it is denied while the level and every level including it are allowed.
func TestAuthorizeTableRows(t *testing.T) {
	covered := map[*apiRow]bool{}
	for kind, byTier := range wantAPI {
		for required, apis := range byTier {
			for _, api := range apis {
				t.Run(string(kind)+"/"+api, func(t *testing.T) {
					row, why := lookupAPI(kind, api)
					if row == nil {
						t.Fatalf("not in the table: %s", why)
					}
					covered[row] = true
					for _, tier := range tierNames(kind) {
						d := Authorize(kind, tier, api)
						want := includesByName(t, kind, tier, required)
						if d.Allow != want || d.Required != required || d.Source == "" || d.Reason == "" {
							t.Errorf("Authorize(%s, %s, %s) = %+v; want allow=%v required=%s", kind, tier, api, d, want, required)
						}
					}
				})
			}
		}
	}
	for i := range apiTable {
		if !covered[&apiTable[i]] {
			t.Errorf("table row %s (%s) has no test", apiTable[i].api, apiTable[i].kind)
		}
	}
}

func tierNames(kind Kind) []string {
	var out []string
	if kind == KindMail {
		for _, t := range MailTiers {
			out = append(out, t.String())
		}
		return out
	}
	for _, t := range DocumentTiers {
		out = append(out, t.String())
	}
	return out
}

func includesByName(t *testing.T, kind Kind, have, need string) bool {
	t.Helper()
	if kind == KindMail {
		h, err1 := ParseMailTier(have)
		n, err2 := ParseMailTier(need)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		return h.Includes(n)
	}
	h, err1 := ParseDocumentTier(have)
	n, err2 := ParseDocumentTier(need)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return h.Includes(n)
}

// The same API in its several spellings, and the tiers below, at and above.
func TestAuthorizeAliasesAndTiers(t *testing.T) {
	tests := []struct {
		name  string
		kind  Kind
		tier  string
		api   string
		allow bool
		req   string
	}{
		{"full path at", KindMail, "ReadItem", "Office.context.mailbox.item.body.getAsync", true, "ReadItem"},
		{"short path below", KindMail, "Restricted", "item.body.getAsync", false, "ReadItem"},
		{"with parens above", KindMail, "ReadWriteMailbox", "Office.context.mailbox.item.body.getAsync()", true, "ReadItem"},
		{"argument ignored where no variants", KindMail, "ReadItem", "item.body.getAsync(Office.CoercionType.Html)", true, "ReadItem"},
		{"lower case", KindMail, "readwriteitem", "OFFICE.CONTEXT.MAILBOX.ITEM.SUBJECT.SETASYNC", true, "ReadWriteItem"},
		{"write below", KindMail, "ReadItem", "item.subject.setAsync", false, "ReadWriteItem"},
		{"EWS at", KindMail, "ReadWriteMailbox", "mailbox.makeEwsRequestAsync(GetItem)", true, "ReadWriteMailbox"},
		{"EWS below", KindMail, "ReadWriteItem", "Office.context.mailbox.makeEwsRequestAsync", false, "ReadWriteMailbox"},
		{"unified tier name", KindMail, "Mailbox.ReadWrite.User", "mailbox.makeEwsRequestAsync('SendItem')", true, "ReadWriteMailbox"},
		{"write-only cannot read", KindDocument, "WriteDocument", "document.getSelectedDataAsync", false, "ReadDocument"},
		{"read cannot write", KindDocument, "ReadAllDocument", "Office.context.document.setSelectedDataAsync", false, "WriteDocument"},
		{"write-only writes", KindDocument, "WriteDocument", "Office.context.document.setSelectedDataAsync", true, "WriteDocument"},
		{"ooxml below", KindDocument, "ReadDocument", "Office.context.document.getSelectedDataAsync(Office.CoercionType.Ooxml)", false, "ReadAllDocument"},
		{"compressed at", KindDocument, "ReadAllDocument", "document.getFileAsync(Office.FileType.Compressed, { sliceSize: 65536 })", true, "ReadAllDocument"},
		{"compressed above", KindDocument, "ReadWriteDocument", "document.getFileAsync(compressed)", true, "ReadAllDocument"},
		{"events below", KindDocument, "ReadAllDocument", "Office.context.document.addHandlerAsync", false, "ReadWriteDocument"},
		{"settings handler needs read/write", KindDocument, "Restricted", "Office.Settings.addHandlerAsync", false, "ReadWriteDocument"},
		{"settings read restricted", KindDocument, "Restricted", "Office.context.document.settings.get", true, "Restricted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Authorize(tc.kind, tc.tier, tc.api)
			if d.Allow != tc.allow || d.Required != tc.req {
				t.Fatalf("Authorize = %+v; want allow=%v required=%s", d, tc.allow, tc.req)
			}
		})
	}
}

func TestAuthorizeDenies(t *testing.T) {
	tests := []struct {
		name   string
		kind   Kind
		tier   string
		api    string
		reason string
	}{
		{"unknown API", KindMail, "ReadWriteMailbox", "Office.context.mailbox.item.deleteEverything", "unknown API"},
		{"unsupported EWS operation", KindMail, "ReadWriteMailbox", "mailbox.makeEwsRequestAsync(DeleteItem)", "not one add-ins may call"},
		{"unknown variant", KindDocument, "ReadWriteDocument", "document.getFileAsync(Zip)", "unknown variant"},
		{"not an API name", KindDocument, "ReadWriteDocument", "document.getFileAsync(", "not an API name"},
		{"empty API", KindDocument, "ReadWriteDocument", "", "not an API name"},
		{"mail API for a document add-in", KindDocument, "ReadWriteDocument", "item.body.getAsync", "unknown API"},
		{"bad mail tier", KindMail, "Everything", "item.body.getAsync", "unknown Outlook permission"},
		{"bad document tier", KindDocument, "ReadItem", "document.getFileAsync", "unknown document permission"},
		{"sharepoint", KindSharePoint, "http://sharepoint/search:QueryAsUserIgnoreAppPrincipal", "search", "AuthorizeSharePoint"},
		{"unknown kind", "visio", "Restricted", "x.y", "unknown add-in kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Authorize(tc.kind, tc.tier, tc.api)
			if d.Allow || !strings.Contains(d.Reason, tc.reason) {
				t.Fatalf("Authorize = %+v; want a denial mentioning %q", d, tc.reason)
			}
		})
	}
}

func TestAPITableIsConsistent(t *testing.T) {
	seen := map[string]string{}
	for _, r := range apiTable {
		base, qual, ok := normalizeAPI(r.kind, r.api)
		if !ok {
			t.Errorf("row %q does not normalize", r.api)
		}
		key := string(r.kind) + " " + apiKey(base, qual)
		if prev, dup := seen[key]; dup {
			t.Errorf("rows %q and %q collide", prev, r.api)
		}
		seen[key] = r.api
		if !strings.HasPrefix(r.api, "Office.") {
			t.Errorf("row %q does not follow the Office.… naming", r.api)
		}
	}
	for _, kind := range []Kind{KindMail, KindDocument} {
		reqs := APIRequirements(kind)
		if len(reqs) == 0 {
			t.Fatalf("no requirements listed for %s", kind)
		}
		for _, r := range reqs {
			if d := Authorize(kind, r.Required, r.API); !d.Allow {
				t.Errorf("%s at its own required level %s is denied: %s", r.API, r.Required, d.Reason)
			}
		}
	}
}
