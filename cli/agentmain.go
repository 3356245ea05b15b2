package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"addingov/version"
)

// AgentMain is the whole of addingov-agent: `addingov agent` as a program of its own, so
// that on Windows it can be built as a GUI-subsystem executable (no console window at
// logon) while addingov stays a console program for shells. With no stderr to write
// to, it logs to agent.log beside its state file unless --log-file says otherwise.
func AgentMain(args []string) int {
	g := &globals{out: os.Stdout, errOut: os.Stderr}
	cmd := agentCmdWith(g, logBesideState)
	cmd.Use = "addingov-agent"
	cmd.Short = "Show the addingov daemon's notices in your session (started at logon)"
	cmd.Version = version.Version
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.Flags().StringVar(&g.socket, "socket", "", "daemon socket or pipe (default: $ADDINGOV_SOCKET, then the platform default)")
	cmd.Flags().BoolVar(&g.json, "json", false, "also print each notice as JSON Lines on stdout")
	cmd.SetArgs(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return exitCode(cmd.ExecuteContext(ctx))
}
