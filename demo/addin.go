package demo

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

// Behaviors are the synthetic add-ins the demo runs, by id.
var Behaviors = []struct {
	ID, Name, Behavior, Expect string
}{
	{"demo-good", "Demo Good Citizen", "good", ""},
	{"demo-cpu", "Demo CPU Burner", "cpu", "cpu"},
	{"demo-memory", "Demo Memory Hog", "memory", "memory"},
	{"demo-crash", "Demo Crasher", "crash", "crash"},
	{"demo-slow", "Demo Slow Starter", "slow", "activation"},
}

// Timings of the synthetic add-ins.
const (
	slowStart    = 1500 * time.Millisecond // demo-slow's time to ready: over the 1 s threshold
	crashAfter   = 300 * time.Millisecond  // demo-crash's life after ready
	memoryToHold = 256 << 20               // demo-memory's allocation: over the demo's 128 MB limit
	demoMemoryMB = 128
)

// RunAddin is the body of a synthetic add-in process: it prints "ready" on stdout when
// it is ready, then behaves as named until killed. It returns the exit code.
func RunAddin(behavior string) int {
	ready := func() { fmt.Println("ready") }
	switch behavior {
	case "good":
		ready()
		idle()
		return 0
	case "cpu":
		ready()
		runtime.GOMAXPROCS(1)
		x := 0
		for {
			x++
		}
	case "memory":
		ready()
		buf := make([]byte, memoryToHold)
		for {
			for i := 0; i < len(buf); i += 4096 {
				buf[i]++ // touch every page so it is resident
			}
			time.Sleep(200 * time.Millisecond)
		}
	case "crash":
		ready()
		time.Sleep(crashAfter)
		fmt.Fprintln(os.Stderr, "demo-crash: simulated fault")
		return 3
	case "slow":
		time.Sleep(slowStart)
		ready()
		idle()
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown demo behavior %q: use good, cpu, memory, crash or slow\n", behavior)
	return 2
}

// idle waits until the host kills the process.
func idle() {
	for {
		time.Sleep(time.Hour)
	}
}
