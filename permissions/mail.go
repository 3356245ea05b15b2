package permissions

import (
	"fmt"
	"strings"
)

// MailTier is an Outlook mail add-in's permission level. The levels are cumulative:
// each includes everything the ones below it allow ("Understanding Outlook add-in
// permissions").
type MailTier int

// The Outlook permission levels, lowest first.
const (
	MailRestricted MailTier = iota
	MailReadItem
	MailReadWriteItem
	MailReadWriteMailbox
)

// MailTiers lists the levels lowest first.
var MailTiers = []MailTier{MailRestricted, MailReadItem, MailReadWriteItem, MailReadWriteMailbox}

// mailNames holds, per level, the add-in only manifest name (first, used by String),
// Microsoft's canonical name and the unified manifest's name.
var mailNames = [...][3]string{
	MailRestricted:       {"Restricted", "restricted", "MailboxItem.Restricted.User"},
	MailReadItem:         {"ReadItem", "read item", "MailboxItem.Read.User"},
	MailReadWriteItem:    {"ReadWriteItem", "read/write item", "MailboxItem.ReadWrite.User"},
	MailReadWriteMailbox: {"ReadWriteMailbox", "read/write mailbox", "Mailbox.ReadWrite.User"},
}

// String returns the manifest name, e.g. "ReadWriteItem".
func (t MailTier) String() string {
	if t.valid() {
		return mailNames[t][0]
	}
	return fmt.Sprintf("MailTier(%d)", int(t))
}

func (t MailTier) valid() bool { return t >= MailRestricted && t <= MailReadWriteMailbox }

// Includes reports whether an add-in holding t may do everything o allows.
func (t MailTier) Includes(o MailTier) bool { return t.valid() && o.valid() && t >= o }

// ParseMailTier parses an Outlook permission level case-insensitively. It accepts the
// add-in only manifest name (ReadItem), Microsoft's canonical name (read item) and the
// unified manifest name (MailboxItem.Read.User).
func ParseMailTier(s string) (MailTier, error) {
	key := normalizeName(strings.TrimSpace(s))
	if key != "" {
		for _, t := range MailTiers {
			for _, name := range mailNames[t] {
				if normalizeName(name) == key {
					return t, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("unknown Outlook permission %q: use one of Restricted, ReadItem, ReadWriteItem, ReadWriteMailbox", s)
}
