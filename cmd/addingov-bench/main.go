// Command addingov-bench measures the figures issue 13 sets goals for, each beside the
// floor it is judged against, in one run on this machine: acknowledged writes to a real
// daemon over its real socket against raw bbolt and fsync, the sampler against raw
// /proc reads and a naive gopsutil scan, `addingov log --since 1h` over a million-entry
// store against a raw bbolt cursor, the daemon's own CPU and memory, and notice
// latency. It prints the table (or --json); --short is a quick run that proves the
// command works. It exits 1 only when a measurement could not be made, never because
// a goal was missed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"addingov/daemon"
)

// options are the bench's flags.
type options struct {
	short     bool
	json      bool
	rounds    int
	dir       string
	addingovd string
}

// sizes are what a mode measures with.
type sizes struct {
	rounds       int
	writeFor     time.Duration // per write scenario per round
	samplerTicks int           // sampler ticks (and raw reads) per round
	naiveScans   int           // naive scans per round
	logEntries   int           // the store `log --since 1h` reads
	logQueries   int           // per kind per round
	activations  int           // start-to-ready round trips per round
	notices      int           // notice deliveries per round
	cpuWindow    time.Duration // how long the daemon's CPU and RSS are watched
}

func (o options) sizes() sizes {
	if o.short {
		return sizes{rounds: max(1, o.rounds), writeFor: 250 * time.Millisecond, samplerTicks: 5, naiveScans: 2,
			logEntries: 100_000, logQueries: 5, activations: 50, notices: 5, cpuWindow: 5 * time.Second}
	}
	return sizes{rounds: max(1, o.rounds), writeFor: 2 * time.Second, samplerTicks: 20, naiveScans: 5,
		logEntries: 1_000_000, logQueries: 20, activations: 200, notices: 20, cpuWindow: 30 * time.Second}
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "addingov-bench:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

type usageError struct{ error }

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	var o options
	root := &cobra.Command{
		Use:   "addingov-bench",
		Short: "Measure addingov's performance goals beside their floors, in one run",
		Long: `addingov-bench runs every figure of issue 13's table side by side: each goal's
measurement and the floor it is judged against (raw bbolt, fsync, raw /proc reads, a
no-op API request) in the same run, with medians over rounds and p99 over all samples.
It prints a table, or JSON with --json. It exits 0 when every figure was measured,
whether or not its goal was met (missed goals are marked MISSED), and 1 when a
measurement failed.`,
		Example: `  go run ./cmd/addingov-bench
  go run ./cmd/addingov-bench --short
  go run ./cmd/addingov-bench --json > bench.json`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.rounds < 1 {
				return usageError{fmt.Errorf("--rounds %d: give at least 1", o.rounds)}
			}
			if !cmd.Flags().Changed("rounds") && o.short {
				o.rounds = 1
			}
			return bench(cmd.Context(), o, stdout, stderr)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.Flags()
	f.BoolVar(&o.short, "short", false, "quick run with smaller sizes and one round (for CI: proves the command works)")
	f.BoolVar(&o.json, "json", false, "print JSON: the machine and one object per row")
	f.IntVar(&o.rounds, "rounds", 5, "rounds of every measurement (medians are over rounds); --short defaults to 1")
	f.StringVar(&o.dir, "dir", "", "directory for the state files and sockets (default: the system temp directory); put it on the disk you want measured")
	f.StringVar(&o.addingovd, "addingovd", "", "addingovd binary for the CPU and RSS row (default: go build ./cmd/addingovd; --short uses this binary's daemon mode)")
	root.AddCommand(hostCmd(), daemonCmd())
	return root
}

// hostCmd is a child process an activation names: it waits until its stdin closes.
func hostCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "host",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, _ = io.Copy(io.Discard, os.Stdin)
			return nil
		},
	}
}

// daemonCmd runs the daemon as `addingovd run` does (daemon.RunMain), for --short's
// CPU and RSS row without building addingovd.
func daemonCmd() *cobra.Command {
	var o daemon.RunOptions
	cmd := &cobra.Command{
		Use:    "daemon",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return daemon.RunMain(cmd.Context(), o, nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.StateDir, "state-dir", "", "")
	f.StringVar(&o.Address, "socket", "", "")
	f.DurationVar(&o.Interval, "interval", 0, "")
	f.StringVar(&o.LogLevel, "log-level", "info", "")
	f.IntVar(&o.SocketGroup, "socket-group", -1, "")
	return cmd
}

// progress reports long steps on stderr.
type progress struct {
	w     io.Writer
	start time.Time
}

func (p *progress) say(format string, args ...any) {
	fmt.Fprintf(p.w, "addingov-bench [%5.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}

// phase is one group of rows measured together.
type phase struct {
	name string
	run  func(ctx context.Context, env *env) ([]Row, error)
}

// env is what every phase gets.
type env struct {
	o    options
	s    sizes
	dir  string // this run's own directory
	p    *progress
	self string // this binary, for child processes
}

func bench(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if err := checkAdmin(); err != nil {
		return err
	}
	p := &progress{w: stderr, start: time.Now()}
	dir, err := os.MkdirTemp(o.dir, "addingov-bench-")
	if err != nil {
		return fmt.Errorf("create the bench directory: %w (give a writable --dir)", err)
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this binary to start child processes: %w", err)
	}
	e := &env{o: o, s: o.sizes(), dir: dir, p: p, self: self}
	m := thisMachine(dir)
	p.say("%s", m)
	mode := "full"
	if o.short {
		mode = "short"
	}
	p.say("%s mode, %d round(s)", mode, e.s.rounds)

	rep := report{Machine: m, Mode: mode}
	for _, ph := range phases() {
		if ctx.Err() != nil {
			rep.Errors = append(rep.Errors, ph.name+": interrupted")
			break
		}
		p.say("%s", ph.name)
		rows, err := ph.run(ctx, e)
		rep.Rows = append(rep.Rows, rows...)
		if err != nil {
			p.say("%s failed: %v", ph.name, err)
			rep.Errors = append(rep.Errors, ph.name+": "+err.Error())
		}
	}
	p.say("done in %s", time.Since(p.start).Round(100*time.Millisecond))
	if o.json {
		err = writeJSON(stdout, rep)
	} else {
		fmt.Fprintln(stdout, m)
		fmt.Fprintf(stdout, "mode: %s, %d round(s); values are medians over rounds, p99 over all samples; ratio = value / floor, round by round (the median of the rounds' ratios) where both are measured every round\n\n", mode, e.s.rounds)
		err = writeTable(stdout, rep.Rows)
		for _, msg := range rep.Errors {
			fmt.Fprintln(stdout, "FAILED to measure:", msg)
		}
	}
	if err != nil {
		return err
	}
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d measurement(s) failed (see above)", len(rep.Errors))
	}
	return nil
}

func phases() []phase {
	return []phase{
		{"acknowledged writes over the socket, and their floors", writeRows},
		{"sampler against raw /proc reads and a naive scan", samplerRows},
		{"log --since 1h over a large store, activations and notices", logRows},
		{"the daemon's own CPU and RSS with 100 add-ins", daemonCostRows},
	}
}
