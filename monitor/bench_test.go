package monitor_test

import (
	"testing"
	"time"

	"addingov/monitor"
	"addingov/monitor/monitortest"
)

// BenchmarkTick measures one tick over 20 bound add-ins, each a host with two
// children, on a fake table of about 400 processes.
func BenchmarkTick(b *testing.B) {
	f := newFake()
	for i := range int32(300) {
		f.Start(monitortest.Process{PID: 10000 + i, PPID: 1, CreateTime: ms(0)})
	}
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	for i := range int32(20) {
		host := 100 + i*10
		f.Start(monitortest.Process{PID: host, PPID: 1, CreateTime: ms(0), Memory: 1 << 20})
		f.Start(monitortest.Process{PID: host + 1, PPID: host, CreateTime: ms(1)})
		f.Start(monitortest.Process{PID: host + 2, PPID: host + 1, CreateTime: ms(2)})
		if err := s.Bind("addin-"+string(rune('a'+i)), host); err != nil {
			b.Fatal(err)
		}
	}
	now := t0
	s.Tick(now)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(5 * time.Second)
		if res := s.Tick(now); len(res.Samples) != 20 {
			b.Fatalf("%d samples, want 20", len(res.Samples))
		}
	}
}
