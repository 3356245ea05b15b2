package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/guptarohit/asciigraph"
	"github.com/spf13/cobra"

	"addingov/display"
	"addingov/localapi"
)

// chartWidth and chartHeight size the terminal charts of `addins show`.
const (
	chartWidth  = 64
	chartHeight = 8
)

func addinsShowCmd(g *globals) *cobra.Command {
	var since string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one add-in in detail: state and why, strikes with their times, activations, disables with evidence, CPU and memory history",
		Example: `  addingov addins show contoso-crm
  addingov addins show contoso-crm --since 2h
  addingov addins show contoso-crm --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := g.details(cmd.Context(), args[0], since)
			if err != nil {
				return err
			}
			if g.json {
				return printJSON(g.out, d)
			}
			return printDetails(g.out, d, time.Now())
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "history since this time (default: all that is kept; same forms as log --since)")
	return cmd
}

// details fetches one add-in's details with their history since the --since flag's time
// (all that is kept when it is empty), resolved in the user's own zone.
func (g *globals) details(ctx context.Context, id, since string) (localapi.AddinDetails, error) {
	var at string
	if since != "" {
		t, err := localapi.ParseTimeFlag(since, time.Now())
		if err != nil {
			return localapi.AddinDetails{}, usagef("--since: %v", err)
		}
		at = t.Format(time.RFC3339Nano)
	}
	c, err := g.client(ctx)
	if err != nil {
		return localapi.AddinDetails{}, err
	}
	return c.Details(ctx, id, at)
}

func printDetails(w io.Writer, d localapi.AddinDetails, now time.Time) error {
	a := d.Addin
	t := newTable(w, "FIELD", "VALUE")
	for _, kv := range [][2]string{
		{"id", a.ID}, {"name", a.Name}, {"version", orDash(a.Version)}, {"provider", orDash(a.Provider)},
		{"kind", orDash(a.Kind)}, {"host", orDash(a.Host)}, {"permission", orDash(a.Permission)}, {"scope", orDash(a.Scope)},
		{"registered for", orDash(a.Registered)}, {"load behavior", fmtLoadBehavior(a.LoadBehavior)}, {"registration problems", orDash(strings.Join(a.Problems, "; "))},
		{"state", a.State}, {"why", orDash(a.Reason)}, {"since", fmtTime(a.Since)}, {"by", orDash(a.By)},
		{"managed by policy", orDash(a.Managed)}, {"strikes", fmtStrikes(a.Strikes)},
		{"processes", fmtPIDs(a.PIDs)}, {"cpu", fmt.Sprintf("%.0f%% of a core", a.CPUPercent)},
		{"memory", fmtBytes(a.MemoryBytes)},
	} {
		t.row(kv[0], kv[1])
	}
	if err := t.flush(); err != nil {
		return err
	}

	section(w, "Strikes in the window")
	if len(d.Strikes) == 0 {
		fmt.Fprintln(w, "  none")
	} else {
		t = newTable(w, "  TIME", "METRIC", "VALUE", "THRESHOLD", "EXEMPT")
		for _, s := range d.Strikes {
			t.row("  "+fmtTime(s.Time), string(s.Metric), valueUnit(s.Value, s.Unit), valueUnit(s.Threshold, s.Unit), yesNo(s.Exempt))
		}
		t.flush()
	}

	section(w, "Recent activations")
	if len(d.Activations) == 0 {
		fmt.Fprintln(w, "  none recorded")
	} else {
		t = newTable(w, "  TIME", "LATENCY", "OUTCOME")
		for _, x := range d.Activations {
			outcome := "ready"
			if x.Failed {
				outcome = "failed: " + orDash(x.Reason)
			} else if d.Thresholds.ActivationMS > 0 && x.LatencyMS > d.Thresholds.ActivationMS {
				outcome = fmt.Sprintf("slow (over %.0f ms)", d.Thresholds.ActivationMS)
			}
			t.row("  "+fmtTime(x.Time), fmt.Sprintf("%.0f ms", x.LatencyMS), outcome)
		}
		t.flush()
	}

	section(w, "Last disables")
	if len(d.Disables) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, e := range d.Disables {
		fmt.Fprintln(w, display.Escape(fmt.Sprintf("  %s  %s  %s  %s (limit %s)  by %s", fmtTime(e.Time), e.Action, orDash(e.Reason),
			valueUnit(e.Value, e.Unit), valueUnit(e.Threshold, e.Unit), orDash(e.By))))
		if e.Detail != "" {
			fmt.Fprintf(w, "      %s\n", display.Escape(e.Detail))
		}
		for _, ev := range e.Evidence {
			line := fmt.Sprintf("      evidence %s  %s", fmtTime(ev.Time), valueUnit(ev.Value, ev.Unit))
			if ev.Detail != "" {
				line += "  " + ev.Detail
			}
			fmt.Fprintln(w, display.Escape(line))
		}
	}

	section(w, fmt.Sprintf("CPU and memory history (kept %s)", strings.TrimSuffix(strings.TrimSuffix(d.Retention, "0s"), "0m")))
	if len(d.History) == 0 {
		fmt.Fprintln(w, "  no samples recorded: the add-in has had no running process while the daemon watched it")
		return nil
	}
	first, last := d.History[0].Time, d.History[len(d.History)-1].Time
	fmt.Fprintf(w, "  %d samples from %s to %s\n\n", len(d.History), fmtTime(first), fmtTime(last))
	cpu := make([]float64, len(d.History))
	mem := make([]float64, len(d.History))
	for i, h := range d.History {
		cpu[i], mem[i] = h.CPUPercent, float64(h.MemoryBytes)/(1<<20)
	}
	fmt.Fprintln(w, chart(cpu, d.Thresholds.CPUPercent, fmt.Sprintf("CPU, %% of one core (limit %.0f%%)", d.Thresholds.CPUPercent)))
	fmt.Fprintln(w)
	memCaption := "memory, MB"
	memLimit := 0.0
	if d.Thresholds.MemoryBytes > 0 {
		memLimit = float64(d.Thresholds.MemoryBytes) / (1 << 20)
		memCaption = fmt.Sprintf("memory, MB (limit %.0f MB)", memLimit)
	}
	fmt.Fprintln(w, chart(mem, memLimit, memCaption))
	return nil
}

// chart draws series as a terminal line chart, with limit as a second, flat line when
// it is set and within sight of the data (a 1500 MB limit would flatten a 20 MB line).
func chart(series []float64, limit float64, caption string) string {
	if len(series) == 1 {
		series = append(series, series[0])
	}
	opts := []asciigraph.Option{asciigraph.Height(chartHeight), asciigraph.Width(chartWidth), asciigraph.LowerBound(0),
		asciigraph.Offset(4), asciigraph.Precision(0), asciigraph.Caption(caption)}
	peak := 0.0
	for _, v := range series {
		peak = max(peak, v)
	}
	if limit > 0 && limit <= 4*max(peak, 1) {
		flat := make([]float64, len(series))
		for i := range flat {
			flat[i] = limit
		}
		return asciigraph.PlotMany([][]float64{series, flat}, append(opts,
			asciigraph.SeriesChars(asciigraph.DefaultCharSet, asciigraph.CreateCharSet("·")))...)
	}
	return asciigraph.Plot(series, opts...)
}

func section(w io.Writer, title string) { fmt.Fprintf(w, "\n%s\n", title) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func fmtPIDs(pids []int32) string {
	if len(pids) == 0 {
		return "none running"
	}
	parts := make([]string, len(pids))
	for i, p := range pids {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, ", ")
}
