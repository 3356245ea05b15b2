package localapi

import (
	"fmt"
	"net"
	"os/user"
	"strconv"

	"golang.org/x/sys/unix"
)

// PeerIdentity reads the peer's pid and uid from the Unix socket with SO_PEERCRED.
func PeerIdentity(conn net.Conn) (Caller, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return Caller{}, fmt.Errorf("peer identity: %T is not a Unix socket connection", conn)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Caller{}, fmt.Errorf("peer identity: %w", err)
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Caller{}, fmt.Errorf("peer identity: %w", err)
	}
	if credErr != nil {
		return Caller{}, fmt.Errorf("peer identity: SO_PEERCRED: %w", credErr)
	}
	c := Caller{PID: cred.Pid, UID: strconv.FormatUint(uint64(cred.Uid), 10), Admin: cred.Uid == 0, Known: true}
	if u, err := user.LookupId(c.UID); err == nil {
		c.User = u.Username
	}
	return c, nil
}
