package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"addingov/notify"
)

func init() { extraCommands = append(extraCommands, agentCmd) }

// agentFlags are `addingov agent`'s own flags.
type agentFlags struct {
	once             bool
	via              string
	stateFile        string
	maxAge           time.Duration
	installAutostart bool
	logLevel         string
	logFile          string
}

// logBesideState is --log-file's value for agent.log beside the state file.
const logBesideState = "auto"

func agentCmd(g *globals) *cobra.Command { return agentCmdWith(g, "") }

// agentCmdWith is the agent command whose --log-file defaults to defaultLog ("" is
// stderr).
func agentCmdWith(g *globals, defaultLog string) *cobra.Command {
	var f agentFlags
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Show the daemon's notices on your desktop as they are raised (runs at logon)",
		Long: `agent follows the daemon's notices (an add-in was turned off, and why) and shows each one
once: as a desktop notification (D-Bus) on Linux, a notification from the agent's
notification-area icon on Windows, or on the terminal when there is no desktop. On the
desktop the notice offers "Turn back on" (where you may) and "Details". It remembers what you have seen across restarts,
reconnects when the daemon restarts, and logs to stderr.

--install-autostart makes it start at every logon (XDG autostart on Linux; on Windows
the installer registers it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.installAutostart {
				return installAgentAutostart(g)
			}
			return runAgent(cmd.Context(), g, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.once, "once", false, "deliver the pending notices and exit")
	fl.StringVar(&f.via, "via", "auto", "where notices go: auto (desktop, else terminal), desktop, terminal, or none (only --json)")
	fl.StringVar(&f.stateFile, "state-file", "", "where to remember the last notice shown (default: your state directory's agent.seq)")
	fl.DurationVar(&f.maxAge, "max-age", 7*24*time.Hour, "skip notices older than this (0 shows all)")
	fl.BoolVar(&f.installAutostart, "install-autostart", false, "start the agent at every logon, then exit")
	fl.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fl.StringVar(&f.logFile, "log-file", defaultLog, `append logs to this file instead of stderr ("auto": agent.log beside the state file)`)
	return cmd
}

func runAgent(ctx context.Context, g *globals, f agentFlags) error {
	level, err := zerolog.ParseLevel(f.logLevel)
	if err != nil || f.logLevel == "" {
		return usagef("--log-level %q: use debug, info, warn or error", f.logLevel)
	}
	if f.maxAge < 0 {
		return usagef("--max-age must not be negative")
	}
	switch f.via {
	case "auto", "desktop", "terminal":
	case "none":
		if !g.json {
			return usagef("--via none shows nothing: add --json to print the notices")
		}
	default:
		return usagef("--via %q: use auto, desktop, terminal or none", f.via)
	}
	statePath := f.stateFile
	if statePath == "" {
		dir, err := notify.DefaultStateDir()
		if err != nil {
			return err
		}
		statePath = filepath.Join(dir, "agent.seq")
	}
	logOut := g.errOut
	if f.logFile != "" {
		path := f.logFile
		if path == logBesideState {
			path = filepath.Join(filepath.Dir(statePath), "agent.log")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("create the folder for the agent's log %s: %w (pass --log-file)", path, err)
		}
		lf, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("open the agent's log %s: %w (pass --log-file)", path, err)
		}
		defer lf.Close()
		logOut = lf
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: logOut, TimeFormat: time.DateTime, NoColor: f.logFile != ""}).
		Level(level).With().Timestamp().Str("component", "agent").Logger()
	lock, err := notify.AcquireLock(statePath + ".lock")
	if err != nil {
		return err
	}
	defer lock.Release()
	state, err := notify.LoadState(statePath)
	if errors.Is(err, notify.ErrCorruptState) {
		log.Warn().Err(err).Msg("starting from the daemon's record")
	} else if err != nil {
		return err
	}

	notifier, closeNotifier, err := agentNotifier(g, f.via, log)
	if err != nil {
		return err
	}
	defer closeNotifier()

	agent, err := notify.NewAgent(notify.Options{
		Connect: func(ctx context.Context) (notify.Source, string, error) {
			c, err := g.client(ctx)
			if err != nil {
				return nil, "", err
			}
			return c, c.Addr, nil
		},
		Notifier: notifier,
		State:    state,
		Log:      log,
		MaxAge:   f.maxAge,
	})
	if err != nil {
		return err
	}
	if f.once {
		n, err := agent.Once(ctx)
		if err != nil {
			return err
		}
		log.Debug().Int("shown", n).Msg("pending notices delivered")
		return nil
	}
	return agent.Run(ctx)
}

// agentNotifier builds the notifier --via and --json ask for, and its cleanup.
func agentNotifier(g *globals, via string, log zerolog.Logger) (notify.Notifier, func(), error) {
	// With --json, stdout carries only JSON Lines; terminal notices move to stderr.
	termOut := g.out
	if g.json {
		termOut = g.errOut
	}
	var ns notify.Tee
	cleanup := func() {}
	switch via {
	case "auto", "desktop":
		d, err := notify.OpenDesktop()
		switch {
		case err == nil:
			cleanup = func() { _ = d.Close() }
			ns = append(ns, &notify.Fallback{Primary: d, Secondary: notify.NewTerminal(termOut), Log: log})
		case via == "desktop":
			return nil, nil, fmt.Errorf("cannot show desktop notifications: %w (use --via terminal outside a desktop session)", err)
		default:
			log.Info().Err(err).Msg("no desktop notifications; showing notices on the terminal")
			ns = append(ns, notify.NewTerminal(termOut))
		}
	case "terminal":
		ns = append(ns, notify.NewTerminal(termOut))
	case "none": // only the JSON Lines below
	default:
		return nil, nil, usagef("--via %q: use auto, desktop, terminal or none", via)
	}
	if g.json {
		ns = append(ns, notify.NewJSONLines(g.out))
	}
	if len(ns) == 1 {
		return ns[0], cleanup, nil
	}
	return ns, cleanup, nil
}

func installAgentAutostart(g *globals) error {
	if runtime.GOOS == "windows" {
		return errors.New("on Windows the installer starts addingov-agent.exe at every logon (the HKLM Run entry AddinGovAgent); repair AddinGov in Apps & features to restore it")
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program for the autostart entry: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	dir, err := notify.AutostartDir()
	if err != nil {
		return err
	}
	path, err := notify.InstallAutostart(dir, exe)
	if err != nil {
		return err
	}
	return printAutostart(g.out, g.json, path)
}

func printAutostart(w io.Writer, asJSON bool, path string) error {
	if asJSON {
		return printJSON(w, map[string]string{"autostart": path})
	}
	_, err := fmt.Fprintf(w, "The agent will start at your next logon (%s).\nStart it now with: addingov agent &\n", path)
	return err
}
