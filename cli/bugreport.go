package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/spf13/cobra"

	"addingov/localapi"
	"addingov/report"
	"addingov/storage"
)

func init() { extraCommands = append(extraCommands, bugreportCmd) }

// bundleReadme is README.txt inside the bundle: what each file is, and what personal
// data the bundle holds.
const bundleReadme = `addingov diagnostic bundle
==========================

Written by 'addingov bugreport' for a support ticket. Every file is plain text (JSON,
JSON Lines, SVG or text) and can be read before it is sent.

  README.txt          this file
  manifest.json       when and by which version this bundle was made, and each part's
                      outcome (ok, or the error that kept it out)
  version.json        versions of the addingov CLI and of the daemon
  os.json             operating system, kernel, processor count, physical memory
  status.json         the daemon's status: address, state directory, policy source,
                      add-in counts, the caller's identity as the daemon saw it
  policy.json         the effective policy: every setting's value, where it came from,
                      and the errors of values that were ignored
  addins.json         every add-in the caller may see, with state, strikes, CPU, memory
  addins/ID.json      one add-in in detail: strikes with their times, recent
                      activations, the last disables with evidence, CPU and memory history
  charts/ID.svg       that history as a chart, with the limits, strikes and disables
  log.json            the disable log (what was turned off, when, why, the evidence)
  notices.json        the business-bar notices shown to users
  daemon-log.jsonl    the daemon's own recent log lines (administrators only)
  system-log.txt      the daemon's entries in the system log: the Windows Event Log
                      (source AddinGov) or journald (unit addingovd), where readable

Personal data: add-in names and ids, user names and ids of who changed an add-in's
state, process ids, and the times of all of these. No document, mail or file content,
no host name, no environment variables. A bundle made by an ordinary user holds only
what that user may see; one made by an administrator holds every user's add-ins.
`

type bundlePart struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok or error
	Error  string `json:"error,omitempty"`
}

type bundle struct {
	zw       *zip.Writer
	parts    []bundlePart
	progress io.Writer
	step     int
	steps    int
}

// add writes one file; a part whose data cannot be had is listed with its error.
func (b *bundle) add(name string, data func() ([]byte, error)) error {
	b.step++
	fmt.Fprintf(b.progress, "[%d/%d] %s\n", b.step, b.steps, name)
	raw, err := data()
	if err != nil {
		b.parts = append(b.parts, bundlePart{Name: name, Status: "error", Error: err.Error()})
		return nil
	}
	w, err := b.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	b.parts = append(b.parts, bundlePart{Name: name, Status: "ok"})
	return nil
}

func jsonOf(v any, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(v, "", "  ")
}

func bugreportCmd(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "bugreport",
		Short: "Write a diagnostic bundle (.zip) to attach to a support ticket",
		Long: `Write one .zip holding what a support engineer needs: versions, OS, the daemon's status,
the effective policy with its origins and errors, add-ins with their strikes and history,
the disable log, notices, the daemon's recent log and its system-log entries. README.txt
inside says what each file is and what personal data the bundle holds. Progress goes to
stderr; the bundle's name to stdout (or JSON with --json).`,
		Example: `  addingov bugreport
  addingov bugreport --out ticket-4711.zip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				out = "addingov-bugreport-" + time.Now().Format("20060102-150405") + ".zip"
			}
			if !strings.EqualFold(filepath.Ext(out), ".zip") {
				return usagef("--out %q: name the bundle .zip", out)
			}
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			if _, err := c.Status(cmd.Context()); err != nil {
				return err // no daemon: nothing worth bundling, and the error says how to start it
			}
			parts, size, err := writeBundle(cmd.Context(), c, out, g.errOut)
			if err != nil {
				return err
			}
			if g.json {
				return printJSON(g.out, map[string]any{"file": out, "bytes": size, "parts": parts})
			}
			failed := 0
			for _, p := range parts {
				if p.Status != "ok" {
					failed++
					fmt.Fprintf(g.errOut, "addingov: %s left out: %s\n", p.Name, p.Error)
				}
			}
			fmt.Fprintf(g.out, "Wrote %s (%d KB, %d parts, %d left out). Attach it to the ticket.\n", out, (size+1023)/1024, len(parts), failed)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the bundle to write (default addingov-bugreport-DATE-TIME.zip here)")
	return cmd
}

// writeBundle collects every part into out, through a temporary file so that a full
// disk leaves nothing half-written under that name.
func writeBundle(ctx context.Context, c *localapi.Client, out string, progress io.Writer) ([]bundlePart, int64, error) {
	addins, addinsErr := c.Addins(ctx)
	var buf bytes.Buffer
	b := &bundle{zw: zip.NewWriter(&buf), progress: progress, steps: 10 + 2*len(addins)}
	started := time.Now()
	steps := []struct {
		name string
		data func() ([]byte, error)
	}{
		{"README.txt", func() ([]byte, error) { return []byte(bundleReadme), nil }},
		{"version.json", func() ([]byte, error) {
			st, err := c.Status(ctx)
			return jsonOf(map[string]string{"cli": Version, "daemon": st.Version, "go": runtime.Version()}, err)
		}},
		{"os.json", func() ([]byte, error) { return jsonOf(osFacts()) }},
		{"status.json", func() ([]byte, error) { return jsonOf(c.Status(ctx)) }},
		{"policy.json", func() ([]byte, error) { return c.Policy(ctx) }},
		{"addins.json", func() ([]byte, error) { return jsonOf(addins, addinsErr) }},
		{"log.json", func() ([]byte, error) { return jsonOf(wholeLog(ctx, c)) }},
		{"notices.json", func() ([]byte, error) { return jsonOf(c.Notices(ctx, 0, 1000)) }},
		{"daemon-log.jsonl", func() ([]byte, error) {
			l, err := c.RecentLog(ctx)
			if err != nil {
				return nil, err
			}
			return []byte(strings.Join(l.Lines, "\n") + "\n"), nil
		}},
		{"system-log.txt", func() ([]byte, error) { return systemLog(ctx) }},
	}
	for _, s := range steps {
		if err := b.add(s.name, s.data); err != nil {
			return nil, 0, fmt.Errorf("write the bundle: %w", err)
		}
	}
	for _, a := range addins {
		d, derr := c.Details(ctx, a.ID, "")
		if err := b.add("addins/"+safeName(a.ID)+".json", func() ([]byte, error) { return jsonOf(d, derr) }); err != nil {
			return nil, 0, fmt.Errorf("write the bundle: %w", err)
		}
		if err := b.add("charts/"+safeName(a.ID)+".svg", func() ([]byte, error) {
			if derr != nil {
				return nil, derr
			}
			var svg bytes.Buffer
			err := report.Write(&svg, d, "svg")
			return svg.Bytes(), err
		}); err != nil {
			return nil, 0, fmt.Errorf("write the bundle: %w", err)
		}
	}
	manifest, _ := json.MarshalIndent(map[string]any{"created": started, "cli_version": Version, "parts": b.parts}, "", "  ")
	w, err := b.zw.Create("manifest.json")
	if err == nil {
		_, err = w.Write(manifest)
	}
	if err == nil {
		err = b.zw.Close()
	}
	if err != nil {
		return nil, 0, fmt.Errorf("write the bundle: %w", err)
	}
	if err := writeFileAtomic(out, buf.Bytes()); err != nil {
		return nil, 0, err
	}
	return b.parts, int64(buf.Len()), nil
}

// safeName turns an add-in id into a file name inside the bundle.
func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, strings.TrimLeft(id, "."))
}

func osFacts() (map[string]any, error) {
	facts := map[string]any{"goos": runtime.GOOS, "goarch": runtime.GOARCH, "cpus": runtime.NumCPU()}
	if h, err := host.Info(); err == nil {
		facts["os"], facts["platform"], facts["platform_version"], facts["kernel"] = h.OS, h.Platform, h.PlatformVersion, h.KernelVersion
		facts["uptime_seconds"] = h.Uptime
	}
	if m, err := mem.VirtualMemory(); err == nil {
		facts["memory_bytes"], facts["memory_used_percent"] = m.Total, m.UsedPercent
	}
	return facts, nil
}

// wholeLog pages through the disable log, oldest first.
func wholeLog(ctx context.Context, c *localapi.Client) ([]storage.LogEntry, error) {
	all := []storage.LogEntry{}
	q := url.Values{"limit": {"10000"}}
	for {
		p, err := c.Log(ctx, q)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Entries...)
		if p.Next == "" {
			return all, nil
		}
		q.Set("cursor", p.Next)
	}
}

// systemLog reads the daemon's entries from the platform's system log with the
// platform's own tool.
func systemLog(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.CommandContext(ctx, "wevtutil", "qe", "Application", "/q:*[System[Provider[@Name='AddinGov']]]", "/c:500", "/rd:true", "/f:text")
	case "linux":
		cmd = exec.CommandContext(ctx, "journalctl", "-u", "addingovd", "-n", "500", "--no-pager", "-o", "short-iso")
	default:
		return nil, fmt.Errorf("no system log reader on %s", runtime.GOOS)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v %s", cmd.Path, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
