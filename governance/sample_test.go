package governance

import (
	"math"
	"testing"
	"time"
)

func TestCPUEpisodes(t *testing.T) {
	tests := []struct {
		name       string
		tune       func(*Thresholds)
		percents   []float64
		strikeAt   int     // index of the sample that completes an episode; -1 for none
		wantMean   float64 // strike Value
		wantSample int     // samples in the strike's evidence
	}{
		{name: "exactly at the threshold counts", percents: []float64{90, 90, 90}, strikeAt: 2, wantMean: 90, wantSample: 3},
		{name: "just under does not count", percents: []float64{89.99, 89.99, 89.99, 89.99}, strikeAt: -1},
		{name: "one sample short of an episode", percents: []float64{95, 99}, strikeAt: -1},
		{name: "a low sample breaks the run", percents: []float64{95, 95, 50, 95, 95}, strikeAt: -1},
		{name: "a full run after a break", percents: []float64{95, 95, 50, 91, 92, 99}, strikeAt: 5, wantMean: 94, wantSample: 3},
		{name: "an unmeasurable sample breaks the run", percents: []float64{95, math.NaN(), 95, 95}, strikeAt: -1},
		{name: "an infinite sample breaks the run", percents: []float64{95, math.Inf(1), 95, 95}, strikeAt: -1},
		{name: "several cores", percents: []float64{250, 250, 250}, strikeAt: 2, wantMean: 250, wantSample: 3},
		{
			name:     "policy sample count of one",
			tune:     func(th *Thresholds) { th.CPUSampleCount = 1 },
			percents: []float64{10, 91}, strikeAt: 1, wantMean: 91, wantSample: 1,
		},
		{
			name:     "policy core threshold",
			tune:     func(th *Thresholds) { th.CPUCorePercent = 50 },
			percents: []float64{50, 60, 70}, strikeAt: 2, wantMean: 60, wantSample: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock, box := newTestEngine(tt.tune)
			for i, p := range tt.percents {
				r := tick(e, clock, cpuSample(clock, "contoso", p))
				if i != tt.strikeAt {
					if len(r.Strikes) != 0 || r.Decision != nil {
						t.Fatalf("sample %d (%v%%): got %d strikes, decision %v; want none", i, p, len(r.Strikes), r.Decision)
					}
					continue
				}
				if len(r.Strikes) != 1 {
					t.Fatalf("sample %d: got %d strikes, want 1", i, len(r.Strikes))
				}
				s := r.Strikes[0]
				th := box.p.Thresholds
				if s.Metric != MetricCPU || s.Unit != "% of one core" || s.Threshold != th.CPUCorePercent || s.Exempt {
					t.Errorf("strike = %+v", s)
				}
				if math.Abs(s.Value-tt.wantMean) > 1e-9 {
					t.Errorf("strike value = %v, want mean %v", s.Value, tt.wantMean)
				}
				if !s.Time.Equal(clock.Now()) || s.AddinID != "contoso" {
					t.Errorf("strike time/id = %v/%q, want %v/contoso", s.Time, s.AddinID, clock.Now())
				}
				if len(s.Evidence) != tt.wantSample {
					t.Fatalf("evidence has %d samples, want %d", len(s.Evidence), tt.wantSample)
				}
				for j, ev := range s.Evidence {
					k := i - len(s.Evidence) + 1 + j
					wantTime := clock.Now().Add(-time.Duration(len(s.Evidence)-1-j) * th.Interval)
					if ev.Value != tt.percents[k] || !ev.Time.Equal(wantTime) || ev.Unit != "% of one core" || ev.Detail != "processes 4242" {
						t.Errorf("evidence %d = %+v, want value %v at %v", j, ev, tt.percents[k], wantTime)
					}
				}
				d := mustDecision(t, r, ActionDisable, MetricCPU)
				if d.Value != s.Value || d.Threshold != s.Threshold || d.Unit != s.Unit || len(d.Evidence) != len(s.Evidence) {
					t.Errorf("decision figures %v/%v/%q/%d evidence, want the strike's", d.Value, d.Threshold, d.Unit, len(d.Evidence))
				}
				if e.State("contoso") != StateDisabled {
					t.Errorf("state = %s, want disabled", e.State("contoso"))
				}
			}
		})
	}
}

func TestCPURunRestartsAfterEpisode(t *testing.T) {
	// A window shorter than a sampling interval, so that each exempt episode is logged.
	e, clock, box := newTestEngine(func(th *Thresholds) { th.StrikeWindow = time.Second })
	box.setManaged("contoso", ManagedAlwaysEnabled) // stays enabled, so episodes keep coming
	var episodesAt []int
	for i := range 8 {
		r := tick(e, clock, cpuSample(clock, "contoso", 99))
		if len(r.Strikes) > 0 {
			episodesAt = append(episodesAt, i)
			mustDecision(t, r, ActionExempt, MetricCPU)
		}
	}
	if len(episodesAt) != 2 || episodesAt[0] != 2 || episodesAt[1] != 5 {
		t.Fatalf("episodes completed at samples %v, want [2 5]", episodesAt)
	}
}

func TestMemoryEpisodes(t *testing.T) {
	const total = 16 * gib // 50% = 8192 MB
	half := uint64(total / 2)
	tests := []struct {
		name      string
		tune      func(*Thresholds)
		bytes     []uint64
		device    []float64 // device memory percent per sample; nil = 85 for all
		total     uint64
		strikeAt  int
		wantMB    float64
		wantLimit float64
	}{
		{name: "exactly at the percent threshold counts", bytes: []uint64{half, half, half}, strikeAt: 2, wantMB: 8192, wantLimit: 8192},
		{name: "one byte under the percent threshold does not", bytes: []uint64{half - 1, half - 1, half - 1}, strikeAt: -1},
		{name: "one sample short", bytes: []uint64{half, half}, strikeAt: -1},
		{name: "a low sample breaks the run", bytes: []uint64{half, half, 1 << 20, half, half}, strikeAt: -1},
		{
			name: "below the device gate does not count", bytes: []uint64{half, half, half},
			device: []float64{79.9, 79.9, 79.9}, strikeAt: -1,
		},
		{
			name: "exactly at the device gate counts", bytes: []uint64{half, half, half},
			device: []float64{80, 80, 80}, strikeAt: 2, wantMB: 8192, wantLimit: 8192,
		},
		{
			name: "a sample below the gate breaks the run", bytes: []uint64{half, half, half, half, half},
			device: []float64{90, 90, 70, 90, 90}, strikeAt: -1,
		},
		{
			name: "gate 0 means always", tune: func(th *Thresholds) { th.DeviceMemoryGatePercent = 0 },
			bytes: []uint64{half, half, half}, device: []float64{5, 5, 5}, strikeAt: 2, wantMB: 8192, wantLimit: 8192,
		},
		{
			name: "absolute limit in MB", tune: func(th *Thresholds) { th.MemoryThresholdMB = 200 },
			bytes: []uint64{200 << 20, 812 << 20, 1424 << 20}, strikeAt: 2, wantMB: 812, wantLimit: 200,
		},
		{
			name: "absolute limit replaces the percent", tune: func(th *Thresholds) { th.MemoryThresholdMB = 12000 },
			bytes: []uint64{9000 << 20, 9000 << 20, 9000 << 20}, strikeAt: -1,
		},
		{
			name: "one byte under the absolute limit", tune: func(th *Thresholds) { th.MemoryThresholdMB = 200 },
			bytes: []uint64{200<<20 - 1, 200<<20 - 1, 200<<20 - 1}, strikeAt: -1,
		},
		{
			name: "policy percent", tune: func(th *Thresholds) { th.MemoryPercent = 25 },
			bytes: []uint64{4 * gib, 4 * gib, 4 * gib}, strikeAt: 2, wantMB: 4096, wantLimit: 4096,
		},
		{
			name: "unknown total memory cannot be judged by percent", total: 1,
			bytes: []uint64{half, half, half}, strikeAt: -1,
		},
		{
			name: "policy sample count", tune: func(th *Thresholds) { th.MemorySampleCount = 5 },
			bytes: []uint64{half, half, half, half, half}, strikeAt: 4, wantMB: 8192, wantLimit: 8192,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock, _ := newTestEngine(tt.tune)
			tot := uint64(total)
			if tt.total == 1 {
				tot = 0
			}
			for i, b := range tt.bytes {
				dev := 85.0
				if tt.device != nil {
					dev = tt.device[i]
				}
				r := tick(e, clock, memSample(clock, "contoso", b, tot, dev))
				if i != tt.strikeAt {
					if len(r.Strikes) != 0 || r.Decision != nil {
						t.Fatalf("sample %d: got %d strikes, decision %v; want none", i, len(r.Strikes), r.Decision)
					}
					continue
				}
				if len(r.Strikes) != 1 {
					t.Fatalf("sample %d: got %d strikes, want 1", i, len(r.Strikes))
				}
				s := r.Strikes[0]
				if s.Metric != MetricMemory || s.Unit != "MB" || s.Value != tt.wantMB || s.Threshold != tt.wantLimit {
					t.Errorf("strike = %s %v/%v %s, want memory %v/%v MB", s.Metric, s.Value, s.Threshold, s.Unit, tt.wantMB, tt.wantLimit)
				}
				if len(s.Evidence) != tt.strikeAt+1 { // every striking case runs from the first sample
					t.Errorf("evidence has %d samples, want %d", len(s.Evidence), tt.strikeAt+1)
				}
				for _, ev := range s.Evidence {
					if ev.Unit != "MB" || ev.Value < tt.wantLimit {
						t.Errorf("evidence %+v not at or over the limit", ev)
					}
				}
				mustDecision(t, r, ActionDisable, MetricMemory)
			}
		})
	}
}

func TestOneSampleCompletesBothEpisodes(t *testing.T) {
	hot := func(clock *fakeClock) Sample {
		s := memSample(clock, "contoso", 12*gib, 16*gib, 90)
		s.CPUPercent = 99
		return s
	}
	t.Run("a disable stops at the CPU rule", func(t *testing.T) {
		e, clock, _ := newTestEngine(nil)
		var r Result
		for range 3 {
			r = tick(e, clock, hot(clock))
		}
		mustDecision(t, r, ActionDisable, MetricCPU)
		if len(r.Strikes) != 1 || r.Strikes[0].Metric != MetricCPU {
			t.Fatalf("strikes = %+v, want the CPU strike only", r.Strikes)
		}
		if r := tick(e, clock, hot(clock)); len(r.Strikes) != 0 || r.Decision != nil {
			t.Fatalf("disabled add-in got %+v", r)
		}
	})
	t.Run("an exempt add-in gets the second decision on its next observation", func(t *testing.T) {
		e, clock, box := newTestEngine(nil)
		box.setManaged("contoso", ManagedAlwaysEnabled)
		var r Result
		for range 3 {
			r = tick(e, clock, hot(clock))
		}
		mustDecision(t, r, ActionExempt, MetricCPU)
		if len(r.Strikes) != 2 || !r.Strikes[0].Exempt || !r.Strikes[1].Exempt {
			t.Fatalf("strikes = %+v, want CPU and memory, both exempt", r.Strikes)
		}
		r = tick(e, clock, cpuSample(clock, "contoso", 1))
		d := mustDecision(t, r, ActionExempt, MetricMemory)
		if len(r.Strikes) != 0 || len(d.Evidence) != 3 {
			t.Fatalf("next call: %d strikes, %d evidence; want 0 and 3", len(r.Strikes), len(d.Evidence))
		}
		if r := tick(e, clock, cpuSample(clock, "contoso", 1)); r.Decision != nil {
			t.Fatalf("a third decision %+v; each episode decides once", r.Decision)
		}
	})
}
