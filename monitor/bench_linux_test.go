//go:build linux

package monitor_test

import (
	"fmt"
	"testing"
	"time"

	"addingov/monitor"
)

// BenchmarkTickSystem measures one tick over 20 real bound processes, including the
// process-table scan.
func BenchmarkTickSystem(b *testing.B) {
	s := monitor.NewSystemSampler(monitor.SamplerOptions{})
	for i := range 20 {
		h := startHelper(b, "sleep", 0)
		if err := s.Bind(fmt.Sprintf("addin-%02d", i), h.pid()); err != nil {
			b.Fatal(err)
		}
	}
	s.Tick(time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if res := s.Tick(time.Now()); len(res.Samples) != 20 {
			b.Fatalf("%d samples, want 20", len(res.Samples))
		}
	}
}

// BenchmarkProcessTable measures the scan a tick makes once.
func BenchmarkProcessTable(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (monitor.SystemSource{}).Processes(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiscoverRunning measures discovery over this machine's processes.
func BenchmarkDiscoverRunning(b *testing.B) {
	cfg, err := monitor.ParseConfig([]byte(`{"discovery": [{"executable": "outlook-addin-host.exe", "cmdline": "--addin=(?P<id>[a-z0-9-]+)"}]}`), "bench.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cfg.DiscoverRunning(); err != nil {
			b.Fatal(err)
		}
	}
}
