package permissions

// The API authorization table: the least permission level each API member needs.
//
// Naming: a member reached from Office.context is written as its path
// ("Office.context.mailbox.item.body.getAsync", "Office.context.document.getFileAsync");
// a member of an object type that a call hands back is written with its type
// ("Office.Binding.setDataAsync", "Office.TableBinding.addRowsAsync"). A variant that
// needs a different level carries its argument in parentheses:
// "Office.context.document.getFileAsync(Compressed)",
// "Office.context.mailbox.makeEwsRequestAsync(GetItem)". "Office.X.*" stands for every
// member of type X. Lookups are case-insensitive and accept the paths Microsoft's pages
// use in prose: "item.body.getAsync" and "mailbox.makeEwsRequestAsync" for mail,
// "document.getSelectedDataAsync", "Bindings.getByIdAsync" and "Settings.get" for
// documents, with or without "()".

// Documentation pages the rows come from.
const (
	srcOutlookPermissions = "Understanding Outlook add-in permissions"
	srcMailboxItem        = "Office.context.mailbox.item - requirement set 1.10 (Minimum permission level)"
	srcMailbox            = "Office.context.mailbox - requirement set 1.10 (Minimum permission level)"
	srcContext            = "Office.context - requirement set 1.10 (roamingSettings)"
	srcEWS                = "Call web services from an Outlook add-in (Table 2. Supported EWS operations)"
	srcDocument           = "Requesting permissions for API use in add-ins"
)

// apiRow is one row: an API member, the level it needs (a MailTier or DocumentTier
// value, per kind) and where Microsoft says so.
type apiRow struct {
	kind   Kind
	api    string
	tier   int
	source string
}

func mailRow(api string, t MailTier, src string) apiRow {
	return apiRow{kind: KindMail, api: api, tier: int(t), source: src}
}

func docRow(api string, t DocumentTier) apiRow {
	return apiRow{kind: KindDocument, api: api, tier: int(t), source: srcDocument}
}

// ewsOperations are the EWS operations makeEwsRequestAsync lets add-ins call.
var ewsOperations = []string{
	"CopyItem", "CreateFolder", "CreateItem", "ExpandDL", "FindConversation", "FindFolder",
	"FindItem", "GetConversationItems", "GetFolder", "GetItem", "GetUserAvailability",
	"MarkAsJunk", "MoveItem", "ResolveNames", "SendItem", "UpdateFolder", "UpdateItem",
}

const (
	mbx  = "Office.context.mailbox."
	item = "Office.context.mailbox.item."
	doc  = "Office.context.document."
)

var apiTable = func() []apiRow {
	rows := []apiRow{
		// Restricted: members that tell nothing about the user or the item, and the
		// known entities (phone number, address, URL) by type.
		mailRow(item+"getEntitiesByType", MailRestricted, srcMailboxItem),
		mailRow(item+"close", MailRestricted, srcMailboxItem),
		mailRow(mbx+"convertToEwsId", MailRestricted, srcMailbox),
		mailRow(mbx+"convertToRestId", MailRestricted, srcMailbox),
		mailRow("Office.context.roamingSettings", MailRestricted, srcContext),
		mailRow("Office.RoamingSettings.*", MailRestricted, srcContext),

		// ReadItem: read the current item, all entities, regular expressions, custom
		// properties, tokens.
		mailRow(item+"getEntities", MailReadItem, srcMailboxItem),
		mailRow(item+"getFilteredEntitiesByName", MailReadItem, srcMailboxItem),
		mailRow(item+"getSelectedEntities", MailReadItem, srcMailboxItem),
		mailRow(item+"getRegExMatches", MailReadItem, srcMailboxItem),
		mailRow(item+"getRegExMatchesByName", MailReadItem, srcMailboxItem),
		mailRow(item+"getSelectedRegExMatches", MailReadItem, srcMailboxItem),
		mailRow(item+"loadCustomPropertiesAsync", MailReadItem, srcMailboxItem),
		mailRow("Office.CustomProperties.*", MailReadItem, srcOutlookPermissions),
		mailRow(item+"subject", MailReadItem, srcMailboxItem),
		mailRow(item+"subject.getAsync", MailReadItem, srcOutlookPermissions),
		mailRow(item+"normalizedSubject", MailReadItem, srcMailboxItem),
		mailRow(item+"to", MailReadItem, srcMailboxItem),
		mailRow(item+"to.getAsync", MailReadItem, srcOutlookPermissions),
		mailRow(item+"cc", MailReadItem, srcMailboxItem),
		mailRow(item+"cc.getAsync", MailReadItem, srcOutlookPermissions),
		mailRow(item+"bcc", MailReadItem, srcMailboxItem),
		mailRow(item+"bcc.getAsync", MailReadItem, srcOutlookPermissions),
		mailRow(item+"from", MailReadItem, srcMailboxItem),
		mailRow(item+"sender", MailReadItem, srcMailboxItem),
		mailRow(item+"organizer", MailReadItem, srcMailboxItem),
		mailRow(item+"requiredAttendees", MailReadItem, srcMailboxItem),
		mailRow(item+"optionalAttendees", MailReadItem, srcMailboxItem),
		mailRow(item+"location", MailReadItem, srcMailboxItem),
		mailRow(item+"start", MailReadItem, srcMailboxItem),
		mailRow(item+"end", MailReadItem, srcMailboxItem),
		mailRow(item+"itemId", MailReadItem, srcMailboxItem),
		mailRow(item+"itemType", MailReadItem, srcMailboxItem),
		mailRow(item+"itemClass", MailReadItem, srcMailboxItem),
		mailRow(item+"conversationId", MailReadItem, srcMailboxItem),
		mailRow(item+"internetMessageId", MailReadItem, srcMailboxItem),
		mailRow(item+"dateTimeCreated", MailReadItem, srcMailboxItem),
		mailRow(item+"dateTimeModified", MailReadItem, srcMailboxItem),
		mailRow(item+"body", MailReadItem, srcMailboxItem),
		mailRow(item+"body.getAsync", MailReadItem, srcOutlookPermissions),
		mailRow(item+"body.getTypeAsync", MailReadItem, srcOutlookPermissions),
		mailRow(item+"attachments", MailReadItem, srcMailboxItem),
		mailRow(item+"getAttachmentsAsync", MailReadItem, srcMailboxItem),
		mailRow(item+"getAttachmentContentAsync", MailReadItem, srcMailboxItem),
		mailRow(item+"getItemIdAsync", MailReadItem, srcMailboxItem),
		mailRow(item+"getSelectedDataAsync", MailReadItem, srcMailboxItem),
		mailRow(item+"displayReplyForm", MailReadItem, srcMailboxItem),
		mailRow(item+"displayReplyAllForm", MailReadItem, srcMailboxItem),
		mailRow(mbx+"userProfile", MailReadItem, srcMailbox),
		mailRow(mbx+"ewsUrl", MailReadItem, srcMailbox),
		mailRow(mbx+"restUrl", MailReadItem, srcMailbox),
		mailRow(mbx+"getCallbackTokenAsync", MailReadItem, srcMailbox),
		mailRow(mbx+"getUserIdentityTokenAsync", MailReadItem, srcMailbox),
		mailRow(mbx+"displayMessageForm", MailReadItem, srcMailbox),
		mailRow(mbx+"displayAppointmentForm", MailReadItem, srcMailbox),
		mailRow(mbx+"displayNewMessageForm", MailReadItem, srcMailbox),
		mailRow(mbx+"displayNewAppointmentForm", MailReadItem, srcMailbox),

		// ReadWriteItem: write the item being composed and its attachments.
		mailRow(item+"body.setAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"body.prependAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"body.setSelectedDataAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"subject.setAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"to.setAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"to.addAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"cc.setAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"cc.addAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"bcc.setAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"bcc.addAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"requiredAttendees.setAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"requiredAttendees.addAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"optionalAttendees.setAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"optionalAttendees.addAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"location.setAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"start.setAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"end.setAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"from.getAsync", MailReadWriteItem, srcMailboxItem),
		mailRow(item+"organizer.getAsync", MailReadWriteItem, srcMailboxItem),
		mailRow(item+"addFileAttachmentAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"addFileAttachmentFromBase64Async", MailReadWriteItem, srcMailboxItem),
		mailRow(item+"addItemAttachmentAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"removeAttachmentAsync", MailReadWriteItem, srcOutlookPermissions),
		mailRow(item+"saveAsync", MailReadWriteItem, srcMailboxItem),
		mailRow(item+"setSelectedDataAsync", MailReadWriteItem, srcMailboxItem),
		mailRow(item+"disableClientSignatureAsync", MailReadWriteItem, srcMailboxItem),

		// ReadWriteMailbox: EWS through makeEwsRequestAsync, the master category list.
		mailRow(mbx+"makeEwsRequestAsync", MailReadWriteMailbox, srcOutlookPermissions),
		mailRow(mbx+"masterCategories", MailReadWriteMailbox, srcMailbox),

		// Restricted: settings and the active view.
		docRow(doc+"settings", DocRestricted),
		docRow(doc+"settings.get", DocRestricted),
		docRow(doc+"settings.set", DocRestricted),
		docRow(doc+"settings.remove", DocRestricted),
		docRow(doc+"settings.saveAsync", DocRestricted),
		docRow(doc+"settings.refreshAsync", DocRestricted),
		docRow(doc+"getActiveViewAsync", DocRestricted),

		// ReadDocument: read the selection and the file as text, bound data, bindings.
		docRow(doc+"getSelectedDataAsync", DocReadDocument),
		docRow(doc+"getSelectedDataAsync(Text)", DocReadDocument),
		docRow(doc+"getSelectedDataAsync(Matrix)", DocReadDocument),
		docRow(doc+"getSelectedDataAsync(Table)", DocReadDocument),
		docRow(doc+"getSelectedDataAsync(Html)", DocReadDocument),
		docRow(doc+"getFileAsync", DocReadDocument),
		docRow(doc+"getFileAsync(Text)", DocReadDocument),
		docRow(doc+"getFilePropertiesAsync", DocReadDocument),
		docRow(doc+"goToByIdAsync", DocReadDocument),
		docRow(doc+"bindings.addFromNamedItemAsync", DocReadDocument),
		docRow(doc+"bindings.addFromPromptAsync", DocReadDocument),
		docRow(doc+"bindings.addFromSelectionAsync", DocReadDocument),
		docRow(doc+"bindings.getAllAsync", DocReadDocument),
		docRow(doc+"bindings.getByIdAsync", DocReadDocument),
		docRow(doc+"bindings.releaseByIdAsync", DocReadDocument),
		docRow("Office.Binding.getDataAsync", DocReadDocument),

		// ReadAllDocument: the Office Open XML underneath. PDF is not named by the page;
		// it is a full copy of the document, so it is treated like the compressed file.
		docRow(doc+"getSelectedDataAsync(Ooxml)", DocReadAllDocument),
		docRow(doc+"getFileAsync(Compressed)", DocReadAllDocument),
		docRow(doc+"getFileAsync(Pdf)", DocReadAllDocument),

		// WriteDocument: write the selection, without reading.
		docRow(doc+"setSelectedDataAsync", DocWriteDocument),

		// ReadWriteDocument: everything else, including events.
		docRow("Office.Binding.setDataAsync", DocReadWriteDocument),
		docRow("Office.TableBinding.addRowsAsync", DocReadWriteDocument),
		docRow("Office.TableBinding.addColumnsAsync", DocReadWriteDocument),
		docRow("Office.TableBinding.deleteAllDataValuesAsync", DocReadWriteDocument),
		docRow("Office.TableBinding.setFormatsAsync", DocReadWriteDocument),
		docRow("Office.TableBinding.clearFormatsAsync", DocReadWriteDocument),
		docRow("Office.TableBinding.setTableOptionsAsync", DocReadWriteDocument),
		docRow("Office.CustomXmlParts.*", DocReadWriteDocument),
		docRow("Office.CustomXmlPart.*", DocReadWriteDocument),
		docRow("Office.CustomXmlNode.*", DocReadWriteDocument),
		docRow("Office.CustomXmlPrefixMappings.*", DocReadWriteDocument),
		docRow(doc+"addHandlerAsync", DocReadWriteDocument),
		docRow(doc+"removeHandlerAsync", DocReadWriteDocument),
		docRow(doc+"settings.addHandlerAsync", DocReadWriteDocument),
		docRow(doc+"settings.removeHandlerAsync", DocReadWriteDocument),
		docRow("Office.Binding.addHandlerAsync", DocReadWriteDocument),
		docRow("Office.Binding.removeHandlerAsync", DocReadWriteDocument),
	}
	for _, op := range ewsOperations {
		rows = append(rows, mailRow(mbx+"makeEwsRequestAsync("+op+")", MailReadWriteMailbox, srcEWS))
	}
	return rows
}()
