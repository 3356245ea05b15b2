// Command addingovd is the addingov daemon: in the foreground on Linux (or under
// systemd), and a Windows service under the Service Control Manager.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"addingov/daemon"
	"addingov/version"
)

func main() {
	root := &cobra.Command{
		Use:           "addingovd",
		Short:         "The addingov daemon: governs add-ins and serves the local API",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version.Version,
	}
	root.AddCommand(runCmd())
	root.AddCommand(storeCommands()...)
	root.AddCommand(platformCommands()...)
	if err := root.Execute(); err != nil {
		if !errors.As(err, new(exitError)) {
			fmt.Fprintln(os.Stderr, "addingovd:", err)
		}
		os.Exit(exitCode(err))
	}
}

// runFlags binds the flags `run` (and the Windows service) take.
func runFlags(cmd *cobra.Command, o *daemon.RunOptions) {
	f := cmd.Flags()
	f.StringVar(&o.StateDir, "state-dir", daemon.DefaultStateDir(), "directory for the state database")
	f.StringVar(&o.Address, "socket", os.Getenv("ADDINGOV_SOCKET"), "socket (or pipe) to serve the local API on (default: the platform default)")
	f.DurationVar(&o.Interval, "interval", 0, "sampling interval, overriding policy (default: the policy's, 5s)")
	f.StringVar(&o.ConfigFile, "config", "", "JSON config file with process discovery rules")
	f.StringVar(&o.PolicyFile, "policy-file", "", "govern with this .reg file's policy instead of the registry (watched for changes)")
	f.StringVar(&o.OfficeEvents, "office-events", "", "Windows: follow this JSON Lines file of Outlook/Application Error events instead of the Event Log")
	f.StringSliceVar(&o.OfficeUsers, "office-users", nil, "Windows: SIDs whose Office add-ins are governed (default: the current user; as a service, every loaded user profile)")
	f.StringVar(&o.LogLevel, "log-level", "info", "debug, info, warn or error")
	f.IntVar(&o.SocketGroup, "socket-group", -1, "gid allowed to use the socket (mode 0660); -1 keeps the daemon's group")
}

func runCmd() *cobra.Command {
	var o daemon.RunOptions
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the daemon in the foreground (SIGINT or SIGTERM stops it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return daemon.RunMain(ctx, o, notifyReady)
		},
	}
	runFlags(cmd, &o)
	return cmd
}
