package daemon

import (
	"fmt"
	"strings"

	"golang.org/x/sys/windows"
)

// resolveUser turns a SID or an account name (user, DOMAIN\user, user@domain) into the
// SID string the daemon keys users by.
func resolveUser(s string) (string, error) {
	if strings.HasPrefix(strings.ToUpper(s), "S-1-") {
		sid, err := windows.StringToSid(s)
		if err != nil {
			return "", fmt.Errorf("%q is not a valid SID: give one like S-1-5-21-…-1001, or an account name", s)
		}
		return strings.ToUpper(sid.String()), nil
	}
	sid, _, _, err := windows.LookupSID("", s)
	if err != nil {
		return "", fmt.Errorf("no account %q on this computer or its domain: give an account name (DOMAIN\\user) or a SID", s)
	}
	return strings.ToUpper(sid.String()), nil
}
