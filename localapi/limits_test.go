package localapi

import (
	"testing"

	"github.com/rs/zerolog"
)

// The connection limits shrink to the descriptor limit, keeping headroom for the rest
// of the daemon, a reserve for administrators, and room for a second user.
func TestLimitsFitToDescriptors(t *testing.T) {
	for _, fds := range []int{0, 20, 70, 128, 300, 1024, 1 << 20} {
		l := DefaultLimits.fitTo(fds)
		if fds == 0 || fds >= DefaultLimits.Total+DefaultLimits.AdminReserve+descriptorHeadroom {
			if l != DefaultLimits {
				t.Errorf("%d descriptors: %+v, want the defaults unchanged", fds, l)
			}
			continue
		}
		if l.Total < 1 || l.AdminReserve < 1 || l.PerUser < 1 || (l.Total > 1 && l.PerUser >= l.Total) {
			t.Errorf("%d descriptors: %+v leaves no reserve or no room for a second user", fds, l)
		}
		if fds > descriptorHeadroom+4 && l.Total+l.AdminReserve+descriptorHeadroom > fds {
			t.Errorf("%d descriptors: %+v can exhaust them", fds, l)
		}
	}
}

// Administrators are admitted beyond the ordinary users' total, up to the reserve; a
// released connection gives its place back.
func TestConnLimiterAdmitsAdminsFromTheReserve(t *testing.T) {
	lim := newConnLimiter(Limits{PerUser: 2, Total: 3, AdminReserve: 1}, zerolog.Nop())
	alice, bob, carol := Caller{UID: "1000", Known: true}, Caller{UID: "1001", Known: true}, Caller{UID: "1002", Known: true}
	root := Caller{UID: "0", Admin: true, Known: true}
	steps := []struct {
		who    Caller
		status int // 0: admitted
	}{
		{alice, 0}, {alice, 0}, {alice, 429}, {Caller{}, 0}, {bob, 503}, {root, 0}, {root, 503}, {carol, 503},
	}
	for i, s := range steps {
		got := 0
		if e := lim.admit(s.who); e != nil {
			got = e.Status
		}
		if got != s.status {
			t.Fatalf("step %d (%s): status %d, want %d", i, s.who.Name(), got, s.status)
		}
	}
	lim.release(alice)
	if e := lim.admit(bob); e != nil {
		t.Fatalf("bob after alice closed one: %v", e)
	}
}
