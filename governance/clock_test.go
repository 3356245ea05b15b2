package governance

import (
	"maps"
	"testing"
	"time"

	"addingov/governance/governancetest"
)

// fakeClock is the shared settable test clock.
type fakeClock = governancetest.Clock

func newFakeClock() *fakeClock {
	return governancetest.NewClock(time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC))
}

// policyBox is a PolicySource a test can change between calls.
type policyBox struct{ p Policy }

func (b *policyBox) Policy() Policy {
	p := b.p
	p.Managed = maps.Clone(b.p.Managed)
	return p
}

// setManaged puts id on the managed list with mode m.
func (b *policyBox) setManaged(id string, m ManagedMode) {
	if b.p.Managed == nil {
		b.p.Managed = map[string]ManagedMode{}
	}
	b.p.Managed[id] = m
}

// newTestEngine returns an engine on a fake clock with the default policy, adjusted by
// tune when it is not nil.
func newTestEngine(tune func(*Thresholds)) (*Engine, *fakeClock, *policyBox) {
	clock := newFakeClock()
	box := &policyBox{p: DefaultPolicy()}
	if tune != nil {
		tune(&box.p.Thresholds)
	}
	return NewEngine(clock, box), clock, box
}

const gib = 1 << 30

// cpuSample is a sample of add-in id at CPU percent, on a device whose memory is calm.
func cpuSample(clock *fakeClock, id string, percent float64) Sample {
	return Sample{AddinID: id, Time: clock.Now(), PIDs: []int32{4242}, CPUPercent: percent,
		MemoryBytes: 100 << 20, TotalMemoryBytes: 16 * gib, DeviceMemoryPercent: 40}
}

// memSample is a sample of add-in id using bytes of memory, idle on CPU.
func memSample(clock *fakeClock, id string, bytes, total uint64, devicePercent float64) Sample {
	return Sample{AddinID: id, Time: clock.Now(), CPUPercent: 1,
		MemoryBytes: bytes, TotalMemoryBytes: total, DeviceMemoryPercent: devicePercent}
}

// tick advances the clock by the default interval and observes s stamped with that time.
func tick(e *Engine, clock *fakeClock, s Sample) Result {
	clock.Advance(DefaultThresholds().Interval)
	s.Time = clock.Now()
	return e.ObserveSample(s)
}

func mustDecision(t *testing.T, r Result, action Action, reason Metric) Decision {
	t.Helper()
	if r.Decision == nil {
		t.Fatalf("no decision, want %s for %s", action, reason)
	}
	if r.Decision.Action != action || r.Decision.Reason != reason {
		t.Fatalf("decision = %s for %s, want %s for %s", r.Decision.Action, r.Decision.Reason, action, reason)
	}
	return *r.Decision
}

func TestFakeClockAdvances(t *testing.T) {
	c := newFakeClock()
	start := c.Now()
	c.Advance(90 * time.Second)
	if got := c.Now().Sub(start); got != 90*time.Second {
		t.Fatalf("advanced %v, want 90s", got)
	}
}
