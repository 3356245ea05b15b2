// Package demo runs `addingov demo`: a daemon in-process on a temporary state
// directory, five real child processes posing as add-ins, and a host that reports their
// activations over the real local API, so that governance can be watched end to end.
package demo

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"addingov/daemon"
	"addingov/display"
	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// Options configure a demo run.
type Options struct {
	// Duration is the longest the demo runs; it ends sooner once every misbehaving
	// add-in has been turned off.
	Duration time.Duration
	// Interval is the demo's sampling interval (below policy's 5 s minimum, so it is
	// the daemon's --interval override, not a policy value).
	Interval time.Duration
	JSON     bool
	// Policy is the policy the demo's daemon governs with (the demo thresholds, over an
	// optional .reg file).
	Policy     daemon.PolicyProvider
	PolicyName string
	// Command builds the command line of a synthetic add-in process.
	Command func(behavior string) *exec.Cmd
	// Address is where the demo's daemon listens; "" means a socket in the demo's
	// temporary directory.
	Address string
	// Linger keeps the daemon serving after the demo ends, until ctx ends, so that
	// `addingov agent` (or a host) can connect to it. Lingering, if set, is called
	// with the result and the address once the demo has ended and the daemon lingers.
	Linger    bool
	Lingering func(res *Result, address string)
	Out       io.Writer // the live view, or the JSON result
	Err       io.Writer // progress when Out is JSON
	Log       zerolog.Logger
}

// AddinResult is one add-in's outcome in the JSON result.
type AddinResult struct {
	ID      string         `json:"id"`
	Name    string         `json:"name"`
	State   string         `json:"state"`
	Reason  string         `json:"reason"`
	Strikes map[string]int `json:"strikes"`
}

// Result is what `addingov demo --json` prints.
type Result struct {
	Addins  []AddinResult      `json:"addins"`
	Log     []storage.LogEntry `json:"log"`
	Notices []storage.Notice   `json:"notices"`
	// Missed says, one line per add-in, which expected outcome did not happen (empty
	// when the demo showed everything it should). `addingov demo` then exits non-zero.
	Missed []string `json:"missed"`
}

// Run runs the demo until every misbehaving add-in is off, opts.Duration passes, or ctx
// ends; child processes are always cleaned up.
func Run(ctx context.Context, opts Options) (*Result, error) {
	dir, err := os.MkdirTemp("", "addingov-demo-")
	if err != nil {
		return nil, fmt.Errorf("create the demo's state directory: %w", err)
	}
	defer os.RemoveAll(dir)

	progress := func(format string, args ...any) {
		w := opts.Out
		if opts.JSON {
			w = opts.Err
		}
		fmt.Fprintf(w, "%s  %s\n", time.Now().Format("15:04:05.0"), fmt.Sprintf(format, args...))
	}

	addr := opts.Address
	if addr == "" {
		addr = filepath.Join(dir, "addingovd.sock")
	}
	exits := newExitBook()
	d, err := daemon.New(daemon.Config{
		ExitCodes:    exits.lookup,
		StateDir:     filepath.Join(dir, "state"),
		Address:      addr,
		Listen:       localapi.ListenOptions{Mode: 0o600},
		Interval:     opts.Interval,
		Policy:       opts.Policy,
		PolicySource: opts.PolicyName,
		Log:          opts.Log,
		Version:      "demo",
	})
	if err != nil {
		return nil, err
	}
	outer := ctx
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	daemonCtx, stopDaemon := context.WithCancel(context.Background())
	daemonDone := make(chan error, 1)
	go func() { daemonDone <- d.Run(daemonCtx) }()
	client := d.Client()
	if err := waitForDaemon(ctx, client, daemonDone); err != nil {
		stopDaemon()
		return nil, err
	}
	t := opts.Policy.Policy().Thresholds
	progress("daemon up: sampling every %s; CPU limit %.0f%% of a core for %d samples; memory limit %d MB; slow start over %s",
		opts.Interval, t.CPUCorePercent, t.CPUSampleCount, t.MemoryThresholdMB, t.ActivationThreshold)

	var wg sync.WaitGroup
	hosts := make([]*host, 0, len(Behaviors))
	for _, b := range Behaviors {
		h := &host{id: b.ID, name: b.Name, behavior: b.Behavior, client: client, command: opts.Command,
			progress: progress, procs: map[*exec.Cmd]struct{}{}, exits: exits}
		hosts = append(hosts, h)
		wg.Add(1)
		go func() { defer wg.Done(); h.run(ctx) }()
	}
	progress("launched %d add-ins: %s", len(hosts), behaviorList())

	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		watch(ctx, client, opts, progress, cancel)
	}()

	<-ctx.Done()
	for _, h := range hosts {
		h.killAll()
	}
	wg.Wait()
	<-watchDone

	res, err := collect(client)
	if err == nil {
		res.Missed = Missed(res, opts.Policy.Policy(), opts.Duration)
	}
	if err == nil && opts.Linger && outer.Err() == nil {
		if opts.Lingering != nil {
			opts.Lingering(res, addr)
		}
		<-outer.Done()
	}
	stopDaemon()
	if derr := <-daemonDone; derr != nil && err == nil {
		err = derr
	}
	return res, err
}

func behaviorList() string {
	s := ""
	for i, b := range Behaviors {
		if i > 0 {
			s += ", "
		}
		s += b.ID
	}
	return s
}

// waitForDaemon waits until the demo's own daemon answers. It watches the daemon's Run
// too: if that failed (say, --socket names an address another daemon serves), the
// answer would come from the other daemon, which the demo must not drive.
func waitForDaemon(ctx context.Context, c *localapi.Client, done <-chan error) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-done:
			if err == nil {
				err = fmt.Errorf("it stopped")
			}
			return fmt.Errorf("the demo daemon did not start: %w", err)
		default:
		}
		if _, err := c.Status(ctx); err == nil {
			return nil
		} else if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the demo daemon did not start: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// watch prints notices as they arrive and a live table, and ends the demo (cancel)
// once every add-in that should be turned off is.
func watch(ctx context.Context, c *localapi.Client, opts Options, progress func(string, ...any), done context.CancelFunc) {
	var after uint64
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	lastTable := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		ns, err := c.Notices(ctx, after, 100)
		if err == nil {
			for _, n := range ns {
				progress("NOTICE  %s", display.Escape(n.Text))
				after = n.Seq
			}
		}
		as, err := c.Addins(ctx)
		if err != nil {
			continue
		}
		if !opts.JSON && time.Since(lastTable) >= 2*time.Second {
			printTable(opts.Out, as)
			lastTable = time.Now()
		}
		page, err := c.Log(ctx, url.Values{"limit": {"0"}})
		if err != nil {
			continue
		}
		if finished(page.Entries, as, expected(opts.Policy.Policy().Thresholds)) {
			progress("every misbehaving add-in is off")
			done()
			return
		}
	}
}

// expected lists the add-ins governance can be expected to act on under thresholds t:
// a policy may raise a limit above what a synthetic add-in does.
func expected(t governance.Thresholds) map[string]bool {
	exp := map[string]bool{}
	for _, b := range Behaviors {
		switch b.Expect {
		case "":
			continue
		case "cpu":
			exp[b.ID] = t.CPUCorePercent <= 95 // the burner uses a whole core
		case "memory":
			exp[b.ID] = t.MemoryThresholdMB > 0 && t.MemoryThresholdMB<<20 < memoryToHold
		case "activation":
			exp[b.ID] = t.ActivationThreshold < slowStart
		default:
			exp[b.ID] = true
		}
	}
	return exp
}

// finished reports whether every add-in governance can act on has been turned off, has
// its violation logged as exempt (policy keeps it always enabled), or is blocked by
// policy.
func finished(log []storage.LogEntry, as []localapi.Addin, exp map[string]bool) bool {
	done := map[string]bool{}
	for _, e := range log {
		if e.Action == "disable" || e.Action == "exempt" {
			done[e.AddinID] = true
		}
	}
	for _, a := range as {
		if a.State == "blocked" {
			done[a.ID] = true
		}
	}
	for id, want := range exp {
		if want && !done[id] {
			return false
		}
	}
	return true
}

// Missed compares the demo's result with what governance must have done under policy
// p within d: each misbehaving add-in that policy lets governance act on is disabled
// for its reason (or, when policy keeps it always enabled, logged as exempt for it),
// demo-good stays enabled, and an add-in policy blocks is blocked. It returns one line
// per add-in that ended otherwise.
func Missed(res *Result, p governance.Policy, d time.Duration) []string {
	got := map[string]AddinResult{}
	for _, a := range res.Addins {
		got[a.ID] = a
	}
	exp := expected(p.Thresholds)
	missed := []string{}
	for _, b := range Behaviors {
		a, ok := got[b.ID]
		if !ok {
			missed = append(missed, b.ID+": missing from the daemon's add-in list")
			continue
		}
		if a.State == string(governance.StateBlocked) {
			continue // policy blocks it: it never ran, as policy wants
		}
		mode, listed := p.Mode(b.ID)
		want, wantReason := string(governance.StateDisabled), b.Expect
		switch {
		case b.Expect == "":
			want = string(governance.StateEnabled)
		case !exp[b.ID]:
			continue // policy's thresholds are above what the synthetic add-in does
		case listed && mode == governance.ManagedAlwaysEnabled:
			want = string(governance.StateEnabled) // its violation is logged as exempt
		}
		if a.State == want && a.Reason == wantReason {
			continue
		}
		switch {
		case b.Expect == "":
			missed = append(missed, fmt.Sprintf("%s should have stayed enabled, but it is %s (%s)", b.ID, a.State, orNone(a.Reason)))
		case want == string(governance.StateEnabled):
			missed = append(missed, fmt.Sprintf("%s should have been logged as exempt for %s (policy keeps it enabled), but it is %s with reason %s, strikes %s",
				b.ID, b.Expect, a.State, orNone(a.Reason), strikeList(a.Strikes)))
		default:
			missed = append(missed, fmt.Sprintf("%s should have been disabled for %s within %s, but it is %s with reason %s, strikes %s",
				b.ID, b.Expect, d, a.State, orNone(a.Reason), strikeList(a.Strikes)))
		}
	}
	return missed
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func strikeList(m map[string]int) string {
	s := ""
	for _, k := range []string{"cpu", "memory", "crash", "activation"} {
		if m[k] > 0 {
			if s != "" {
				s += " "
			}
			s += fmt.Sprintf("%s:%d", k, m[k])
		}
	}
	return orNone(s)
}

func printTable(w io.Writer, as []localapi.Addin) {
	sort.Slice(as, func(i, j int) bool { return as[i].ID < as[j].ID })
	fmt.Fprintf(w, "  %-12s %-9s %6s %8s  %s\n", "ADD-IN", "STATE", "CPU", "MEMORY", "STRIKES")
	for _, a := range as {
		fmt.Fprintf(w, "  %-12s %-9s %5.0f%% %6.0fMB  %s\n", a.ID, a.State, a.CPUPercent, float64(a.MemoryBytes)/(1<<20), strikeList(a.Strikes))
	}
}

// collect reads the final add-in table, the log and the notices from the daemon.
func collect(c *localapi.Client) (*Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	as, err := c.Addins(ctx)
	if err != nil {
		return nil, err
	}
	page, err := c.Log(ctx, nil)
	if err != nil {
		return nil, err
	}
	ns, err := c.Notices(ctx, 0, 1000)
	if err != nil {
		return nil, err
	}
	reasons := map[string]string{}
	for _, e := range page.Entries {
		if e.Action == "disable" || e.Action == "exempt" {
			reasons[e.AddinID] = e.Reason
		}
	}
	res := &Result{Log: page.Entries, Notices: ns}
	for _, a := range as {
		reason := reasons[a.ID]
		if a.State == "blocked" {
			reason = a.Reason
		}
		res.Addins = append(res.Addins, AddinResult{ID: a.ID, Name: a.Name, State: a.State, Reason: reason, Strikes: a.Strikes})
	}
	if res.Log == nil {
		res.Log = []storage.LogEntry{}
	}
	return res, nil
}
