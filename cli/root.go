// Package cli is the `addingov` command line for users, administrators and support
// engineers: it talks to the daemon over the local API and prints tables, JSON or CSV.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"addingov/localapi"
)

// Exit codes (documented in the README's CLI section).
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitUnreachable = 3
	// ExitRefused: the command worked and its answer is "no": `permissions` found that
	// policy (or the manifest itself) refuses the add-in.
	ExitRefused = 4
	// ExitAccessDenied: the daemon's socket (or pipe) exists but this account may not
	// connect to it; the message names the group to join.
	ExitAccessDenied = 5
)

// Version is set by the build.
var Version = "dev"

// globals are the flags every command shares.
type globals struct {
	socket string
	json   bool
	out    io.Writer
	errOut io.Writer
}

// usageError marks a command-line mistake (exit 2).
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// refusedError is a command's "no" (exit 4), after it printed its answer.
type refusedError struct{ error }

// NewRoot builds the addingov command tree.
func NewRoot() *cobra.Command {
	g := &globals{out: os.Stdout, errOut: os.Stderr}
	root := &cobra.Command{
		Use:   "addingov",
		Short: "Add-in governance: see, enable and disable add-ins, read the disable log and the policy",
		Long: `addingov talks to the addingovd daemon, which watches Office-style add-ins for slow
activation, crashes, CPU and memory use, turns off offenders and logs why.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.PersistentFlags().StringVar(&g.socket, "socket", "", "daemon socket or pipe (default: $ADDINGOV_SOCKET, then the platform default)")
	root.PersistentFlags().BoolVar(&g.json, "json", false, "print JSON for scripts")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		statusCmd(g), addinsCmd(g), stateCmd(g, true), stateCmd(g, false),
		logCmd(g), noticesCmd(g), policyCmd(g), demoCmd(g), demoAddinCmd(),
	)
	for _, f := range extraCommands {
		root.AddCommand(f(g))
	}
	return root
}

// extraCommands lets other files of this package add commands (kept per feature).
var extraCommands []func(*globals) *cobra.Command

// Main runs the CLI and returns the process exit code.
func Main(args []string) int {
	root := NewRoot()
	root.SetArgs(args)
	// Ctrl-C or SIGTERM ends --follow and the demo cleanly (children are cleaned up).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(os.Stderr, "addingov:", escapeLines(err.Error()))
	var ue usageError
	var re refusedError
	switch {
	case errors.As(err, &re):
		return ExitRefused
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "Run 'addingov --help' for usage.")
		return ExitUsage
	case localapi.IsUnreachable(err):
		return ExitUnreachable
	case localapi.IsAccessDenied(err):
		return ExitAccessDenied
	default:
		if isCobraUsage(err) {
			return ExitUsage
		}
		return ExitError
	}
}

// isCobraUsage recognises cobra's own argument errors ("unknown command", arg counts).
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "accepts ", "requires at least", "requires exactly", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// client connects to the daemon named by --socket, ADDINGOV_SOCKET, or the first of the
// platform's default addresses that has a daemon.
func (g *globals) client(ctx context.Context) (*localapi.Client, error) {
	t := localapi.NewTransport(localapi.ListenOptions{})
	addr := g.socket
	if addr == "" {
		addr = os.Getenv("ADDINGOV_SOCKET")
	}
	if addr != "" {
		return localapi.NewClient(t, addr), nil
	}
	candidates := localapi.ClientAddresses()
	pick := candidates[0]
	for _, a := range candidates {
		c, err := t.Dial(ctx, a)
		if err == nil {
			c.Close()
			return localapi.NewClient(t, a), nil
		}
		// A daemon that refuses this account is the one to report, rather than the
		// absence of one at the caller's own default address.
		if localapi.IsAccessDenied(err) && pick == candidates[0] {
			pick = a
		}
	}
	return localapi.NewClient(t, pick), nil
}
