package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []float64
		want float64
	}{
		{"one", []float64{7}, 7},
		{"odd count, unsorted", []float64{9, 1, 5}, 5},
		{"even count: mean of the middle two", []float64{4, 1, 3, 2}, 2.5},
		{"outlier does not move it", []float64{1, 2, 3, 4, 1000}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]float64(nil), tc.in...)
			if got := median(tc.in); got != tc.want {
				t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
			}
			for i := range in {
				if in[i] != tc.in[i] {
					t.Fatalf("median reordered its input: %v, was %v", tc.in, in)
				}
			}
		})
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing should be NaN, not a number that looks measured")
	}
}

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(100-i) * time.Millisecond // 100 ms .. 1 ms, reversed
	}
	for _, tc := range []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 99, 0},
		{"one sample is every percentile", []time.Duration{3 * time.Millisecond}, 99, 3 * time.Millisecond},
		{"p99 of 1..100 ms is the 99th", hundred, 99, 99 * time.Millisecond},
		{"p50 of 1..100 ms is the 50th", hundred, 50, 50 * time.Millisecond},
		{"p100 is the largest", hundred, 100, 100 * time.Millisecond},
		{"p99 of ten samples is the largest (nearest rank)", hundred[90:], 99, 10 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.in, tc.p); got != tc.want {
				t.Errorf("percentile(p%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestNewRowJudgesItsGoal(t *testing.T) {
	for _, tc := range []struct {
		name      string
		g         check
		value     float64
		floor     float64
		wantPass  bool
		wantRatio float64 // 0: no ratio
	}{
		{"at least, met", atLeast(">= 20,000 /s", 20000), 25000, 0, true, 0},
		{"at least, missed", atLeast(">= 20,000 /s", 20000), 19999, 0, false, 0},
		{"at most, met on the bound", atMost("<= 20 ms", 20), 20, 0, true, 0},
		{"at most, missed", atMost("<= 20 ms", 20), 20.5, 0, false, 0},
		{"ratio at least, met", ratioAtLeast(">= 0.60x floor", 0.6), 700, 1000, true, 0.7},
		{"ratio at least, missed although the value is large", ratioAtLeast(">= 0.60x floor", 0.6), 500, 1000, false, 0.5},
		{"ratio at most, met", ratioAtMost("<= 2x floor", 2), 3, 2, true, 1.5},
		{"ratio at most, missed", ratioAtMost("<= 2x floor", 2), 5, 2, false, 2.5},
		{"ratio goal without a floor is not met", ratioAtMost("<= 2x floor", 2), 1, 0, false, 0},
		{"reported figures pass", reported, 123, 10, true, 12.3},
		{"NaN floor is no floor", reported, 1, math.NaN(), true, 0},
		{"no samples (NaN) meets no goal, not even a reported one", reported, math.NaN(), 10, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRow("x", tc.g, tc.value, "ms", tc.floor, "f", "")
			if r.Pass != tc.wantPass {
				t.Errorf("pass = %v, want %v", r.Pass, tc.wantPass)
			}
			switch {
			case tc.wantRatio == 0 && r.Ratio != nil:
				t.Errorf("ratio = %v, want none", *r.Ratio)
			case tc.wantRatio != 0 && (r.Ratio == nil || math.Abs(*r.Ratio-tc.wantRatio) > 1e-9):
				t.Errorf("ratio = %v, want %v", r.Ratio, tc.wantRatio)
			}
			if (r.Floor == nil) != (r.Ratio == nil) {
				t.Errorf("floor %v and ratio %v must come together", r.Floor, r.Ratio)
			}
		})
	}
}

func TestPairedRowTakesTheRatioRoundByRound(t *testing.T) {
	// The machine slowed down in round 2 for value and floor alike: the rounds' ratios
	// agree (0.5), the ratio of the medians (2/3) does not.
	values, floors := []float64{100, 10, 100}, []float64{200, 20, 150}
	r := pairedRow("x", ratioAtLeast(">= 0.60x floor", 0.6), median(values), "/s", median(floors), "f", "", values, floors)
	if r.Ratio == nil || *r.Ratio != 0.5 {
		t.Fatalf("ratio %v, want 0.5 (the median of 0.5, 0.5, 0.67)", r.Ratio)
	}
	if r.Pass {
		t.Error("pass judged on the ratio of medians (0.67), not the paired ratio (0.5)")
	}
	if r.Value != 100 || *r.Floor != 150 {
		t.Errorf("value %v and floor %v should stay the medians", r.Value, *r.Floor)
	}
	if r := pairedRow("x", reported, 1, "/s", 2, "f", "", []float64{1}, []float64{2, 3}); *r.Ratio != 0.5 {
		t.Errorf("mismatched rounds should fall back to value / floor, got %v", *r.Ratio)
	}
}

func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {0.00837, "0.00837"}, {0.262, "0.262"}, {3.134, "3.13"}, {19.34, "19.3"},
		{107.2, "107"}, {1760.4, "1,760"}, {1234567, "1,234,567"}, {-2500, "-2,500"},
	} {
		if got := formatNumber(tc.in); got != tc.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriteTable(t *testing.T) {
	rows := []Row{
		newRow("writes/s", atLeast(">= 20,000 /s", 20000), 1760, "/s", 6836, "raw bbolt Batch", "64 clients"),
		newRow("log in the daemon", atMost("<= 20 ms", 20), 3.46, "ms", 0, "", ""),
		newRow("floor: fsync", reported, 6205, "/s", 0, "", ""),
		skippedRow("sampler µs", ratioAtMost("<= 2x floor", 2), "µs", "reads /proc"),
	}
	var b bytes.Buffer
	if err := writeTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	// Header, separator, one line per row, all the same width (µ and – count once).
	for i := 1; i < 2+len(rows); i++ {
		if displayWidth(lines[i]) != displayWidth(lines[0]) {
			t.Errorf("line %d is %d wide, the header %d:\n%s", i, displayWidth(lines[i]), displayWidth(lines[0]), out)
		}
	}
	for _, want := range []string{
		"| writes/s ", "1,760 /s", "6,836 /s (raw bbolt Batch)", "0.257x", "MISSED",
		"3.46 ms", "| ok ", "not available", "n/a",
		"- writes/s: 64 clients", "- sampler µs: not available: reads /proc",
		"MISSED 1 goal(s): writes/s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := writeTable(&b, rows[1:3]); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Every goal measured here is met.") || strings.Contains(b.String(), "MISSED") {
		t.Errorf("a table with every goal met says otherwise:\n%s", b.String())
	}
}

func TestJSONShape(t *testing.T) {
	rep := report{Machine: machine{CPU: "cpu", Cores: 2, Go: "go", OS: "linux/amd64", Kernel: "k", Dir: "d"}, Mode: "short",
		Rows: []Row{
			newRow("with floor", atLeast(">= 1 /s", 1), 2, "/s", 4, "f", "detail"),
			newRow("without floor", reported, 3, "ms", 0, "", ""),
			newRow("no samples", atMost("<= 1 ms", 1), math.NaN(), "ms", 0, "", ""),
			skippedRow("skipped", atMost("<= 1 ms", 1), "ms", "why"),
		}}
	var b bytes.Buffer
	if err := writeJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Machine map[string]any   `json:"machine"`
		Mode    string           `json:"mode"`
		Rows    []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b.String())
	}
	if doc.Mode != "short" || doc.Machine["cores"] != 2.0 || len(doc.Rows) != 4 {
		t.Fatalf("document %+v", doc)
	}
	for _, r := range doc.Rows {
		for _, k := range []string{"name", "goal", "value", "unit", "floor", "ratio", "pass"} {
			if _, ok := r[k]; !ok {
				t.Errorf("row %v lacks %q", r["name"], k)
			}
		}
		if _, ok := r["pass"].(bool); !ok {
			t.Errorf("row %v: pass is %T, want a bool", r["name"], r["pass"])
		}
	}
	if doc.Rows[0]["floor"] != 4.0 || doc.Rows[0]["ratio"] != 0.5 || doc.Rows[0]["pass"] != true {
		t.Errorf("row with a floor: %v", doc.Rows[0])
	}
	if doc.Rows[1]["floor"] != nil || doc.Rows[1]["ratio"] != nil {
		t.Errorf("row without a floor should have null floor and ratio: %v", doc.Rows[1])
	}
	if doc.Rows[2]["value"] != 0.0 || doc.Rows[2]["pass"] != false || doc.Rows[2]["detail"] != "no samples" {
		t.Errorf("row without samples: %v", doc.Rows[2])
	}
	if doc.Rows[3]["skipped"] != "why" || doc.Rows[3]["pass"] != false {
		t.Errorf("skipped row: %v", doc.Rows[3])
	}
}

func TestRoundsMustBePositive(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--rounds", "0"}, &out, &errOut); code != 2 {
		t.Errorf("--rounds 0 exited %d, want 2 (usage); stderr: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "give at least 1") {
		t.Errorf("the error does not say what to do: %s", errOut.String())
	}
}
