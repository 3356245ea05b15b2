package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"addingov/display"
	"addingov/storage"
)

func noticesCmd(g *globals) *cobra.Command {
	var follow bool
	var after uint64
	cmd := &cobra.Command{
		Use:   "notices",
		Short: "Show the business-bar notices the daemon raised (add-ins turned off and why)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			if follow {
				enc := json.NewEncoder(g.out)
				return ignoreCanceled(c.FollowNotices(cmd.Context(), after, func(n storage.Notice) error {
					if g.json {
						return enc.Encode(n)
					}
					printNotice(g.out, n)
					return nil
				}))
			}
			ns, err := c.Notices(cmd.Context(), after, 1000)
			if err != nil {
				return err
			}
			if g.json {
				return printJSON(g.out, ns)
			}
			for _, n := range ns {
				printNotice(g.out, n)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&follow, "follow", false, "keep printing notices as they are raised (JSON Lines with --json)")
	cmd.Flags().Uint64Var(&after, "after", 0, "only notices after this sequence number")
	return cmd
}

func printNotice(w io.Writer, n storage.Notice) {
	fmt.Fprintf(w, "#%d %s  %s\n    %s\n", n.Seq, fmtTime(n.Time), display.Escape(n.Title), display.Escape(n.Text))
}
