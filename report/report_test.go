package report

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// details is an add-in idle for 60 samples, then burning a core for 40, struck and
// disabled at the end.
func details() localapi.AddinDetails {
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	d := localapi.AddinDetails{
		Addin:      localapi.Addin{ID: "contoso-crm", Name: "Contoso <script>alert(1)</script>", State: "disabled"},
		Thresholds: localapi.DetailThresholds{CPUPercent: 90, MemoryBytes: 512 << 20},
		Retention:  "24h0m0s",
	}
	for i := range 100 {
		cpu := 2.0
		if i >= 60 {
			cpu = 99
		}
		d.History = append(d.History, localapi.HistoryPoint{Time: t0.Add(time.Duration(i) * 5 * time.Second), CPUPercent: cpu, MemoryBytes: uint64(100+i) << 20})
	}
	end := d.History[99].Time
	d.Strikes = []governance.Strike{{AddinID: "contoso-crm", Metric: governance.MetricCPU, Time: end, Value: 99, Threshold: 90, Unit: "%"}}
	d.Disables = []storage.LogEntry{{Time: end, AddinID: "contoso-crm", Action: "disable", Reason: "cpu", Detail: "used 99% of a core",
		Evidence: []governance.Evidence{{Time: end, Value: 99, Unit: "%"}}}}
	return d
}

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(x uint32, y uint8) int { v := int(x>>8) - int(y); return max(v, -v) }
	return d(r, want.R) < 24 && d(g, want.G) < 24 && d(b, want.B) < 24
}

func TestPNGReportShowsTheData(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, details(), "png"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != 1200 || b.Dy() != 800 {
		t.Fatalf("size %dx%d, want 1200x800", b.Dx(), b.Dy())
	}
	count := func(r image.Rectangle, want color.RGBA) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if near(img.At(x, y), want) {
					n++
				}
			}
		}
		return n
	}
	// The CPU chart is the top half. Its high stretch (99%) is in the upper part of
	// that panel, and only on the right: the first 60 samples are idle.
	cpuTopLeft := image.Rect(150, 40, 600, 200)
	cpuTopRight := image.Rect(800, 40, 1150, 200)
	if n := count(cpuTopRight, DataColor); n < 100 {
		t.Errorf("%d data pixels where the burning stretch should be drawn, want the line there", n)
	}
	if n := count(cpuTopLeft, DataColor); n > 40 {
		t.Errorf("%d data pixels high up on the idle left, want (almost) none: the series is misdrawn", n)
	}
	for _, c := range []struct {
		name string
		rgba color.RGBA
	}{{"limit", LimitColor}, {"strike", StrikeColor}} {
		if n := count(b, c.rgba); n < 20 {
			t.Errorf("%s: %d pixels of its colour, want it drawn", c.name, n)
		}
	}
}

func TestSVGAndHTMLReports(t *testing.T) {
	var svg, html bytes.Buffer
	if err := Write(&svg, details(), "svg"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg.String(), "<svg") {
		t.Fatal("no <svg> element")
	}
	if err := Write(&html, details(), "html"); err != nil {
		t.Fatal(err)
	}
	page := html.String()
	for _, want := range []string{"<!DOCTYPE html>", "<svg", "used 99% of a core", "Contoso &lt;script&gt;", "<td>cpu</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert") {
		t.Error("the add-in's name reached the page unescaped")
	}
	if strings.Contains(page, "http://") && !strings.Contains(page, "http://www.w3.org/") {
		t.Error("the page loads something from the network; it must be self-contained")
	}
}

func TestReportErrors(t *testing.T) {
	empty := details()
	empty.History = nil
	if err := Write(&bytes.Buffer{}, empty, "png"); !errors.Is(err, ErrNoSamples) {
		t.Errorf("no samples: %v, want ErrNoSamples", err)
	}
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"x.png", "png", true}, {"X.PNG", "png", true}, {"r.svg", "svg", true}, {"r.html", "html", true},
		{"r.htm", "html", true}, {"r.pdf", "", false}, {"noext", "", false},
	}
	for _, tt := range tests {
		got, err := Format(tt.path)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Format(%q) = %q, %v; want %q (ok %v)", tt.path, got, err, tt.want, tt.ok)
		}
	}
}
