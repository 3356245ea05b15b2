package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"addingov/localapi"
	"addingov/report"
)

func init() { extraCommands = append(extraCommands, reportCmd) }

func reportCmd(g *globals) *cobra.Command {
	var out, since string
	cmd := &cobra.Command{
		Use:   "report ID --out FILE",
		Short: "Write a chart of an add-in's CPU and memory over time, with its limits, strikes and disables (.png, .svg or .html)",
		Example: `  addingov report contoso-crm --out contoso-crm.png
  addingov report contoso-crm --out contoso-crm.html --since 2h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out is required: name the file to write (.png, .svg or .html)")
			}
			format, err := report.Format(out)
			if err != nil {
				return usagef("--out %v", err)
			}
			var at string
			if since != "" {
				t, err := localapi.ParseTimeFlag(since, time.Now())
				if err != nil {
					return usagef("--since: %v", err)
				}
				at = t.Format(time.RFC3339Nano)
			}
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			d, err := c.Details(cmd.Context(), args[0], at)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := report.Write(&buf, d, format); err != nil {
				return fmt.Errorf("report on %s: %w", args[0], err)
			}
			if err := writeFileAtomic(out, buf.Bytes()); err != nil {
				return err
			}
			if g.json {
				return printJSON(g.out, map[string]any{"file": out, "format": format, "bytes": buf.Len(), "samples": len(d.History)})
			}
			fmt.Fprintf(g.out, "Wrote %s (%d samples, %d strikes, %d disables).\n", out, len(d.History), len(d.Strikes), len(d.Disables))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the file to write: .png, .svg or .html (a self-contained page)")
	cmd.Flags().StringVar(&since, "since", "", "history since this time (default: all that is kept; same forms as log --since)")
	return cmd
}

// writeFileAtomic writes data to a temporary file beside path and renames it over path,
// so a full disk or an interruption never leaves half a file under the name asked for.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w (choose a folder you can write to)", path, err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w (is the disk full?); nothing was written", path, werr)
	}
	return nil
}
