package governance

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkObserveSample measures one sampling tick's cost per add-in on a daemon
// governing 50 add-ins, with runs building and breaking as they do in practice.
func BenchmarkObserveSample(b *testing.B) {
	e, clock, _ := newTestEngine(nil)
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = "addin-" + strconv.Itoa(i)
	}
	samples := make([]Sample, len(ids))
	for i, id := range ids {
		samples[i] = Sample{AddinID: id, PIDs: []int32{int32(1000 + i)}, MemoryBytes: 300 << 20,
			TotalMemoryBytes: 16 * gib, DeviceMemoryPercent: 85}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		clock.Advance(5 * time.Second)
		s := samples[n%len(samples)]
		s.Time = clock.Now()
		s.CPUPercent = float64(40 + (n*7)%60) // over 90% now and then, rarely three in a row
		e.ObserveSample(s)
	}
}
