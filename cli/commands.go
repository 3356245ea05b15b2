package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"addingov/display"
	"addingov/localapi"
	"addingov/office"
)

func statusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show whether the daemon runs, and a summary of the add-ins it governs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			s, err := c.Status(cmd.Context())
			if err != nil {
				return err
			}
			if g.json {
				return printJSON(g.out, s)
			}
			fmt.Fprintf(g.out, "addingovd %s (pid %d) running since %s\n", s.Version, s.PID, fmtTime(s.StartedAt))
			fmt.Fprintf(g.out, "  listening on  %s\n  state in      %s\n  policy from   %s\n  sampling      every %s\n",
				s.Address, s.StateDir, orDash(s.PolicySource), s.Interval)
			policyState := "no errors"
			if s.PolicyErrors > 0 {
				policyState = fmt.Sprintf("%d errors or unknown names: see addingov policy", s.PolicyErrors)
			}
			fmt.Fprintf(g.out, "  policy read   %s, %s\n", fmtTime(s.PolicyLoadedAt), policyState)
			fmt.Fprintf(g.out, "  add-ins       %d (%d enabled, %d disabled, %d blocked)\n", s.Addins, s.Enabled, s.Disabled, s.Blocked)
			fmt.Fprintf(g.out, "  you are       %s (admin: %v)\n", callerName(s.Caller), s.Caller.Admin)
			return nil
		},
	}
}

func callerName(c localapi.Caller) string {
	if c.User != "" {
		return c.User
	}
	if c.UID != "" {
		return "uid " + c.UID
	}
	return "unknown"
}

func addinsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "addins",
		Short: "List add-ins with their state, strikes and resource use",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			as, err := c.Addins(cmd.Context())
			if err != nil {
				return err
			}
			if g.json {
				return printJSON(g.out, as)
			}
			return printAddins(g, as)
		},
	}
	cmd.AddCommand(addinsShowCmd(g))
	return cmd
}

func printAddins(g *globals, as []localapi.Addin) error {
	t := newTable(g.out, "ID", "NAME", "KIND", "HOST", "STATE", "STRIKES", "CPU", "MEMORY", "REASON")
	for _, a := range as {
		t.row(a.ID, a.Name, orDash(a.Kind), orDash(a.Host), a.State, fmtStrikes(a.Strikes), strconv.FormatFloat(a.CPUPercent, 'f', 0, 64)+"%",
			fmtBytes(a.MemoryBytes), orDash(a.Reason))
	}
	return t.flush()
}

func stateCmd(g *globals, enable bool) *cobra.Command {
	verb := "disable"
	if enable {
		verb = "enable"
	}
	var req localapi.StateRequest
	cmd := &cobra.Command{
		Use:   verb + " ID",
		Short: map[bool]string{true: "Turn an add-in back on", false: "Turn an add-in off"}[enable],
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			a, err := c.SetEnabled(cmd.Context(), args[0], enable, req)
			if err != nil {
				return err
			}
			if g.json {
				return printJSON(g.out, a)
			}
			fmt.Fprintf(g.out, "%s is now %s.\n", display.Escape(a.Name), a.State)
			return nil
		},
	}
	cmd.Flags().BoolVar(&req.Everyone, "everyone", false, "for every user of this machine (administrators only)")
	cmd.Flags().StringVar(&req.Reason, "reason", "", "why, for the log")
	return cmd
}

// fmtLoadBehavior shows an Office add-in's LoadBehavior with its meaning.
func fmtLoadBehavior(lb *uint32) string {
	if lb == nil {
		return "-"
	}
	return fmt.Sprintf("%d (%s)", *lb, office.LoadBehavior(*lb).Meaning())
}
