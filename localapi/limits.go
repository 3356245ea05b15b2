package localapi

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Limits bound, in time and in number, what callers may hold open on the server, so
// that slow or idle connections cannot exhaust the daemon's descriptors and an
// administrator can always connect.
type Limits struct {
	// HeaderTimeout bounds the arrival of a request's whole header.
	HeaderTimeout time.Duration
	// BodyTimeout bounds the arrival of a request's whole body, from the end of its
	// header; a late body gets 408.
	BodyTimeout time.Duration
	// WriteTimeout bounds writing an answer; for a notice stream, each burst of notices.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that sends no next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's header.
	MaxHeaderBytes int
	// PerUser is how many connections one ordinary user (uid, or SID on Windows) may
	// hold; unidentified callers share one allowance.
	PerUser int
	// Total is how many connections all ordinary users together may hold.
	Total int
	// AdminReserve is how many connections beyond Total only administrators (root,
	// elevated Administrators) may use.
	AdminReserve int
}

// DefaultLimits are the server's limits unless SetLimits changes them. A user's session
// needs a few connections (the agent's notice stream, each host, a CLI command).
var DefaultLimits = Limits{
	HeaderTimeout:  10 * time.Second,
	BodyTimeout:    10 * time.Second,
	WriteTimeout:   30 * time.Second,
	IdleTimeout:    60 * time.Second,
	MaxHeaderBytes: 64 << 10,
	PerUser:        32,
	Total:          256,
	AdminReserve:   16,
}

// descriptorHeadroom is how many file descriptors the connection limits leave to the
// rest of the daemon (its database, logs, process sampling) and to refusing surplus
// connections.
const descriptorHeadroom = 64

// refusers bounds how many surplus connections are answered at once, and
// refusersPerUser how many of one caller's; beyond that they are closed without an
// answer.
const (
	refusers        = 16
	refusersPerUser = 2
)

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.HeaderTimeout, d.HeaderTimeout)
	pick(&l.BodyTimeout, d.BodyTimeout)
	pick(&l.WriteTimeout, d.WriteTimeout)
	pick(&l.IdleTimeout, d.IdleTimeout)
	for _, p := range []struct {
		v   *int
		def int
	}{{&l.MaxHeaderBytes, d.MaxHeaderBytes}, {&l.PerUser, d.PerUser}, {&l.Total, d.Total}, {&l.AdminReserve, d.AdminReserve}} {
		if *p.v <= 0 {
			*p.v = p.def
		}
	}
	return l
}

// fitToDescriptors shrinks the connection limits to what the process's descriptor
// limit (RLIMIT_NOFILE) allows, keeping descriptorHeadroom free, a reserve for
// administrators and room for a second user.
func (l Limits) fitToDescriptors() Limits { return l.fitTo(descriptorLimit()) }

func (l Limits) fitTo(fds int) Limits {
	if fds <= 0 {
		return l
	}
	avail := fds - descriptorHeadroom
	if avail < 4 {
		avail = 4
	}
	if l.Total+l.AdminReserve <= avail {
		return l
	}
	l.AdminReserve = min(l.AdminReserve, max(1, avail/4))
	l.Total = max(1, avail-l.AdminReserve)
	l.PerUser = min(l.PerUser, max(1, l.Total/2))
	return l
}

// connLimiter counts open connections per user and admits a new one only within the
// limits.
type connLimiter struct {
	limits Limits
	log    zerolog.Logger

	mu       sync.Mutex
	perUser  map[string]int
	ordinary int
	admins   int
	// refusing counts the refusals being written, per caller and in all.
	refusing    map[string]int
	refusingAll int
}

func newConnLimiter(l Limits, log zerolog.Logger) *connLimiter {
	return &connLimiter{limits: l, log: log, perUser: map[string]int{}, refusing: map[string]int{}}
}

// userKey is the allowance a caller counts against.
func userKey(c Caller) string {
	if !c.Known {
		return "unidentified"
	}
	return c.UID
}

// admit counts a new connection from c, or says why it is refused.
func (lim *connLimiter) admit(c Caller) *Error {
	lim.mu.Lock()
	defer lim.mu.Unlock()
	l := lim.limits
	if lim.ordinary+lim.admins >= l.Total+l.AdminReserve {
		return newError(http.StatusServiceUnavailable, "the daemon has %d connections open, the most it serves: try again shortly", lim.ordinary+lim.admins)
	}
	if c.Admin {
		lim.admins++
		return nil
	}
	key := userKey(c)
	if n := lim.perUser[key]; n >= l.PerUser {
		return newError(http.StatusTooManyRequests, "you (%s) already have %d connections open to the daemon, the most one user may: close idle ones (hosts, `--follow` commands) and try again", c.Name(), n)
	}
	if lim.ordinary >= l.Total {
		return newError(http.StatusServiceUnavailable, "the daemon serves %d connections from ordinary users, the most it allows (the rest is kept for administrators): try again shortly", lim.ordinary)
	}
	lim.ordinary++
	lim.perUser[key]++
	if lim.perUser[key] == l.PerUser {
		lim.log.Warn().Str("event", "api-connection-limit").Str("user", c.Name()).Int("limit", l.PerUser).
			Msg("a user holds the most connections one user may; further ones are refused")
	}
	return nil
}

// release uncounts a connection admit counted.
func (lim *connLimiter) release(c Caller) {
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if c.Admin {
		lim.admins--
		return
	}
	key := userKey(c)
	lim.ordinary--
	if lim.perUser[key]--; lim.perUser[key] <= 0 {
		delete(lim.perUser, key)
	}
}

// refuse answers a surplus connection with e and closes it, without holding up Accept.
// When refusers are already busy, overall or for this caller (so that one user's flood
// cannot take every answer from the others), it is closed without an answer.
func (lim *connLimiter) refuse(c net.Conn, caller Caller, e *Error) {
	key := userKey(caller)
	lim.mu.Lock()
	busy := lim.refusingAll >= refusers || lim.refusing[key] >= refusersPerUser
	if !busy {
		lim.refusingAll++
		lim.refusing[key]++
	}
	lim.mu.Unlock()
	if busy {
		c.Close()
		return
	}
	go func() {
		defer func() {
			lim.mu.Lock()
			lim.refusingAll--
			if lim.refusing[key]--; lim.refusing[key] <= 0 {
				delete(lim.refusing, key)
			}
			lim.mu.Unlock()
		}()
		writeRefusal(c, e)
	}()
}

// writeRefusal reads the request's header, answers it with e, then reads (and drops)
// what the client has still sent, so that closing does not reset the connection before
// the client has read the answer. The header gets one second.
func writeRefusal(c net.Conn, e *Error) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	br := bufio.NewReader(io.LimitReader(c, int64(DefaultLimits.MaxHeaderBytes)))
	req, err := http.ReadRequest(br)
	if err != nil {
		return // no complete request header in time: nobody is waiting for an answer
	}
	body, _ := json.Marshal(ErrorBody{Error: e.Msg})
	if _, err := fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s",
		e.Status, http.StatusText(e.Status), len(body), body); err != nil {
		return
	}
	if req.ContentLength == 0 && br.Buffered() == 0 {
		return // everything the client sent is read: closing resets nothing
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	// Only what is already on its way: a client that keeps the connection open must not
	// keep a refuser busy.
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, MaxBodyBytes))
}

// limitListener identifies each connection's peer as it is accepted and admits it only
// within the limits.
type limitListener struct {
	net.Listener
	lim *connLimiter
}

// Accept implements net.Listener.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		caller, err := PeerIdentity(c)
		if err != nil {
			caller = Caller{}
		}
		if refusal := l.lim.admit(caller); refusal != nil {
			l.lim.log.Debug().Str("event", "api-connection-refused").Str("user", caller.Name()).Msg(refusal.Msg)
			l.lim.refuse(c, caller, refusal)
			continue
		}
		return &limitedConn{Conn: c, caller: caller, lim: l.lim}, nil
	}
}

// limitedConn is an admitted connection: it carries its caller, identified once, and
// gives its place back when closed.
type limitedConn struct {
	net.Conn
	caller Caller
	lim    *connLimiter
	once   sync.Once
}

// Close implements net.Conn.
func (c *limitedConn) Close() error {
	c.once.Do(func() { c.lim.release(c.caller) })
	return c.Conn.Close()
}
