//go:build !linux && !windows

package localapi

import (
	"errors"
	"net"
)

// PeerIdentity is not implemented on this platform: callers are anonymous users.
func PeerIdentity(net.Conn) (Caller, error) {
	return Caller{}, errors.New("peer identity is not supported on this platform")
}
