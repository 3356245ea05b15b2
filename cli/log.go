package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

type logFlags struct {
	since, until, addin, reason, action string
	limit                               int
	csv, follow                         bool
}

func logCmd(g *globals) *cobra.Command {
	var f logFlags
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Query the disable log: what was turned off, when, why, and the evidence",
		Example: `  addingov log --since 24h
  addingov log --addin contoso-crm --reason cpu --json
  addingov log --since 2026-11-01T00:00:00Z --csv > disables.csv
  addingov log --follow`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := f.query()
			if err != nil {
				return err
			}
			if f.csv && g.json {
				return usagef("--csv and --json cannot be combined: choose one")
			}
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			return runLog(cmd.Context(), g, c, q, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.since, "since", "", "entries since a duration ago (24h, 90m, 7d) or an RFC 3339 time")
	fl.StringVar(&f.until, "until", "", "entries until a duration ago or an RFC 3339 time")
	fl.StringVar(&f.addin, "addin", "", "only this add-in")
	fl.StringVar(&f.reason, "reason", "", "only this reason: cpu, memory, crash, activation")
	fl.StringVar(&f.action, "action", "", "only this action: disable, exempt, enable, block, policy-changed, …")
	fl.IntVar(&f.limit, "limit", 0, "at most this many entries (0: all)")
	fl.BoolVar(&f.csv, "csv", false, "print CSV")
	fl.BoolVar(&f.follow, "follow", false, "keep printing new entries as they are logged (JSON Lines with --json)")
	return cmd
}

func (f logFlags) query() (url.Values, error) {
	q := url.Values{}
	now := time.Now()
	for name, v := range map[string]string{"since": f.since, "until": f.until} {
		if v == "" {
			continue
		}
		if _, err := localapi.ParseTimeFlag(v, now); err != nil {
			return nil, usagef("--%s: %v", name, err)
		}
		q.Set(name, v)
	}
	if f.reason != "" {
		if _, err := governance.ParseMetric(f.reason); err != nil {
			return nil, usagef("--reason: %v", err)
		}
		q.Set("reason", f.reason)
	}
	if f.limit < 0 {
		return nil, usagef("--limit must be 0 or more")
	}
	if f.limit > 0 {
		q.Set("limit", strconv.Itoa(f.limit))
	}
	if f.addin != "" {
		q.Set("addin", f.addin)
	}
	if f.action != "" {
		q.Set("action", f.action)
	}
	return q, nil
}

var csvHeader = []string{"time", "addin_id", "addin_name", "action", "reason", "value", "threshold", "unit", "by", "detail", "evidence"}

func runLog(ctx context.Context, g *globals, c *localapi.Client, q url.Values, f logFlags) error {
	var all []storage.LogEntry
	var cw *csv.Writer
	if f.csv {
		cw = csv.NewWriter(g.out)
		cw.Write(csvHeader)
	}
	var t *table
	if !f.csv && !g.json {
		t = newTable(g.out, "TIME", "ADD-IN", "ACTION", "REASON", "VALUE", "THRESHOLD", "BY", "DETAIL")
	}
	enc := json.NewEncoder(g.out)
	emit := func(es []storage.LogEntry) error {
		for _, e := range es {
			switch {
			case cw != nil:
				ev, _ := json.Marshal(e.Evidence)
				cw.Write([]string{e.Time.UTC().Format(time.RFC3339Nano), e.AddinID, e.AddinName, e.Action, e.Reason,
					fmtNum(e.Value), fmtNum(e.Threshold), e.Unit, e.By, e.Detail, string(ev)})
			case g.json && f.follow:
				if err := enc.Encode(e); err != nil {
					return err
				}
			case g.json:
				all = append(all, e)
			default:
				t.row(fmtTime(e.Time), orDash(e.AddinID), e.Action, orDash(e.Reason), valueUnit(e.Value, e.Unit),
					valueUnit(e.Threshold, e.Unit), orDash(e.By), orDash(e.Detail))
			}
		}
		if cw != nil {
			cw.Flush()
			return cw.Error()
		}
		if t != nil && f.follow {
			return t.flush()
		}
		return nil
	}
	for {
		page, err := c.Log(ctx, q)
		if err != nil {
			return err
		}
		if err := emit(page.Entries); err != nil {
			return err
		}
		if page.Next != "" {
			q.Set("cursor", page.Next)
			if f.limit > 0 && !f.follow {
				break
			}
			continue
		}
		if len(page.Entries) > 0 {
			q.Set("cursor", page.Entries[len(page.Entries)-1].ID)
		}
		if !f.follow {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
	if g.json && !f.follow {
		if all == nil {
			all = []storage.LogEntry{}
		}
		return printJSON(g.out, all)
	}
	if t != nil {
		return t.flush()
	}
	return nil
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
