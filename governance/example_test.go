package governance_test

import (
	"fmt"
	"time"

	"addingov/governance"
)

// stoppedClock is a clock that a caller moves by hand.
type stoppedClock struct{ now time.Time }

func (c *stoppedClock) Now() time.Time { return c.now }

// The daemon feeds observations to the engine and persists what comes back: strikes,
// and a decision when a limit is reached.
func ExampleEngine_ObserveCrash() {
	clock := &stoppedClock{now: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)}
	engine := governance.NewEngine(clock, governance.StaticPolicy(governance.DefaultPolicy()))

	for n := 1; n <= 4; n++ {
		clock.now = clock.now.Add(10 * time.Minute)
		res := engine.ObserveCrash(governance.Crash{AddinID: "contoso-crm", PID: 4242, Time: clock.now})
		fmt.Printf("crash %d: %d new strike(s)\n", n, len(res.Strikes))
		if d := res.Decision; d != nil {
			fmt.Printf("%s: Contoso CRM %s\n", d.Action, d.Summary)
		}
	}
	ok, why := engine.MayActivate("contoso-crm")
	fmt.Println("may activate:", ok, "-", why)
	// Output:
	// crash 1: 1 new strike(s)
	// crash 2: 1 new strike(s)
	// crash 3: 1 new strike(s)
	// crash 4: 1 new strike(s)
	// disable: Contoso CRM crashed 4 times in 24 hours
	// may activate: false - turned off by governance because it crashed 4 times in 24 hours
}
