//go:build linux

package monitor_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"addingov/governance"
	"addingov/monitor"
)

// cpuOver ticks pairs 300 ms apart until the add-in's CPU reaches want, at most five
// times (the machine is shared, a single window can be starved), and returns the last
// sample and the highest CPU seen.
func cpuOver(t *testing.T, s *monitor.Sampler, id string, want float64) (governance.Sample, float64) {
	t.Helper()
	var last governance.Sample
	best := 0.0
	for range 5 {
		s.Tick(time.Now())
		time.Sleep(300 * time.Millisecond)
		last = sampleOf(t, s.Tick(time.Now()), id)
		best = max(best, last.CPUPercent)
		if best >= want {
			break
		}
	}
	return last, best
}

func TestSystemSamplerCPUBurner(t *testing.T) {
	burner := startHelper(t, "burn", 0)
	s := monitor.NewSystemSampler(monitor.SamplerOptions{})
	mustBind(t, s, "burner", burner.pid())
	got, best := cpuOver(t, s, "burner", 50)
	if best < 50 {
		t.Errorf("CPU = %.1f%% at best, want >= 50%% for a process spinning a core", best)
	}
	if best > 150 {
		t.Errorf("CPU = %.1f%%, want about 100%% for one spinning thread", best)
	}
	if !slices.Equal(got.PIDs, []int32{burner.pid()}) {
		t.Errorf("PIDs = %v, want [%d]", got.PIDs, burner.pid())
	}
	if got.TotalMemoryBytes == 0 || got.DeviceMemoryPercent <= 0 || got.DeviceMemoryPercent > 100 {
		t.Errorf("device memory = %d bytes, %.1f%%", got.TotalMemoryBytes, got.DeviceMemoryPercent)
	}
}

func TestSystemSamplerIdleProcess(t *testing.T) {
	sleeper := startHelper(t, "sleep", 0)
	s := monitor.NewSystemSampler(monitor.SamplerOptions{})
	mustBind(t, s, "idle", sleeper.pid())
	s.Tick(time.Now())
	time.Sleep(300 * time.Millisecond)
	if got := sampleOf(t, s.Tick(time.Now()), "idle"); got.CPUPercent >= 50 {
		t.Errorf("CPU = %.1f%% for an idle process", got.CPUPercent)
	}
}

func TestSystemSamplerMemory(t *testing.T) {
	alloc := startHelper(t, "alloc", 0)
	s := monitor.NewSystemSampler(monitor.SamplerOptions{})
	mustBind(t, s, "hungry", alloc.pid())
	got := sampleOf(t, s.Tick(time.Now()), "hungry")
	if got.MemoryBytes < 90<<20 {
		t.Errorf("memory = %d MB (%s), want >= 90 MB after touching 100 MB", got.MemoryBytes>>20, monitor.MemoryKind)
	}
	if got.MemoryBytes > got.TotalMemoryBytes {
		t.Errorf("memory %d exceeds the device's %d", got.MemoryBytes, got.TotalMemoryBytes)
	}
}

func TestSystemSamplerSumsTheTree(t *testing.T) {
	tree := startHelper(t, "tree", 0)
	grandchild, err := strconv.Atoi(tree.line)
	if err != nil {
		t.Fatalf("tree helper printed %q, want the grandchild's pid", tree.line)
	}
	t.Cleanup(func() {
		if p, err := os.FindProcess(grandchild); err == nil {
			_ = p.Kill()
		}
	})
	s := monitor.NewSystemSampler(monitor.SamplerOptions{})
	mustBind(t, s, "tree", tree.pid())
	got, best := cpuOver(t, s, "tree", 50)
	if want := []int32{tree.pid(), int32(grandchild)}; !slices.Equal(got.PIDs, want) {
		t.Errorf("PIDs = %v, want %v", got.PIDs, want)
	}
	if best < 50 {
		t.Errorf("tree CPU = %.1f%% at best, want >= 50%%: the grandchild's burn is not summed", best)
	}
}

func TestSystemSamplerExit(t *testing.T) {
	tests := []struct {
		name     string
		exitCode int
		hook     bool
		reapLate bool // tick while the child is a zombie, before it is reaped
		want     int
	}{
		{"exit code known to the daemon", 7, true, false, 7},
		{"exit code unknown", 7, false, false, -1},
		{"zombie is an exit", 0, false, true, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := startHelper(t, "sleep", tc.exitCode)
			var mu sync.Mutex
			codes := map[int32]int{}
			opts := monitor.SamplerOptions{}
			if tc.hook {
				opts.ExitCodes = func(pid int32) (int, bool) {
					mu.Lock()
					defer mu.Unlock()
					c, ok := codes[pid]
					return c, ok
				}
			}
			s := monitor.NewSystemSampler(opts)
			mustBind(t, s, "short-lived", h.pid())
			if res := s.Tick(time.Now()); len(res.Exits) != 0 || len(res.Samples) != 1 {
				t.Fatalf("first tick = %+v, want one sample and no exit", res)
			}
			if tc.reapLate {
				h.stdin.Close()
				waitGoneFromTable(t, h.pid())
			} else {
				h.stop(t)
				mu.Lock()
				codes[h.pid()] = h.cmd.ProcessState.ExitCode()
				mu.Unlock()
			}
			res := s.Tick(time.Now())
			if len(res.Exits) != 1 || res.Exits[0].PID != h.pid() || res.Exits[0].AddinID != "short-lived" || res.Exits[0].ExitCode != tc.want {
				t.Fatalf("exits = %+v, want pid %d with code %d", res.Exits, h.pid(), tc.want)
			}
			if len(res.Samples) != 0 || len(s.Bound()) != 0 {
				t.Errorf("after the exit: samples %+v, bound %v; want none", res.Samples, s.Bound())
			}
			if tc.reapLate {
				h.stop(t)
			}
		})
	}
}

// waitGoneFromTable waits until pid has left the process table (a zombie has).
func waitGoneFromTable(t *testing.T, pid int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		entries, err := monitor.SystemSource{}.Processes()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(entries, func(e monitor.ProcessEntry) bool { return e.PID == pid }) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d still in the table after it exited", pid)
}

func TestSystemBindMissingProcess(t *testing.T) {
	h := startHelper(t, "sleep", 0)
	h.stop(t) // exited and reaped: the pid names nothing now
	err := monitor.NewSystemSampler(monitor.SamplerOptions{}).Bind("gone", h.pid())
	if !errors.Is(err, monitor.ErrNoProcess) {
		t.Errorf("Bind of an exited pid = %v, want ErrNoProcess", err)
	}
}

func TestSystemProcessTable(t *testing.T) {
	h := startHelper(t, "sleep", 0)
	entries, err := monitor.SystemSource{}.Processes()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(entries, func(e monitor.ProcessEntry) bool { return e.PID == h.pid() })
	if i < 0 {
		t.Fatalf("child %d not in the process table", h.pid())
	}
	exe, _ := os.Executable()
	want := filepath.Base(exe)
	if len(want) > 15 {
		want = want[:15]
	}
	if e := entries[i]; e.PPID != int32(os.Getpid()) || e.Name != want {
		t.Errorf("entry = %+v, want parent %d and name %q", e, os.Getpid(), want)
	}
}

func TestDiscoverRunning(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	host := startHelper(t, "sleep", 0, "--addin=contoso-crm", "--addin=fabrikam-notes")
	other := startHelper(t, "sleep", 0, "--help")
	cfg, err := monitor.ParseConfig([]byte(`{"discovery": [
		{"executable": "`+filepath.Base(exe)+`", "cmdline": "--addin=(?P<id>[a-z0-9-]+)"},
		{"executable": "outlook-addin-host.exe", "cmdline": "--addin=(?P<id>[a-z0-9-]+)"}
	]}`), "test.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.DiscoverRunning()
	if err != nil {
		t.Fatalf("DiscoverRunning: %v", err)
	}
	want := []monitor.Binding{{AddinID: "contoso-crm", PID: host.pid()}, {AddinID: "fabrikam-notes", PID: host.pid()}}
	if !slices.Equal(got, want) {
		t.Errorf("DiscoverRunning = %+v, want %+v", got, want)
	}
	for _, b := range got {
		if b.PID == other.pid() || b.PID == int32(os.Getpid()) {
			t.Errorf("bound a process without an add-in argument: %+v", b)
		}
	}

	// The path rule: this binary's real path matches, a different path does not.
	for _, tc := range []struct {
		path string
		want int
	}{{exe, 2}, {filepath.Join(filepath.Dir(exe), "other", filepath.Base(exe)), 0}} {
		rule, err := monitor.NewDiscoveryRule(filepath.Base(exe), tc.path, "--addin=(?P<id>[a-z0-9-]+)")
		if err != nil {
			t.Fatal(err)
		}
		got, err := monitor.Config{Discovery: []monitor.DiscoveryRule{rule}}.DiscoverRunning()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("path %s: %d bindings %+v, want %d", tc.path, len(got), got, tc.want)
		}
	}
}
