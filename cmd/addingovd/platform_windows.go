//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"addingov/daemon"
	"addingov/logging"
	"addingov/winservice"
)

// platformCommands are the Windows service commands: `service` is what the Service Control
// Manager runs; install, uninstall, start and stop manage the AddinGov service.
func platformCommands() []*cobra.Command {
	return []*cobra.Command{serviceCmd(), installCmd(), uninstallCmd(), startCmd(), stopCmd(), recoveryCmd()}
}

// notifyReady: a foreground daemon on Windows has no service manager to tell; under the
// SCM, winservice reports Running instead.
func notifyReady() {}

func serviceCmd() *cobra.Command {
	var o daemon.RunOptions
	cmd := &cobra.Command{
		Use:   winservice.ServiceArg,
		Short: "Run as the AddinGov Windows service (the Service Control Manager runs this; from a prompt it runs in the foreground)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Service = true
			log, closeLog, err := logging.New(logging.Options{Level: o.LogLevel, Service: true})
			if err != nil {
				return err
			}
			defer closeLog()
			err = winservice.Run(winservice.Name, func(ctx context.Context, ready func()) error {
				return daemon.RunMain(ctx, o, ready)
			}, log)
			if !errors.Is(err, winservice.ErrNotUnderSCM) {
				return err
			}
			fmt.Fprintln(os.Stderr, "addingovd: not started by the Service Control Manager: running in the foreground (Ctrl-C stops it)")
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			return daemon.RunMain(ctx, o, notifyReady)
		},
	}
	runFlags(cmd, &o)
	return cmd
}

// executable is this binary's absolute path, which the service runs.
func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find addingovd's own path: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return filepath.Abs(exe)
}

func installCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "install",
		Short: "Install (or repair) the AddinGov service: automatic start as LocalSystem, restart on failure, Event Log source",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exe, err := executable()
			if err != nil {
				return err
			}
			created, err := winservice.Install(winservice.DefaultSpec(exe))
			if err != nil {
				return err
			}
			if created {
				fmt.Fprintf(cmd.OutOrStdout(), "service %s installed (%s %s); start it with `addingovd start`\n", winservice.Name, exe, winservice.ServiceArg)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "service %s was already installed; its configuration is up to date (%s %s)\n", winservice.Name, exe, winservice.ServiceArg)
			}
			return nil
		},
	}
}

func uninstallCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Stop and remove the AddinGov service and its Event Log source (the state directory is kept)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			removed, err := winservice.Uninstall(winservice.Name, logging.EventSource, timeout)
			if err != nil {
				return err
			}
			if removed {
				fmt.Fprintf(cmd.OutOrStdout(), "service %s removed; its state stays in %s\n", winservice.Name, daemon.DefaultStateDir())
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "service %s was not installed\n", winservice.Name)
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for the service to stop")
	return cmd
}

func startCmd() *cobra.Command {
	return controlCmd("start", "Start the AddinGov service and wait until it runs", "running", winservice.Start)
}

func stopCmd() *cobra.Command {
	return controlCmd("stop", "Stop the AddinGov service and wait until it has stopped", "stopped", winservice.Stop)
}

// controlCmd is a command that moves the service to a state and waits for it.
func controlCmd(use, short, state string, control func(name string, timeout time.Duration) error) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := control(winservice.Name, timeout); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "service %s is %s\n", winservice.Name, state)
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for the service to be "+state)
	return cmd
}

// recoveryCmd sets the restart-on-failure actions of an installed service. The MSI runs
// it after creating the service, because wixl cannot write the MsiServiceConfigFailureActions
// table.
func recoveryCmd() *cobra.Command {
	return &cobra.Command{
		Use:    winservice.RecoveryCommand,
		Short:  "Set the AddinGov service's recovery actions (restart after 5 s, 30 s, 60 s); the MSI runs this",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return winservice.SetRecovery(winservice.Name)
		},
	}
}
