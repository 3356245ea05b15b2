//go:build !windows

package localapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultAddress is where the daemon listens when neither --socket nor ADDINGOV_SOCKET
// says otherwise: /run/addingov/addingovd.sock for root, else under $XDG_RUNTIME_DIR.
func DefaultAddress() string {
	if os.Geteuid() == 0 {
		return "/run/addingov/addingovd.sock"
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "addingov", "addingovd.sock")
	}
	return filepath.Join(os.TempDir(), "addingov-"+strconv.Itoa(os.Geteuid()), "addingovd.sock")
}

// ClientAddresses lists where a client looks for the daemon, in order: the caller's own
// default, then the system daemon's.
func ClientAddresses() []string {
	own := DefaultAddress()
	if own == "/run/addingov/addingovd.sock" {
		return []string{own}
	}
	return []string{own, "/run/addingov/addingovd.sock"}
}

// startHint says how to start the daemon, for UnreachableError.
const startHint = "start it with `addingovd run` (or `systemctl start addingovd`)"

// UnixTransport is the Unix domain socket transport.
type UnixTransport struct {
	Options ListenOptions
}

// NewTransport returns the platform's transport.
func NewTransport(opts ListenOptions) Transport { return &UnixTransport{Options: opts} }

// Listen implements Transport. It first takes the socket's lock file (PATH.lock), which
// a listening daemon holds for as long as it serves PATH, so two daemons never both
// decide a socket is stale. Whatever is at PATH is then removed only when it is a
// socket nobody listens on: connect answers ECONNREFUSED. A connect that succeeds, or
// fails with EAGAIN (a live daemon whose accept backlog is full, perhaps stopped), means
// the socket is in use; anything that is not a socket (a file, a directory, a symbolic
// link) is never touched.
func (t *UnixTransport) Listen(addr string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(addr), 0o755); err != nil {
		return nil, fmt.Errorf("create socket directory: %w", err)
	}
	lock, err := lockSocket(addr)
	if err != nil {
		return nil, err
	}
	l, err := t.listenLocked(addr)
	if err != nil {
		lock.Close()
		return nil, err
	}
	l.lock = lock
	return l, nil
}

func (t *UnixTransport) listenLocked(addr string) (*socketListener, error) {
	if err := removeStaleSocket(addr); err != nil {
		return nil, err
	}
	raw, err := net.Listen("unix", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	ul := raw.(*net.UnixListener)
	// The listener unlinks its path itself, and only while the path is still its socket.
	ul.SetUnlinkOnClose(false)
	fi, err := os.Lstat(addr)
	if err != nil {
		ul.Close()
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	l := &socketListener{UnixListener: ul, addr: addr, created: fi}
	mode := os.FileMode(t.Options.Mode)
	if mode == 0 {
		mode = 0o660
	}
	if mode&0o007 != 0 {
		l.closeSocket()
		return nil, fmt.Errorf("socket mode %#o gives access to every user: use 0600 or 0660", mode)
	}
	if err := os.Chmod(addr, mode); err != nil {
		l.closeSocket()
		return nil, fmt.Errorf("set socket mode: %w", err)
	}
	if t.Options.Group > 0 {
		if err := os.Chown(addr, -1, t.Options.Group); err != nil {
			l.closeSocket()
			return nil, fmt.Errorf("set socket group %d: %w", t.Options.Group, err)
		}
	}
	return l, nil
}

// lockSocket takes PATH.lock for as long as the returned file stays open. A daemon that
// is stopped (SIGSTOP) or hung still holds it.
func lockSocket(addr string) (*os.File, error) {
	path := addr + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open socket lock %s: %w (pass a --socket in a directory this account may write)", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("another daemon is serving %s (it holds %s, even if it does not answer): stop it, or pass a different --socket", addr, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// removeStaleSocket clears addr for a new listener, or says why it will not.
func removeStaleSocket(addr string) error {
	fi, err := os.Lstat(addr)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspect %s: %w", addr, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is %s, not a socket: addingovd replaces only a stale socket; move it away or pass a different --socket", addr, describeMode(fi.Mode()))
	}
	c, err := net.DialTimeout("unix", addr, 500*time.Millisecond)
	switch {
	case err == nil:
		c.Close()
		return fmt.Errorf("another daemon is already listening on %s: stop it, or pass a different --socket", addr)
	case errors.Is(err, syscall.ECONNREFUSED):
		// Nobody listens: a stale socket left by a daemon that died. Remove it only if
		// it is still the same socket.
		if now, err := os.Lstat(addr); err != nil || !os.SameFile(now, fi) {
			return fmt.Errorf("%s changed while checking whether it is stale: try again", addr)
		}
		if err := os.Remove(addr); err != nil {
			return fmt.Errorf("remove stale socket %s: %w", addr, err)
		}
		return nil
	case errors.Is(err, syscall.ENOENT):
		return nil // removed meanwhile
	case errors.Is(err, syscall.EAGAIN):
		return fmt.Errorf("another daemon is listening on %s but is not accepting connections (its backlog is full: stopped or hung?): it was left in place; stop that daemon, or pass a different --socket", addr)
	default:
		return fmt.Errorf("cannot tell whether %s is in use (%v): it was left in place; remove it yourself if no daemon serves it, or pass a different --socket", addr, err)
	}
}

// describeMode names a file type for an error message.
func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsRegular():
		return "a regular file"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	default:
		return "a device or special file"
	}
}

// socketListener is a Unix listener that removes its socket at Close only while the
// path is still the socket it created, and holds the socket's lock until then.
type socketListener struct {
	*net.UnixListener
	addr    string
	created os.FileInfo
	lock    *os.File
	once    sync.Once
	err     error
}

// Close implements net.Listener.
func (l *socketListener) Close() error {
	l.once.Do(func() { l.err = l.closeSocket() })
	return l.err
}

func (l *socketListener) closeSocket() error {
	err := l.UnixListener.Close()
	if fi, serr := os.Lstat(l.addr); serr == nil && os.SameFile(fi, l.created) {
		os.Remove(l.addr)
	}
	if l.lock != nil {
		l.lock.Close()
	}
	return err
}

// Dial implements Transport.
func (t *UnixTransport) Dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", addr)
	if err != nil {
		return nil, dialError(addr, err)
	}
	return c, nil
}

// dialError tells "the daemon runs but you may not connect" (EACCES, EPERM: the
// socket's or its directory's permissions) from "no daemon" (ENOENT, ECONNREFUSED, and
// anything else).
func dialError(addr string, err error) error {
	if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
		return &AccessDeniedError{Addr: addr, Err: err, Hint: socketAccessHint(addr)}
	}
	return &UnreachableError{Addr: addr, Err: err}
}

// socketAccessHint names the group that may use addr: the socket's own group, or, when
// the caller cannot even look at the socket, the group of its directory.
func socketAccessHint(addr string) string {
	for _, p := range []string{addr, filepath.Dir(addr)} {
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			break
		}
		group := strconv.FormatUint(uint64(st.Gid), 10)
		if g, err := user.LookupGroupId(group); err == nil {
			group = g.Name
		}
		return fmt.Sprintf("ask an administrator to add you to group %s (the group addingovd gives the socket, set with `addingovd run --socket-group GID`), then log in again", group)
	}
	return "ask an administrator to add you to the socket's group (`addingovd run --socket-group GID` sets it), then log in again"
}
