package daemon

import (
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"addingov/localapi"
)

// What one ordinary user may make the daemon store. Every string a caller supplies is
// cut to maxStoredText bytes (display.Truncate, marked with "…"), and every change a
// non-administrator's request stores (an enable or disable, a record a host's report
// creates, an activation failure) takes a token from that user's bucket: writeBurst at
// once, refilled at writesPerMinute. A request with no token left is refused with 429
// and says when to retry. Administrators are not limited: the daemon must always obey
// them.
const (
	maxStoredText   = 512
	writeBurst      = 30
	writesPerMinute = 10
)

// writeQuota holds one token bucket per user (uid or SID).
type writeQuota struct {
	mu    sync.Mutex
	users map[string]*rate.Limiter
	now   func() time.Time
}

func newWriteQuota() *writeQuota {
	return &writeQuota{users: map[string]*rate.Limiter{}, now: time.Now}
}

// take spends one of caller's tokens, or returns a 429 saying when one is back.
func (q *writeQuota) take(c localapi.Caller) error {
	if c.Admin {
		return nil
	}
	key := c.UID
	if !c.Known {
		key = "" // unidentified callers share one bucket
	}
	now := q.now()
	q.mu.Lock()
	lim := q.users[key]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(time.Minute/writesPerMinute), writeBurst)
		q.users[key] = lim
	}
	r := lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	if wait > 0 {
		r.CancelAt(now)
	}
	q.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	secs := int(math.Ceil(wait.Seconds()))
	return &localapi.Error{Status: http.StatusTooManyRequests, Msg: fmt.Sprintf(
		"%s has made more changes than the daemon stores for one user in a short time (%d at once, then %d a minute): nothing was stored; retry in %d s",
		c.Name(), writeBurst, writesPerMinute, secs)}
}
