package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Row is one figure of the table: what was measured, its goal, the value, the floor
// measured beside it in the same run, and their ratio (value / floor).
type Row struct {
	Name string `json:"name"`
	// Goal is the goal as text ("" when the figure is only reported).
	Goal  string  `json:"goal"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Floor is the figure this one is compared with, in Unit; nil when there is none.
	Floor     *float64 `json:"floor"`
	FloorName string   `json:"floor_name,omitempty"`
	// Ratio is Value / Floor; nil without a floor.
	Ratio *float64 `json:"ratio"`
	// Pass is whether the goal is met; true for rows without a goal.
	Pass bool `json:"pass"`
	// Detail gives the conditions: sizes, rounds, p99 or the spread.
	Detail string `json:"detail,omitempty"`
	// Skipped says why the figure could not be measured on this platform.
	Skipped string `json:"skipped,omitempty"`
}

// check is a goal a row's value or ratio is held to.
type check struct {
	text    string
	onRatio bool // the goal applies to Value/Floor rather than to Value
	atLeast bool // >= bound, else <= bound
	bound   float64
}

// reported is the "goal" of a figure that has none.
var reported = check{}

func atLeast(text string, bound float64) check { return check{text: text, atLeast: true, bound: bound} }
func atMost(text string, bound float64) check  { return check{text: text, bound: bound} }
func ratioAtLeast(text string, bound float64) check {
	return check{text: text, onRatio: true, atLeast: true, bound: bound}
}
func ratioAtMost(text string, bound float64) check {
	return check{text: text, onRatio: true, bound: bound}
}

// newRow builds a row and decides whether it meets its goal. floor <= 0 or NaN means
// no floor.
func newRow(name string, g check, value float64, unit string, floor float64, floorName, detail string) Row {
	r := Row{Name: name, Goal: g.text, Value: value, Unit: unit, Detail: detail, Pass: true}
	if math.IsNaN(value) || math.IsInf(value, 0) {
		// No samples: JSON has no NaN, and a figure not measured meets no goal.
		r.Value, r.Pass, r.Detail = 0, false, strings.TrimSuffix("no samples; "+detail, "; ")
		return r
	}
	if floor > 0 && !math.IsNaN(floor) && !math.IsInf(floor, 0) {
		f, ratio := floor, value/floor
		r.Floor, r.Ratio, r.FloorName = &f, &ratio, floorName
	}
	return r.judge(g)
}

// pairedRow is newRow with the ratio taken round by round: the median of each round's
// value / floor, both measured in that round, which a shared machine's load swings
// disturb far less than the ratio of two medians.
func pairedRow(name string, g check, value float64, unit string, floor float64, floorName, detail string, values, floors []float64) Row {
	r := newRow(name, g, value, unit, floor, floorName, detail)
	if r.Ratio == nil || len(values) != len(floors) || len(values) == 0 {
		return r
	}
	ratios := make([]float64, 0, len(values))
	for i := range values {
		if floors[i] > 0 {
			ratios = append(ratios, values[i]/floors[i])
		}
	}
	if len(ratios) == 0 {
		return r
	}
	ratio := median(ratios)
	r.Ratio = &ratio
	r.Pass = true
	return r.judge(g)
}

// judge sets Pass from g (a row without a goal passes).
func (r Row) judge(g check) Row {
	if g.text == "" {
		return r
	}
	v := r.Value
	if g.onRatio {
		if r.Ratio == nil {
			r.Pass = false
			return r
		}
		v = *r.Ratio
	}
	if g.atLeast {
		r.Pass = v >= g.bound
	} else {
		r.Pass = v <= g.bound
	}
	return r
}

// skippedRow is a figure this platform cannot measure.
func skippedRow(name string, g check, unit, why string) Row {
	return Row{Name: name, Goal: g.text, Unit: unit, Skipped: why}
}

// median of xs (the mean of the middle two for an even count); NaN when empty.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile is the nearest-rank p-th percentile (0 < p <= 100) of ds; 0 when empty.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// us is d in microseconds.
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// formatValue prints v in unit with about three significant digits.
func formatValue(v float64, unit string) string {
	if math.IsNaN(v) {
		return "–"
	}
	num := formatNumber(v)
	switch unit {
	case "%", "x":
		return num + " " + unit
	case "":
		return num
	default:
		return num + " " + unit
	}
}

// formatNumber prints v with three significant digits, thousands grouped.
func formatNumber(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 1000:
		return groupThousands(int64(math.Round(v)))
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func groupThousands(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// result is the table's verdict column.
func (r Row) result() string {
	switch {
	case r.Skipped != "":
		return "n/a"
	case r.Goal == "":
		return ""
	case r.Pass:
		return "ok"
	default:
		return "MISSED"
	}
}

// writeTable prints rows as a Markdown table (readable in a terminal, pasteable into
// BENCHMARKS.md), followed by the details and a summary of missed goals.
func writeTable(w io.Writer, rows []Row) error {
	header := []string{"what", "goal", "value", "floor", "ratio", "result"}
	cells := make([][]string, 0, len(rows))
	for _, r := range rows {
		value, floor, ratio := formatValue(r.Value, r.Unit), "–", "–"
		if r.Skipped != "" {
			value = "not available"
		}
		if r.Floor != nil {
			floor = formatValue(*r.Floor, r.Unit)
			if r.FloorName != "" {
				floor += " (" + r.FloorName + ")"
			}
		}
		if r.Ratio != nil {
			ratio = formatNumber(*r.Ratio) + "x"
		}
		goal := r.Goal
		if goal == "" {
			goal = "–"
		}
		cells = append(cells, []string{r.Name, goal, value, floor, ratio, r.result()})
	}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = displayWidth(h)
	}
	for _, c := range cells {
		for i, s := range c {
			widths[i] = max(widths[i], displayWidth(s))
		}
	}
	line := func(c []string) string {
		var b strings.Builder
		b.WriteString("|")
		for i, s := range c {
			b.WriteString(" " + s + strings.Repeat(" ", widths[i]-displayWidth(s)) + " |")
		}
		return b.String()
	}
	var out strings.Builder
	out.WriteString(line(header) + "\n")
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	out.WriteString(line(sep) + "\n")
	for _, c := range cells {
		out.WriteString(line(c) + "\n")
	}
	out.WriteString("\nDetails:\n")
	var missed []string
	for _, r := range rows {
		switch {
		case r.Skipped != "":
			out.WriteString("- " + r.Name + ": not available: " + r.Skipped + "\n")
		case r.Detail != "":
			out.WriteString("- " + r.Name + ": " + r.Detail + "\n")
		}
		if r.Skipped == "" && !r.Pass {
			missed = append(missed, r.Name)
		}
	}
	if len(missed) == 0 {
		out.WriteString("\nEvery goal measured here is met.\n")
	} else {
		fmt.Fprintf(&out, "\nMISSED %d goal(s): %s\n", len(missed), strings.Join(missed, "; "))
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// displayWidth counts runes, which is the width of everything this table prints (µ, –, ≥).
func displayWidth(s string) int { return len([]rune(s)) }

// report is the --json document.
type report struct {
	Machine machine `json:"machine"`
	Mode    string  `json:"mode"` // "full" or "short"
	Rows    []Row   `json:"rows"`
	// Errors are the measurements that failed (the command then exits 1).
	Errors []string `json:"errors,omitempty"`
}

func writeJSON(w io.Writer, rep report) error {
	if rep.Rows == nil {
		rep.Rows = []Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
