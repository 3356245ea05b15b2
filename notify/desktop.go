package notify

import "strings"

// Desktop is the platform's desktop notifier: it holds a connection to the session's
// notification service, which Close releases.
type Desktop interface {
	Notifier
	Close() error
}

// DesktopEntryID names the agent's desktop entry (addingov-agent.desktop, without
// ".desktop"), which freedesktop notifications use to find the sender's icon and name.
const DesktopEntryID = "addingov-agent"

// AppName is how notices are labelled in the desktop's notification list.
const AppName = "addingov"

// escapeMarkup escapes the characters the notification spec's body markup (a small
// subset of HTML) interprets, so an add-in's name cannot inject links or images.
func escapeMarkup(s string) string {
	return markupEscaper.Replace(s)
}

var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

// oneLineKeepBreaks removes control characters but keeps line breaks, which
// notification bodies may contain.
func oneLineKeepBreaks(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = oneLine(l)
	}
	return strings.Join(lines, "\n")
}
