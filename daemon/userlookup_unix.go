//go:build !windows

package daemon

import (
	"fmt"
	"os/user"
	"strconv"
)

// resolveUser turns a uid or user name into the uid the daemon keys users by.
func resolveUser(s string) (string, error) {
	if _, err := strconv.ParseUint(s, 10, 32); err == nil {
		return s, nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return "", fmt.Errorf("no user %q on this computer: give a user name or a numeric uid", s)
	}
	return u.Uid, nil
}
