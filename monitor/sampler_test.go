package monitor_test

import (
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"addingov/governance"
	"addingov/monitor"
	"addingov/monitor/monitortest"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// ms is a fake creation time: t0 plus n milliseconds.
func ms(n int64) int64 { return t0.UnixMilli() + n }

func newFake(procs ...monitortest.Process) *monitortest.FakeSource {
	f := monitortest.NewFakeSource()
	f.Start(monitortest.Process{PID: 1, PPID: 0, Name: "init", CreateTime: ms(-1e6)})
	for _, p := range procs {
		f.Start(p)
	}
	return f
}

func mustBind(t *testing.T, s *monitor.Sampler, id string, pid int32) {
	t.Helper()
	if err := s.Bind(id, pid); err != nil {
		t.Fatalf("Bind(%q, %d): %v", id, pid, err)
	}
}

func sampleOf(t *testing.T, res monitor.TickResult, id string) governance.Sample {
	t.Helper()
	for _, s := range res.Samples {
		if s.AddinID == id {
			return s
		}
	}
	t.Fatalf("no sample for %q in %+v", id, res.Samples)
	return governance.Sample{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestTickCPUPercentOfOneCore(t *testing.T) {
	tests := []struct {
		name     string
		cpu      time.Duration // CPU used between the ticks
		interval time.Duration
		want     float64
	}{
		{"idle", 0, 5 * time.Second, 0},
		{"80 percent", 4 * time.Second, 5 * time.Second, 80},
		{"two cores", 10 * time.Second, 5 * time.Second, 200},
		{"short interval", 150 * time.Millisecond, 300 * time.Millisecond, 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0), CPU: time.Minute, Memory: 10 << 20})
			s := monitor.NewSampler(f, monitor.SamplerOptions{})
			mustBind(t, s, "contoso", 100)

			first := sampleOf(t, s.Tick(t0), "contoso")
			if first.CPUPercent != 0 {
				t.Errorf("first tick CPU = %v, want 0 (no previous reading)", first.CPUPercent)
			}
			if first.MemoryBytes != 10<<20 {
				t.Errorf("first tick memory = %d, want %d", first.MemoryBytes, 10<<20)
			}
			f.AddCPU(100, tc.cpu)
			second := sampleOf(t, s.Tick(t0.Add(tc.interval)), "contoso")
			if !near(second.CPUPercent, tc.want) {
				t.Errorf("CPU = %v, want %v", second.CPUPercent, tc.want)
			}
			if !second.Time.Equal(t0.Add(tc.interval)) {
				t.Errorf("sample time = %v, want the tick's time", second.Time)
			}
		})
	}
}

func TestTickSumsTheProcessTree(t *testing.T) {
	f := newFake(
		monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0), Memory: 100},
		monitortest.Process{PID: 101, PPID: 100, CreateTime: ms(10), Memory: 20},
		monitortest.Process{PID: 102, PPID: 101, CreateTime: ms(20), Memory: 3},
		monitortest.Process{PID: 200, PPID: 1, CreateTime: ms(0), Memory: 1 << 30},   // unrelated
		monitortest.Process{PID: 201, PPID: 200, CreateTime: ms(5), Memory: 1 << 30}, // unrelated child
	)
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	s.Tick(t0)
	f.AddCPU(100, 1*time.Second)
	f.AddCPU(101, 2*time.Second)
	f.AddCPU(102, 3*time.Second)
	f.AddCPU(200, 5*time.Second)
	got := sampleOf(t, s.Tick(t0.Add(10*time.Second)), "contoso")
	if want := []int32{100, 101, 102}; !slices.Equal(got.PIDs, want) {
		t.Errorf("PIDs = %v, want %v", got.PIDs, want)
	}
	if !near(got.CPUPercent, 60) {
		t.Errorf("CPU = %v, want 60 (6 s over 10 s)", got.CPUPercent)
	}
	if got.MemoryBytes != 123 {
		t.Errorf("memory = %d, want 123", got.MemoryBytes)
	}
}

func TestNewDescendantCountsFromItsSecondTick(t *testing.T) {
	f := newFake(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0)})
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	s.Tick(t0)

	f.Start(monitortest.Process{PID: 150, PPID: 100, CreateTime: ms(1000), CPU: 4 * time.Second, Memory: 7})
	got := sampleOf(t, s.Tick(t0.Add(5*time.Second)), "contoso")
	if !slices.Equal(got.PIDs, []int32{100, 150}) || got.MemoryBytes != 7 {
		t.Errorf("new child not in the tree: %+v", got)
	}
	if got.CPUPercent != 0 {
		t.Errorf("CPU = %v, want 0 on the child's first tick", got.CPUPercent)
	}
	f.AddCPU(150, 5*time.Second)
	got = sampleOf(t, s.Tick(t0.Add(10*time.Second)), "contoso")
	if !near(got.CPUPercent, 100) {
		t.Errorf("CPU = %v, want 100 on the child's second tick", got.CPUPercent)
	}
}

func TestPIDReuseOfABoundProcess(t *testing.T) {
	f := newFake(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0), Memory: 5})
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	s.Tick(t0)

	// The host exits and an unrelated busy process gets its pid before the next tick.
	f.Start(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(4000), CPU: time.Hour, Memory: 1 << 30})
	res := s.Tick(t0.Add(5 * time.Second))
	want := []monitor.Exit{{AddinID: "contoso", PID: 100, Time: t0.Add(5 * time.Second), ExitCode: -1}}
	if !slices.Equal(res.Exits, want) {
		t.Errorf("exits = %+v, want %+v", res.Exits, want)
	}
	if len(res.Samples) != 0 {
		t.Errorf("the new process was attributed to the old add-in: %+v", res.Samples)
	}
	if b := s.Bound(); len(b) != 0 {
		t.Errorf("binding kept after exit: %v", b)
	}
	f.AddCPU(100, time.Minute)
	if res := s.Tick(t0.Add(10 * time.Second)); len(res.Samples)+len(res.Exits) != 0 {
		t.Errorf("later tick still reports the old binding: %+v", res)
	}
	if c := f.Counts(); c.OpenHandles != 0 || c.DoubleClose != 0 {
		t.Errorf("handles: open %d, closed twice %d; want 0, 0", c.OpenHandles, c.DoubleClose)
	}
}

func TestPIDReuseOfADescendant(t *testing.T) {
	tests := []struct {
		name      string
		newParent int32
		wantPIDs  []int32
	}{
		{"reused by a new child of the host", 100, []int32{100, 101}},
		{"reused by an unrelated process", 1, []int32{100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(
				monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0)},
				monitortest.Process{PID: 101, PPID: 100, CreateTime: ms(10), CPU: time.Second},
			)
			s := monitor.NewSampler(f, monitor.SamplerOptions{})
			mustBind(t, s, "contoso", 100)
			s.Tick(t0)
			// The new process has used far more CPU than the old one: a delta across
			// the two would be a huge, false figure.
			f.Start(monitortest.Process{PID: 101, PPID: tc.newParent, CreateTime: ms(3000), CPU: time.Hour})
			res := s.Tick(t0.Add(5 * time.Second))
			got := sampleOf(t, res, "contoso")
			if !slices.Equal(got.PIDs, tc.wantPIDs) {
				t.Errorf("PIDs = %v, want %v", got.PIDs, tc.wantPIDs)
			}
			if got.CPUPercent != 0 {
				t.Errorf("CPU = %v, want 0: the new process has no previous reading", got.CPUPercent)
			}
			if len(res.Exits) != 0 {
				t.Errorf("a descendant's exit was reported: %+v", res.Exits)
			}
		})
	}
}

func TestChildOlderThanParentIsNotADescendant(t *testing.T) {
	// Windows leaves a dead parent's pid in its children's entries; a host that
	// reuses that pid must not adopt them.
	f := newFake(
		monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(5000)},
		monitortest.Process{PID: 101, PPID: 100, CreateTime: ms(1000), Memory: 1 << 30},
		monitortest.Process{PID: 102, PPID: 100, CreateTime: ms(5000), Memory: 1},
	)
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	got := sampleOf(t, s.Tick(t0), "contoso")
	if !slices.Equal(got.PIDs, []int32{100, 102}) || got.MemoryBytes != 1 {
		t.Errorf("sample = %+v, want pids [100 102] and 1 byte", got)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name  string
		hook  func(int32) (int, bool)
		want  int
		calls int
	}{
		{"no hook", nil, -1, 0},
		{"known to the hook", func(pid int32) (int, bool) { return 3, pid == 100 }, 3, 1},
		{"unknown to the hook", func(int32) (int, bool) { return 9, false }, -1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			var hook func(int32) (int, bool)
			if tc.hook != nil {
				hook = func(pid int32) (int, bool) { calls++; return tc.hook(pid) }
			}
			f := newFake(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0)})
			s := monitor.NewSampler(f, monitor.SamplerOptions{ExitCodes: hook})
			mustBind(t, s, "contoso", 100)
			s.Tick(t0)
			f.Exit(100)
			res := s.Tick(t0.Add(time.Second))
			if len(res.Exits) != 1 || res.Exits[0].ExitCode != tc.want || res.Exits[0].PID != 100 {
				t.Fatalf("exits = %+v, want one for pid 100 with code %d", res.Exits, tc.want)
			}
			if calls != tc.calls {
				t.Errorf("hook called %d times, want %d", calls, tc.calls)
			}
		})
	}
}

func TestBindErrors(t *testing.T) {
	f := newFake(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0)})
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	tests := []struct {
		name      string
		id        string
		pid       int32
		noProcess bool
	}{
		{"no such process", "contoso", 4242, true},
		{"empty add-in id", "", 100, false},
		{"zero pid", "contoso", 0, false},
		{"negative pid", "contoso", -5, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Bind(tc.id, tc.pid)
			if err == nil {
				t.Fatal("Bind succeeded")
			}
			if errors.Is(err, monitor.ErrNoProcess) != tc.noProcess {
				t.Errorf("errors.Is(%v, ErrNoProcess) = %v, want %v", err, !tc.noProcess, tc.noProcess)
			}
		})
	}
	if b := s.Bound(); len(b) != 0 {
		t.Errorf("failed binds left bindings: %v", b)
	}
}

func TestBindTwiceIsANoOp(t *testing.T) {
	f := newFake(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0)})
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	mustBind(t, s, "contoso", 100)
	if got := s.Bound(); !slices.Equal(got["contoso"], []int32{100}) || len(got) != 1 {
		t.Errorf("Bound = %v, want contoso: [100]", got)
	}
	res := s.Tick(t0)
	if len(res.Samples) != 1 || len(res.Exits) != 0 {
		t.Errorf("tick = %+v, want one sample and no exit", res)
	}
	if c := f.Counts(); c.OpenHandles != 1 || c.UsageReads[100] != 1 {
		t.Errorf("open handles %d, usage reads %d; want 1, 1", c.OpenHandles, c.UsageReads[100])
	}
}

func TestRebindAfterThePidWasReused(t *testing.T) {
	f := newFake(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0)})
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	s.Tick(t0)
	f.Start(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(2000), Memory: 9})
	mustBind(t, s, "contoso", 100) // the host restarted the add-in and got the same pid
	res := s.Tick(t0.Add(5 * time.Second))
	if len(res.Exits) != 1 || res.Exits[0].PID != 100 || !res.Exits[0].Time.Equal(t0.Add(5*time.Second)) {
		t.Errorf("exits = %+v, want the old process's exit at the tick", res.Exits)
	}
	if got := sampleOf(t, res, "contoso"); got.MemoryBytes != 9 {
		t.Errorf("new process not sampled: %+v", got)
	}
	if c := f.Counts(); c.OpenHandles != 1 || c.DoubleClose != 0 {
		t.Errorf("handles: open %d, closed twice %d; want 1, 0", c.OpenHandles, c.DoubleClose)
	}
}

func TestUnbindStopsSamplingWithoutAnExit(t *testing.T) {
	f := newFake(
		monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0)},
		monitortest.Process{PID: 101, PPID: 100, CreateTime: ms(1)},
	)
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	s.Tick(t0)
	s.Unbind("contoso", 100)
	s.Unbind("contoso", 100) // twice is harmless
	s.Unbind("nobody", 7)
	f.ResetCounts()
	res := s.Tick(t0.Add(time.Second))
	if len(res.Samples)+len(res.Exits) != 0 {
		t.Errorf("tick after unbind = %+v, want nothing", res)
	}
	c := f.Counts()
	if c.OpenHandles != 0 || c.DoubleClose != 0 {
		t.Errorf("handles: open %d, closed twice %d; want 0, 0", c.OpenHandles, c.DoubleClose)
	}
	if c.Lists != 0 || c.DeviceReads != 0 || c.Opens != 0 {
		t.Errorf("a tick with nothing bound read the system: %+v", c)
	}
}

func TestSharedProcessIsReadOncePerTick(t *testing.T) {
	f := newFake(
		monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0), Memory: 50},
		monitortest.Process{PID: 101, PPID: 100, CreateTime: ms(1), Memory: 5},
	)
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "alpha", 100)
	mustBind(t, s, "beta", 100)
	mustBind(t, s, "beta", 101) // also a descendant of the other root: counted once
	s.Tick(t0)
	f.ResetCounts()
	f.AddCPU(100, time.Second)
	res := s.Tick(t0.Add(2 * time.Second))
	for _, id := range []string{"alpha", "beta"} {
		got := sampleOf(t, res, id)
		if !slices.Equal(got.PIDs, []int32{100, 101}) || got.MemoryBytes != 55 || !near(got.CPUPercent, 50) {
			t.Errorf("%s: sample = %+v, want pids [100 101], 55 bytes, 50%%", id, got)
		}
	}
	c := f.Counts()
	if c.UsageReads[100] != 1 || c.UsageReads[101] != 1 || c.Lists != 1 || c.DeviceReads != 1 || c.Opens != 0 {
		t.Errorf("reads in one tick = %+v, want each process, the table and device memory once, no new opens", c)
	}
}

func TestHandlesOfExitedDescendantsAreDropped(t *testing.T) {
	f := newFake(
		monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0)},
		monitortest.Process{PID: 101, PPID: 100, CreateTime: ms(1)},
		monitortest.Process{PID: 102, PPID: 101, CreateTime: ms(2)},
	)
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	s.Tick(t0)
	if c := f.Counts(); c.OpenHandles != 3 {
		t.Fatalf("open handles = %d, want 3", c.OpenHandles)
	}
	f.Exit(101)
	// 102 is orphaned: on Linux it is re-parented to init and leaves the tree.
	f.Start(monitortest.Process{PID: 102, PPID: 1, CreateTime: ms(2)})
	got := sampleOf(t, s.Tick(t0.Add(time.Second)), "contoso")
	if !slices.Equal(got.PIDs, []int32{100}) {
		t.Errorf("PIDs = %v, want [100]", got.PIDs)
	}
	if c := f.Counts(); c.OpenHandles != 1 || c.DoubleClose != 0 {
		t.Errorf("handles: open %d, closed twice %d; want 1, 0", c.OpenHandles, c.DoubleClose)
	}
}

func TestUnreadableProcessTable(t *testing.T) {
	f := newFake(
		monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0), Memory: 1},
		monitortest.Process{PID: 101, PPID: 100, CreateTime: ms(1), Memory: 2},
		monitortest.Process{PID: 300, PPID: 1, CreateTime: ms(0)},
	)
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	mustBind(t, s, "fabrikam", 300)
	s.Tick(t0)
	f.FailListing(errors.New("snapshot failed"))
	f.Start(monitortest.Process{PID: 102, PPID: 100, CreateTime: ms(3), Memory: 4}) // cannot be found now
	f.Exit(300)
	res := s.Tick(t0.Add(time.Second))
	if got := sampleOf(t, res, "contoso"); !slices.Equal(got.PIDs, []int32{100, 101}) || got.MemoryBytes != 3 {
		t.Errorf("sample = %+v, want last tick's tree [100 101] with 3 bytes", got)
	}
	if len(res.Exits) != 1 || res.Exits[0].AddinID != "fabrikam" {
		t.Errorf("exits = %+v, want fabrikam's exit found without the table", res.Exits)
	}
	f.FailListing(nil)
	if got := sampleOf(t, s.Tick(t0.Add(2*time.Second)), "contoso"); !slices.Equal(got.PIDs, []int32{100, 101, 102}) {
		t.Errorf("PIDs = %v once the table is back, want [100 101 102]", got.PIDs)
	}
}

func TestUnreadableUsageIsNotAnExit(t *testing.T) {
	f := newFake(
		monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0), Memory: 1},
		monitortest.Process{PID: 101, PPID: 100, CreateTime: ms(1), Memory: 99, UsageErr: errors.New("access denied")},
	)
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	res := s.Tick(t0)
	got := sampleOf(t, res, "contoso")
	if !slices.Equal(got.PIDs, []int32{100, 101}) || got.MemoryBytes != 1 || len(res.Exits) != 0 {
		t.Errorf("tick = %+v, want both pids, 1 byte, no exit", res)
	}
}

func TestSampleCarriesDeviceMemory(t *testing.T) {
	f := newFake(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0)})
	f.SetDeviceMemory(monitor.DeviceMemory{TotalBytes: 8 << 30, UsedPercent: 87.5})
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	got := sampleOf(t, s.Tick(t0), "contoso")
	if got.TotalMemoryBytes != 8<<30 || got.DeviceMemoryPercent != 87.5 {
		t.Errorf("device memory = %d bytes, %v%%; want %d, 87.5", got.TotalMemoryBytes, got.DeviceMemoryPercent, 8<<30)
	}
}

func TestSamplesAndExitsAreOrdered(t *testing.T) {
	f := newFake()
	for i := range 3 {
		pid := int32(100 + i)
		f.Start(monitortest.Process{PID: pid, PPID: 1, CreateTime: ms(0)})
	}
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "zeta", 100)
	mustBind(t, s, "alpha", 101)
	mustBind(t, s, "mid", 102)
	var ids []string
	for _, smp := range s.Tick(t0).Samples {
		ids = append(ids, smp.AddinID)
	}
	if !slices.Equal(ids, []string{"alpha", "mid", "zeta"}) {
		t.Errorf("sample order = %v", ids)
	}
	f.Exit(100)
	f.Exit(101)
	res := s.Tick(t0.Add(time.Second))
	if len(res.Exits) != 2 || res.Exits[0].AddinID != "alpha" || res.Exits[1].AddinID != "zeta" {
		t.Errorf("exit order = %+v", res.Exits)
	}
}

func TestSamplerIsSafeForConcurrentUse(t *testing.T) {
	f := newFake()
	for pid := int32(100); pid < 120; pid++ {
		f.Start(monitortest.Process{PID: pid, PPID: 1, CreateTime: ms(0)})
	}
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				pid := int32(100 + (g*5+i)%20)
				_ = s.Bind("contoso", pid)
				s.Tick(t0.Add(time.Duration(g*50+i) * time.Millisecond))
				_ = s.Bound()
				if i%7 == 0 {
					s.Unbind("contoso", pid)
				}
			}
		}()
	}
	wg.Wait()
	if c := f.Counts(); c.DoubleClose != 0 {
		t.Errorf("%d handles closed twice", c.DoubleClose)
	}
}

// Live lists only processes running now: not one that exited since the last tick, nor
// an unrelated process that reused its pid.
func TestLiveListsOnlyRunningProcesses(t *testing.T) {
	f := newFake(
		monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(0)},
		monitortest.Process{PID: 101, PPID: 100, CreateTime: ms(10)},
	)
	s := monitor.NewSampler(f, monitor.SamplerOptions{})
	mustBind(t, s, "contoso", 100)
	s.Tick(t0)
	if got := s.Live("contoso"); !slices.Equal(got, []int32{100, 101}) {
		t.Fatalf("Live = %v, want the host and its child", got)
	}
	f.Exit(101)
	if got := s.Live("contoso"); !slices.Equal(got, []int32{100}) {
		t.Fatalf("after the child exited, Live = %v, want [100]", got)
	}
	f.Start(monitortest.Process{PID: 100, PPID: 1, CreateTime: ms(4000)}) // the host exits; its pid is reused
	if got := s.Live("contoso"); len(got) != 0 {
		t.Fatalf("after the host's pid was reused, Live = %v, want none", got)
	}
	if got := s.Live("unknown"); got != nil {
		t.Fatalf("Live of an unbound add-in = %v, want nil", got)
	}
}
