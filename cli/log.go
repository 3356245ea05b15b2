package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"addingov/display"
	"addingov/localapi"
	"addingov/storage"
)

// maxLines bounds -n: one page of the daemon's log endpoint.
const maxLines = 100000

// followLines is what --follow shows of the past when -n is not given, as journalctl.
const followLines = 10

type logFlags struct {
	since, until, addin, reason, action, output string
	lines                                       int
	csv, follow, reverse                        bool
}

func logCmd(g *globals) *cobra.Command {
	var f logFlags
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Query the disable log: what was turned off, when, why, and the evidence",
		Long: `Query the disable log, like journalctl: all entries in the range oldest first, or the
newest N with -n N; --reverse puts the newest first.

--since and --until take a date (2026-12-02), a date and time without a zone
(2026-12-02 08:19, local time), a time of day (08:19, today), today, yesterday, now,
a duration before now (90s, 30m, 24h, 7d, 2w) or an RFC 3339 time.`,
		Example: `  addingov log -n 20
  addingov log --since yesterday --reason cpu
  addingov log --since 2026-12-02 --until 08:00 --output csv > disables.csv
  addingov log --addin contoso-crm --reason manual --json
  addingov log -f -n 5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := f.format(g.json)
			if err != nil {
				return err
			}
			q, err := f.query(time.Now())
			if err != nil {
				return err
			}
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			return runLog(cmd.Context(), g, c, q, f, out)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.since, "since", "", "entries at or after this time (see above)")
	fl.StringVar(&f.until, "until", "", "entries before this time (see above)")
	fl.StringVar(&f.addin, "addin", "", "only this add-in")
	fl.StringVar(&f.reason, "reason", "", "only this reason: "+strings.Join(storage.LogReasons(), ", "))
	fl.StringVar(&f.action, "action", "", "only this action: "+strings.Join(storage.LogActions, ", "))
	fl.IntVarP(&f.lines, "lines", "n", 0, "only the newest N entries (0: all; with --follow, default 10)")
	fl.IntVar(&f.lines, "limit", 0, "the same as -n")
	fl.BoolVarP(&f.reverse, "reverse", "r", false, "newest entries first")
	fl.StringVarP(&f.output, "output", "o", "", "table, json or csv (--json and --csv are short for the last two)")
	fl.BoolVar(&f.csv, "csv", false, "print CSV")
	fl.BoolVarP(&f.follow, "follow", "f", false, "keep printing new entries as they are logged; survives a daemon restart (JSON Lines with json)")
	return cmd
}

// format resolves --output, --json and --csv to one of table, json, csv.
func (f logFlags) format(jsonFlag bool) (string, error) {
	var chosen []string
	if f.output != "" {
		o := strings.ToLower(f.output)
		if o != "table" && o != "json" && o != "csv" {
			return "", usagef("--output %q: use table, json or csv", f.output)
		}
		chosen = append(chosen, o)
	}
	if jsonFlag {
		chosen = append(chosen, "json")
	}
	if f.csv {
		chosen = append(chosen, "csv")
	}
	slices.Sort(chosen)
	switch chosen = slices.Compact(chosen); len(chosen) {
	case 0:
		return "table", nil
	case 1:
		return chosen[0], nil
	}
	return "", usagef("--csv and --json (or --output) cannot be combined: choose one")
}

// query checks the flags and turns them into the log endpoint's parameters. Times are
// resolved here, in the user's own time zone, and sent as RFC 3339.
func (f logFlags) query(now time.Time) (url.Values, error) {
	q := url.Values{}
	var since, until time.Time
	for _, t := range []struct {
		name, v string
		to      *time.Time
	}{{"since", f.since, &since}, {"until", f.until, &until}} {
		if t.v == "" {
			continue
		}
		at, err := localapi.ParseTimeFlag(t.v, now)
		if err != nil {
			return nil, usagef("--%s: %v", t.name, err)
		}
		*t.to = at
		q.Set(t.name, at.Format(time.RFC3339Nano))
	}
	if !since.IsZero() && !until.IsZero() && since.After(until) {
		return nil, usagef("--since %s is after --until %s: the range is empty; swap them", fmtTime(since), fmtTime(until))
	}
	for _, t := range []struct {
		name, v string
		valid   []string
	}{{"reason", f.reason, storage.LogReasons()}, {"action", f.action, storage.LogActions}} {
		if t.v == "" {
			continue
		}
		v := strings.ToLower(t.v)
		if !slices.Contains(t.valid, v) {
			return nil, usagef("--%s %q: use one of %s", t.name, t.v, strings.Join(t.valid, ", "))
		}
		q.Set(t.name, v)
	}
	if f.lines < 0 || f.lines > maxLines {
		return nil, usagef("-n %d: give a number from 0 (all) to %d", f.lines, maxLines)
	}
	if f.addin != "" {
		q.Set("addin", f.addin)
	}
	return q, nil
}

var csvHeader = []string{"time", "addin_id", "addin_name", "action", "reason", "value", "threshold", "unit", "by", "detail", "evidence"}

// logPrinter writes entries in one of the three formats. In follow mode the table has
// fixed column widths, so rows printed minutes apart still line up.
type logPrinter struct {
	format string
	follow bool
	w      io.Writer
	cw     *csv.Writer
	t      *table
	enc    *json.Encoder
	all    []storage.LogEntry
}

var logColumns = []struct {
	name  string
	width int
}{{"TIME", 19}, {"ADD-IN", 24}, {"ACTION", 14}, {"REASON", 10}, {"VALUE", 12}, {"THRESHOLD", 12}, {"BY", 14}, {"DETAIL", 0}}

func newLogPrinter(w io.Writer, format string, follow bool) *logPrinter {
	p := &logPrinter{format: format, follow: follow, w: w, enc: json.NewEncoder(w)}
	switch {
	case format == "csv":
		p.cw = csv.NewWriter(w)
		p.cw.Write(csvHeader)
	case format == "table" && follow:
		p.fixedRow(columnNames()...)
	case format == "table":
		p.t = newTable(w, columnNames()...)
	}
	return p
}

func columnNames() []string {
	names := make([]string, len(logColumns))
	for i, c := range logColumns {
		names[i] = c.name
	}
	return names
}

// fixedRow prints cols padded (and, if need be, cut) to the follow table's widths.
func (p *logPrinter) fixedRow(cols ...string) {
	var b strings.Builder
	for i, c := range cols {
		c = display.Escape(c)
		w := logColumns[i].width
		if w == 0 {
			b.WriteString(c)
			break
		}
		if r := []rune(c); len(r) > w {
			c = string(r[:w-1]) + "…"
		}
		fmt.Fprintf(&b, "%-*s  ", w, c)
	}
	fmt.Fprintln(p.w, strings.TrimRight(b.String(), " "))
}

func (p *logPrinter) emit(es []storage.LogEntry) error {
	for _, e := range es {
		switch {
		case p.cw != nil:
			ev, _ := json.Marshal(e.Evidence)
			p.cw.Write([]string{e.Time.UTC().Format(time.RFC3339Nano), e.AddinID, e.AddinName, e.Action, e.Reason,
				fmtNum(e.Value), fmtNum(e.Threshold), e.Unit, e.By, e.Detail, string(ev)})
		case p.format == "json" && p.follow:
			if err := p.enc.Encode(e); err != nil {
				return err
			}
		case p.format == "json":
			p.all = append(p.all, e)
		default:
			cols := []string{fmtTime(e.Time), orDash(e.AddinID), e.Action, orDash(e.Reason), valueUnit(e.Value, e.Unit),
				valueUnit(e.Threshold, e.Unit), orDash(e.By), orDash(e.Detail)}
			if p.t != nil {
				p.t.row(cols...)
			} else {
				p.fixedRow(cols...)
			}
		}
	}
	if p.cw != nil {
		p.cw.Flush()
		return p.cw.Error()
	}
	return nil
}

func (p *logPrinter) close() error {
	switch {
	case p.format == "json" && !p.follow:
		if p.all == nil {
			p.all = []storage.LogEntry{}
		}
		return printJSON(p.w, p.all)
	case p.t != nil:
		return p.t.flush()
	}
	return nil
}

func runLog(ctx context.Context, g *globals, c *localapi.Client, q url.Values, f logFlags, format string) error {
	p := newLogPrinter(g.out, format, f.follow)
	lines := f.lines
	if f.follow && lines == 0 && f.since == "" {
		lines = followLines
	}
	last, err := printPast(ctx, c, q, lines, f.reverse && !f.follow, p.emit)
	if err != nil {
		return err
	}
	if f.follow {
		return follow(ctx, g, c, q, last, p.emit)
	}
	return p.close()
}

// printPast prints what is already logged: the newest lines entries (all with 0), oldest
// first or, with reverse, newest first. It returns the newest entry's ID.
func printPast(ctx context.Context, c *localapi.Client, q url.Values, lines int, reverse bool,
	emit func([]storage.LogEntry) error) (string, error) {
	q = cloneValues(q)
	if lines > 0 {
		q.Set("order", "desc")
		q.Set("limit", strconv.Itoa(lines))
		page, err := c.Log(ctx, q)
		if err != nil {
			return "", err
		}
		es := page.Entries
		last := ""
		if len(es) > 0 {
			last = es[0].ID
		}
		if !reverse {
			slices.Reverse(es)
		}
		return last, emit(es)
	}
	if reverse {
		q.Set("order", "desc")
	}
	last := ""
	for {
		page, err := c.Log(ctx, q)
		if err != nil {
			return "", err
		}
		if n := len(page.Entries); n > 0 {
			if reverse && last == "" {
				last = page.Entries[0].ID
			} else if !reverse {
				last = page.Entries[n-1].ID
			}
		}
		if err := emit(page.Entries); err != nil {
			return "", err
		}
		if page.Next == "" {
			return last, nil
		}
		q.Set("cursor", page.Next)
	}
}

// follow prints entries newer than last as they are logged, once a second. When the
// daemon goes away (a restart, an upgrade) it says so on stderr and keeps trying, and
// carries on from the same entry once the daemon answers again.
func follow(ctx context.Context, g *globals, c *localapi.Client, q url.Values, last string,
	emit func([]storage.LogEntry) error) error {
	q = cloneValues(q)
	q.Del("order")
	q.Del("limit")
	lost := false
	for {
		if last != "" {
			q.Set("cursor", last)
		}
		page, err := c.Log(ctx, q)
		switch {
		case ctx.Err() != nil:
			return nil
		case localapi.IsUnreachable(err):
			if !lost {
				fmt.Fprintf(g.errOut, "addingov: the daemon is not answering (%v); still following, reconnecting every second\n", err)
				lost = true
			}
		case err != nil:
			return err
		default:
			if lost {
				fmt.Fprintln(g.errOut, "addingov: the daemon is back; following again")
				lost = false
			}
			if err := emit(page.Entries); err != nil {
				return err
			}
			if n := len(page.Entries); n > 0 {
				last = page.Entries[n-1].ID
			}
			if page.Next != "" {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func fmtNum(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func valueUnit(v float64, unit string) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%s %s", strconv.FormatFloat(v, 'f', 1, 64), unit)
}
