// Package report draws an add-in's CPU and memory history as a chart a support engineer
// can attach to a ticket: PNG, SVG, or a self-contained HTML page (the SVG inline, with
// the strikes and disables as tables). Each chart shows the limit as a dashed red line,
// each strike as an orange triangle and each disable as a vertical line. Drawing is
// gonum's plot package; this package only decides what goes on the page.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"addingov/governance"
	"addingov/localapi"
)

// Width and Height are the chart's size; PNGs are drawn at DPI dots per inch.
const (
	Width  = 12 * vg.Inch
	Height = 8 * vg.Inch
	DPI    = 100
)

// Colours of the chart, fixed so a test (or a reader) can find each part.
var (
	DataColor    = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	LimitColor   = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	StrikeColor  = color.RGBA{R: 255, G: 127, B: 14, A: 255}
	DisableColor = color.RGBA{A: 255}
)

// ErrNoSamples means the add-in has no history to draw.
var ErrNoSamples = errors.New("the add-in has no CPU or memory samples in the history: it has had no running process while the daemon watched it (try a longer --since)")

// Format is the file format of a report, from its name: .png, .svg or .html.
func Format(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png", ".svg", ".html":
		return ext[1:], nil
	case ".htm":
		return "html", nil
	default:
		return "", fmt.Errorf("%q: name the report .png, .svg or .html", path)
	}
}

// Write draws d in format ("png", "svg" or "html") to w.
func Write(w io.Writer, d localapi.AddinDetails, format string) error {
	if len(d.History) == 0 {
		return ErrNoSamples
	}
	switch format {
	case "png":
		c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI))}
		if err := drawCharts(d, draw.New(c)); err != nil {
			return err
		}
		_, err := c.WriteTo(w)
		return err
	case "svg":
		c := vgsvg.New(Width, Height)
		if err := drawCharts(d, draw.New(c)); err != nil {
			return err
		}
		_, err := c.WriteTo(w)
		return err
	case "html":
		var svg bytes.Buffer
		if err := Write(&svg, d, "svg"); err != nil {
			return err
		}
		return writeHTML(w, d, svg.String())
	}
	return fmt.Errorf("unknown report format %q: use png, svg or html", format)
}

// drawCharts draws the CPU chart above the memory chart.
func drawCharts(d localapi.AddinDetails, dc draw.Canvas) error {
	cpu, err := chart(d, "CPU, % of one core", d.Thresholds.CPUPercent, governance.MetricCPU,
		func(h localapi.HistoryPoint) float64 { return h.CPUPercent })
	if err != nil {
		return err
	}
	cpu.Title.Text = fmt.Sprintf("%s (%s): CPU and memory, %s to %s", d.Addin.Name, d.Addin.ID,
		d.History[0].Time.Local().Format("2006-01-02 15:04:05"), d.History[len(d.History)-1].Time.Local().Format("15:04:05"))
	mem, err := chart(d, "memory, MB", float64(d.Thresholds.MemoryBytes)/(1<<20), governance.MetricMemory,
		func(h localapi.HistoryPoint) float64 { return float64(h.MemoryBytes) / (1 << 20) })
	if err != nil {
		return err
	}
	plots := [][]*plot.Plot{{cpu}, {mem}}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	canvases := plot.Align(plots, tiles, dc)
	cpu.Draw(canvases[0][0])
	mem.Draw(canvases[1][0])
	return nil
}

// chart is one metric's plot: the series, its limit, its strikes and the disables.
func chart(d localapi.AddinDetails, label string, limit float64, metric governance.Metric,
	value func(localapi.HistoryPoint) float64) (*plot.Plot, error) {
	p := plot.New()
	p.Y.Label.Text = label
	p.Y.Min = 0
	p.X.Tick.Marker = plot.TimeTicks{Format: "15:04:05", Time: func(t float64) time.Time { return time.Unix(int64(t), 0).Local() }}
	p.Add(plotter.NewGrid())
	xys := make(plotter.XYs, len(d.History))
	peak := 0.0
	for i, h := range d.History {
		xys[i] = plotter.XY{X: unix(h.Time), Y: value(h)}
		peak = max(peak, xys[i].Y)
	}
	line, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("draw %s: %w", label, err)
	}
	line.Color, line.Width = DataColor, vg.Points(1.5)
	p.Add(line)
	p.Legend.Add(label, line)
	x0, x1 := xys[0].X, xys[len(xys)-1].X
	if x1 == x0 {
		x1 = x0 + 1
	}
	if limit > 0 {
		l, _ := plotter.NewLine(plotter.XYs{{X: x0, Y: limit}, {X: x1, Y: limit}})
		l.Color, l.Width, l.Dashes = LimitColor, vg.Points(1.5), []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("limit %.0f", limit), l)
		peak = max(peak, limit)
	}
	p.Y.Max = peak * 1.1
	if p.Y.Max == 0 {
		p.Y.Max = 1
	}
	var strikes plotter.XYs
	for _, s := range d.Strikes {
		if s.Metric == metric {
			strikes = append(strikes, plotter.XY{X: unix(s.Time), Y: min(s.Value, p.Y.Max)})
		}
	}
	if len(strikes) > 0 {
		sc, _ := plotter.NewScatter(strikes)
		sc.GlyphStyle = draw.GlyphStyle{Color: StrikeColor, Radius: vg.Points(6), Shape: draw.PyramidGlyph{}}
		p.Add(sc)
		p.Legend.Add("strike", sc)
	}
	for i, e := range d.Disables {
		x := unix(e.Time)
		l, _ := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: p.Y.Max}})
		l.Color, l.Width = DisableColor, vg.Points(2)
		p.Add(l)
		if i == 0 {
			p.Legend.Add(e.Action, l)
		}
	}
	// A margin on both sides, so a disable at the last sample stands clear of the edge.
	pad := (x1 - x0) * 0.03
	p.X.Min, p.X.Max = x0-pad, x1+pad
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Millimeter * 3
	return p, nil
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>addingov report: {{.D.Addin.Name}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#f3f3f3}svg{max-width:100%;height:auto}
</style></head><body>
<h1>{{.D.Addin.Name}} <small>({{.D.Addin.ID}})</small></h1>
<p>State: <b>{{.D.Addin.State}}</b>{{with .D.Addin.Reason}}: {{.}}{{end}}. {{len .D.History}} samples; history is kept {{.D.Retention}}.</p>
<figure>{{.SVG}}</figure>
<h2>Strikes</h2>
{{if .D.Strikes}}<table><tr><th>time</th><th>metric</th><th>value</th><th>threshold</th><th>exempt</th></tr>
{{range .D.Strikes}}<tr><td>{{when .Time}}</td><td>{{.Metric}}</td><td>{{printf "%.1f" .Value}} {{.Unit}}</td><td>{{printf "%.1f" .Threshold}} {{.Unit}}</td><td>{{.Exempt}}</td></tr>
{{end}}</table>{{else}}<p>None in the window.</p>{{end}}
<h2>Disables</h2>
{{if .D.Disables}}<table><tr><th>time</th><th>action</th><th>reason</th><th>detail</th><th>evidence</th></tr>
{{range .D.Disables}}<tr><td>{{when .Time}}</td><td>{{.Action}}</td><td>{{.Reason}}</td><td>{{.Detail}}</td><td>{{range .Evidence}}{{when .Time}}: {{printf "%.1f" .Value}} {{.Unit}}<br>{{end}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
</body></html>
`))

// writeHTML writes the page; svg is our own drawing, everything else is escaped.
func writeHTML(w io.Writer, d localapi.AddinDetails, svg string) error {
	if i := strings.Index(svg, "<svg"); i > 0 {
		svg = svg[i:] // drop the XML prolog: the SVG sits inside HTML
	}
	return page.Execute(w, struct {
		D   localapi.AddinDetails
		SVG template.HTML
	}{d, template.HTML(svg)})
}
