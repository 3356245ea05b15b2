package monitor

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"
)

// statLine is a real /proc/<pid>/stat line (a shell), with a command name that holds
// spaces and parentheses spliced in by the tests.
const statLine = "4242 (%s) S 1 4242 4242 34816 4242 4194560 1296 0 0 0 250 75 0 0 20 0 3 0 123456 8785920 1024 18446744073709551615 1 1 0 0 0 0 65536 3686404 1266761467 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

func TestParseStatCounters(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    procStat
		wantErr bool
	}{
		{"plain", strings.Replace(statLine, "%s", "bash", 1), procStat{state: 'S', utime: 250, stime: 75, threads: 3, start: 123456, rssPages: 1024}, false},
		{"hostile name", strings.Replace(statLine, "%s", ") R 9 9 9 (x", 1), procStat{state: 'S', utime: 250, stime: 75, threads: 3, start: 123456, rssPages: 1024}, false},
		{"zombie", "9 (z) Z 1 9 9 0 -1 4227084 72 169 0 0 4 2 0 0 20 0 1 0 77 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0", procStat{state: 'Z', utime: 4, stime: 2, threads: 1, start: 77}, false},
		{"negative rss while exiting", "9 (z) R 1 9 9 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 77 0 -3 5", procStat{state: 'R', utime: 1, stime: 1, threads: 1, start: 77}, false},
		{"too short", "9 (z) S 1 9 9 0", procStat{}, true},
		{"no name", "9 z S 1", procStat{}, true},
		{"bad state", strings.Replace(statLine, ") S", ") 7", 1), procStat{}, true},
		{"bad number", strings.Replace(statLine, " 250 ", " 2x0 ", 1), procStat{}, true},
		{"overflow", strings.Replace(statLine, " 250 ", " 99999999999999999999 ", 1), procStat{}, true},
		{"empty", "", procStat{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCounters([]byte(tc.line))
			if (err != nil) != tc.wantErr {
				t.Fatalf("error = %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("parse = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParsePIDList(t *testing.T) {
	tests := []struct {
		in      string
		want    []int32
		wantErr bool
	}{
		{"", nil, false},
		{"\n", nil, false},
		{"812 ", []int32{812}, false},
		{"812 813 9000 \n", []int32{812, 813, 9000}, false},
		{"812 x ", nil, true},
		{"0 ", nil, true},
		{"4294967296 ", nil, true},
	}
	for _, tc := range tests {
		got, err := parsePIDList([]byte(tc.in), nil)
		if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
			t.Errorf("parsePIDList(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestParseMeminfo(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    DeviceMemory
		wantErr bool
	}{
		{"available", "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    250 kB\nBuffers: 1 kB\n", DeviceMemory{TotalBytes: 1000 << 10, UsedPercent: 75}, false},
		{"old kernel", "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 350 kB\n", DeviceMemory{TotalBytes: 1000 << 10, UsedPercent: 50}, false},
		{"no total", "MemFree: 100 kB\n", DeviceMemory{}, true},
		{"bad value", "MemTotal: lots kB\n", DeviceMemory{}, true},
		{"ignores other lines", "junk\nHugePages_Total: x\nMemTotal: 10 kB\nMemAvailable: 10 kB", DeviceMemory{TotalBytes: 10 << 10}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMeminfo([]byte(tc.in))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseMeminfo = %+v, %v; want %+v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestProcHandleAgreesWithGopsutil reads this process both ways: creation time, CPU time
// and resident memory must agree with gopsutil's (CPU and memory move between the two
// reads, so within bounds).
func TestProcHandleAgreesWithGopsutil(t *testing.T) {
	h, err := openProcess(int32(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	p, err := process.NewProcess(int32(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	ct, err := p.CreateTime()
	if err != nil {
		t.Fatal(err)
	}
	if d := h.CreateTime() - ct; d < -10 || d > 10 {
		t.Errorf("creation time %d, gopsutil %d", h.CreateTime(), ct)
	}
	for i := 0; i < 20_000_000; i++ { // some CPU time to compare
		_ = i * i
	}
	u, err := h.Usage()
	if err != nil {
		t.Fatal(err)
	}
	times, err := p.Times()
	if err != nil {
		t.Fatal(err)
	}
	mi, err := p.MemoryInfo()
	if err != nil {
		t.Fatal(err)
	}
	gcpu := time.Duration((times.User + times.System) * float64(time.Second))
	if d := gcpu - u.CPUTime; d < 0 || d > 200*time.Millisecond {
		t.Errorf("CPU time %v, gopsutil %v a moment later", u.CPUTime, gcpu)
	}
	if u.MemoryBytes == 0 || u.MemoryBytes > 2*mi.RSS || mi.RSS > 2*u.MemoryBytes {
		t.Errorf("resident %d, gopsutil %d", u.MemoryBytes, mi.RSS)
	}
	dm, err := deviceMemory()
	if err != nil {
		t.Fatal(err)
	}
	vm, err := mem.VirtualMemory()
	if err != nil {
		t.Fatal(err)
	}
	if dm.TotalBytes != vm.Total || dm.UsedPercent < vm.UsedPercent-5 || dm.UsedPercent > vm.UsedPercent+5 {
		t.Errorf("device memory %+v, gopsutil total %d used %.1f%%", dm, vm.Total, vm.UsedPercent)
	}
}

// TestProcHandleAfterExit: a kept handle of a process that exited reads as gone, as a
// zombie and once reaped, and its children list is then no list.
func TestProcHandleAfterExit(t *testing.T) {
	if !procChildrenSupported() {
		t.Log("this kernel has no /proc children files: Children is ErrNoChildList")
	}
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	self, err := openProcess(int32(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	if _, err := self.Usage(); err != nil {
		t.Fatal(err)
	}
	kids, err := self.Children()
	if procChildrenSupported() && (err != nil || !slices.Contains(kids, int32(cmd.Process.Pid))) {
		t.Errorf("Children = %v, %v; want the child %d among them", kids, err, cmd.Process.Pid)
	}
	if !procChildrenSupported() && !errors.Is(err, ErrNoChildList) {
		t.Errorf("Children without kernel support = %v, want ErrNoChildList", err)
	}
	h, err := openProcess(int32(cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.Usage(); err != nil {
		t.Fatalf("Usage of a live process: %v", err)
	}
	_ = cmd.Process.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := h.Usage()
		if errors.Is(err, ErrNoProcess) {
			break // a zombie now
		}
		if time.Now().After(deadline) {
			t.Fatalf("Usage of a killed process = %v, want ErrNoProcess", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = cmd.Wait()
	if _, err := h.Usage(); !errors.Is(err, ErrNoProcess) {
		t.Errorf("Usage of a reaped process = %v, want ErrNoProcess", err)
	}
	if _, err := openProcess(int32(cmd.Process.Pid)); !errors.Is(err, ErrNoProcess) {
		t.Errorf("open of a reaped pid = %v, want ErrNoProcess", err)
	}
}

// FuzzParseStatCounters: the command name in the middle of the stat line is the
// process's own choice.
func FuzzParseStatCounters(f *testing.F) {
	f.Add([]byte(strings.Replace(statLine, "%s", "bash", 1)))
	f.Add([]byte(strings.Replace(statLine, "%s", ") R 1 2 3 (", 1)))
	f.Add([]byte("9 (z) R 1 9 9 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 77 0 -3 5"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStatCounters(b)
		if err == nil && !isASCIILetter(st.state) {
			t.Fatalf("accepted %q with state %q", b, st.state)
		}
	})
}

// FuzzParsePIDList: children files hold pids only; nothing else may be accepted.
func FuzzParsePIDList(f *testing.F) {
	f.Add([]byte("812 813 9000 \n"))
	f.Add([]byte("-1 "))
	f.Fuzz(func(t *testing.T, b []byte) {
		pids, err := parsePIDList(b, nil)
		if err != nil {
			return
		}
		for _, p := range pids {
			if p <= 0 {
				t.Fatalf("accepted pid %d from %q", p, b)
			}
		}
	})
}

func FuzzParseMeminfo(f *testing.F) {
	f.Add([]byte("MemTotal: 1000 kB\nMemAvailable: 250 kB\n"))
	f.Add([]byte("MemTotal: 1000 kB\nMemAvailable: 2500 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseMeminfo(b)
		if err == nil && (d.TotalBytes == 0 || d.UsedPercent < 0 || d.UsedPercent > 100) {
			t.Fatalf("parseMeminfo(%q) = %+v", b, d)
		}
	})
}
