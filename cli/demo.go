package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"addingov/demo"
)

func demoCmd(g *globals) *cobra.Command {
	var duration time.Duration
	var policyFile string
	var verbose, linger bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Watch real add-in processes being sampled, struck and turned off (self-contained)",
		Long: `demo starts a daemon in-process on a temporary state directory, launches five real
child processes as synthetic add-ins (demo-good, demo-cpu, demo-memory, demo-crash,
demo-slow) and reports their activations over the local API the way a host would.
It ends once every misbehaving add-in is off, or after --duration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if duration <= 0 || duration > 10*time.Minute {
				return usagef("--duration must be between 1s and 10m, got %s", duration)
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("find this program to launch the demo add-ins: %w", err)
			}
			policy, name, err := demoPolicy(policyFile)
			if err != nil {
				return err
			}
			log := zerolog.Nop()
			if verbose {
				log = zerolog.New(zerolog.ConsoleWriter{Out: g.errOut, TimeFormat: "15:04:05.000"}).With().Timestamp().Logger()
			}
			lingered := false
			res, err := demo.Run(cmd.Context(), demo.Options{
				Address: g.socket, // --socket: where the demo's daemon listens
				Linger:  linger,
				Lingering: func(res *demo.Result, addr string) {
					lingered = true
					if err := printDemo(g, res); err != nil {
						fmt.Fprintln(g.errOut, "addingov:", err)
					}
					fmt.Fprintf(g.errOut, "\nThe demo's daemon stays up at %s: in another terminal run\n  addingov --socket %s agent\nto see its notices (once each, also after restarting the agent). Ctrl-C ends it.\n", addr, addr)
				},
				Duration:   duration,
				Interval:   time.Second,
				JSON:       g.json,
				Policy:     policy,
				PolicyName: name,
				Command: func(behavior string) *exec.Cmd {
					c := exec.Command(exe, "demo-addin", behavior)
					c.Stderr = os.Stderr
					setChildAttrs(c)
					return c
				},
				Out: g.out,
				Err: g.errOut,
				Log: log,
			})
			if err != nil {
				return err
			}
			if !lingered {
				if err := printDemo(g, res); err != nil {
					return err
				}
			}
			return missedError(res, duration)
		},
	}
	cmd.Flags().DurationVar(&duration, "duration", 50*time.Second, "run at most this long")
	cmd.Flags().StringVar(&policyFile, "policy-file", "", "govern with this .reg policy file on top of the demo thresholds")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show the daemon's log on stderr")
	cmd.Flags().BoolVar(&linger, "linger", false, "keep the demo's daemon up after the demo, until Ctrl-C, for `addingov agent` to connect")
	return cmd
}

// missedError turns the outcomes the demo missed into the command's error, so that it
// exits non-zero with the reasons on stderr.
func missedError(res *demo.Result, duration time.Duration) error {
	if len(res.Missed) == 0 {
		return nil
	}
	return fmt.Errorf("the demo did not show %d expected outcome(s):\n  %s\non a busy machine a synthetic add-in may not reach its threshold in time: run it again, with a longer --duration than %s",
		len(res.Missed), strings.Join(res.Missed, "\n  "), duration)
}

// printDemo prints the result as JSON or as the final tables.
func printDemo(g *globals, res *demo.Result) error {
	if g.json {
		return printJSON(g.out, res)
	}
	return printDemoTables(g, res)
}

func printDemoTables(g *globals, res *demo.Result) error {
	fmt.Fprintln(g.out, "\nAdd-ins at the end:")
	t := newTable(g.out, "ID", "NAME", "STATE", "REASON", "STRIKES")
	for _, a := range res.Addins {
		t.row(a.ID, a.Name, a.State, orDash(a.Reason), fmtStrikes(a.Strikes))
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(g.out, "\nDisable log:")
	t = newTable(g.out, "TIME", "ADD-IN", "ACTION", "REASON", "VALUE", "THRESHOLD", "EVIDENCE")
	for _, e := range res.Log {
		t.row(fmtTime(e.Time), orDash(e.AddinID), e.Action, orDash(e.Reason), valueUnit(e.Value, e.Unit),
			valueUnit(e.Threshold, e.Unit), fmt.Sprintf("%d items", len(e.Evidence)))
	}
	return t.flush()
}

// demoAddinCmd is the hidden body of a synthetic add-in process.
func demoAddinCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "demo-addin BEHAVIOR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			os.Exit(demo.RunAddin(args[0]))
			return nil
		},
	}
}

// ignoreCanceled treats the end of a --follow by Ctrl-C as success.
func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
