package permissions

import (
	"fmt"
	"strings"
)

// Kind names one of the three permission models.
type Kind string

// The permission models. Their string values are stable: they appear in the local API
// and the CLI.
const (
	KindMail       Kind = "mail"       // Outlook mail add-ins
	KindDocument   Kind = "document"   // Office task pane and content add-ins
	KindSharePoint Kind = "sharepoint" // SharePoint add-ins
)

// Kinds lists every model in display order.
var Kinds = []Kind{KindMail, KindDocument, KindSharePoint}

// ParseKind parses a model name, case-insensitively. It also accepts "outlook",
// "taskpane", "content" and "office" as the names users tend to type.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "mail", "outlook":
		return KindMail, nil
	case "document", "taskpane", "content", "office":
		return KindDocument, nil
	case "sharepoint":
		return KindSharePoint, nil
	}
	return "", fmt.Errorf("unknown add-in kind %q: use one of mail, document, sharepoint", s)
}

// normalizeName folds a permission name for lookups: case, spaces, dashes and
// underscores do not matter ("read/write item", "ReadWriteItem", "read_write_item").
func normalizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '\t', '-', '_', '/':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
