package governance

import (
	"testing"
	"time"
)

func TestSummaries(t *testing.T) {
	slow := func(ms float64, detail string) Strike {
		return Strike{Metric: MetricActivation, Value: ms, Threshold: 1000, Unit: "ms",
			Evidence: []Evidence{{Value: ms, Unit: "ms", Detail: detail}}}
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"cpu", cpuSummary(97, 3, 5*time.Second), "used 97% of a processor core for 15 seconds"},
		{"cpu rounds", cpuSummary(90.4, 3, 5*time.Second), "used 90% of a processor core for 15 seconds"},
		{"cpu a full core", cpuSummary(100, 12, 5*time.Second), "used 100% of a processor core for 1 minute"},
		{"cpu several cores", cpuSummary(250, 3, 5*time.Second), "used 2.5 processor cores for 15 seconds"},
		{"cpu without samples", cpuSummary(95, 0, 5*time.Second), "used 95% of a processor core"},
		{"memory", memorySummary(812, 200, 3, time.Second), "used 812 MB of memory (the limit is 200 MB) for 3 seconds"},
		{"memory long", memorySummary(9000, 8192, 20, 5*time.Second), "used 9000 MB of memory (the limit is 8192 MB) for 1 minute 40 seconds"},
		{"crash", crashSummary(4, 24*time.Hour), "crashed 4 times in 24 hours"},
		{"crash once", crashSummary(1, time.Hour), "crashed once in 1 hour"},
		{"crash twice", crashSummary(2, 90*time.Minute), "crashed twice in 1 hour 30 minutes"},
		{
			"activation",
			activationSummary([]Strike{slow(1500, "slow"), slow(1600, "slow"), slow(5000, "timed out")}),
			"was slow or failed to start 3 times (1.5 s, 1.6 s, timed out; the limit is 1 s)",
		},
		{
			"activation with a failure reason and a restored strike without evidence",
			activationSummary([]Strike{slow(3, "failed (manifest not found)"), {Value: 1001, Threshold: 1000}}),
			"was slow or failed to start twice (failed (manifest not found), 1.001 s; the limit is 1 s)",
		},
		{"unknown metric", summarize("disk", []Strike{{}}, DefaultThresholds()), "reached a governance limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestFormatSpan(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{time.Second, "1 second"},
		{1500 * time.Millisecond, "1.5 seconds"},
		{1040 * time.Millisecond, "1 second"},
		{15 * time.Second, "15 seconds"},
		{time.Minute, "1 minute"},
		{75 * time.Second, "1 minute 15 seconds"},
		{2 * time.Hour, "2 hours"},
		{24 * time.Hour, "24 hours"},
		{25*time.Hour + time.Minute + time.Second, "25 hours 1 minute 1 second"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := formatSpan(tt.d); got != tt.want {
				t.Errorf("formatSpan(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestFormatLatency(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 ms"},
		{800 * time.Millisecond, "800 ms"},
		{999*time.Millisecond + 600*time.Microsecond, "1 s"},
		{time.Second, "1 s"},
		{1001 * time.Millisecond, "1.001 s"},
		{1500 * time.Millisecond, "1.5 s"},
		{HostUnresponsive, "5 s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := formatLatency(tt.d); got != tt.want {
				t.Errorf("formatLatency(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

// TestDecisionSummaries checks the wording end to end, from observations to decisions.
func TestDecisionSummaries(t *testing.T) {
	tests := []struct {
		name string
		tune func(*Thresholds)
		run  func(e *Engine, clock *fakeClock) Result
		want string
	}{
		{
			name: "cpu",
			run: func(e *Engine, clock *fakeClock) (r Result) {
				for _, p := range []float64{96, 97, 98} {
					r = tick(e, clock, cpuSample(clock, "contoso", p))
				}
				return r
			},
			want: "used 97% of a processor core for 15 seconds",
		},
		{
			name: "memory, absolute limit, 1 s interval",
			tune: func(th *Thresholds) { th.MemoryThresholdMB = 200; th.Interval = time.Second },
			run: func(e *Engine, clock *fakeClock) (r Result) {
				for range 3 {
					r = tick(e, clock, memSample(clock, "contoso", 812<<20, 16*gib, 90))
				}
				return r
			},
			want: "used 812 MB of memory (the limit is 200 MB) for 3 seconds",
		},
		{
			name: "crash",
			run: func(e *Engine, _ *fakeClock) (r Result) {
				for range 4 {
					r = e.ObserveCrash(Crash{AddinID: "contoso", PID: 1})
				}
				return r
			},
			want: "crashed 4 times in 24 hours",
		},
		{
			name: "activation",
			run: func(e *Engine, _ *fakeClock) Result {
				e.ObserveActivation(Activation{AddinID: "contoso", Latency: 1500 * time.Millisecond})
				e.ObserveActivation(Activation{AddinID: "contoso", Latency: 1600 * time.Millisecond})
				return e.ObserveActivation(Activation{AddinID: "contoso", Latency: HostUnresponsive, Failed: true, Reason: "timeout"})
			},
			want: "was slow or failed to start 3 times (1.5 s, 1.6 s, timed out; the limit is 1 s)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock, _ := newTestEngine(tt.tune)
			r := tt.run(e, clock)
			if r.Decision == nil {
				t.Fatal("no decision")
			}
			if r.Decision.Summary != tt.want {
				t.Errorf("summary = %q, want %q", r.Decision.Summary, tt.want)
			}
			if !r.Decision.Time.Equal(clock.Now()) || r.Decision.AddinID != "contoso" {
				t.Errorf("decision at %v for %q, want %v for contoso", r.Decision.Time, r.Decision.AddinID, clock.Now())
			}
		})
	}
}
