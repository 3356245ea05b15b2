package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"addingov/localapi"
)

// costAddins is how many add-ins the daemon samples while its own cost is measured.
const costAddins = 100

// userHZ is the unit of /proc/PID/stat's CPU times on Linux.
const userHZ = 100

// daemonCostRows runs addingovd as its own process with 100 add-ins (each a tree of two
// processes, bound by a host's activation report) sampled every 5 s, and reads its CPU
// time and resident set from /proc.
func daemonCostRows(ctx context.Context, e *env) ([]Row, error) {
	dir := filepath.Join(e.dir, "cost")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	bin, args, how, err := daemonBinary(ctx, e, dir)
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "api.sock")
	args = append(args, "--state-dir", filepath.Join(dir, "state"), "--socket", sock, "--interval", "5s", "--log-level", "info")
	var logBuf bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	cmd.Env = append(os.Environ(), "ADDINGOV_SOCKET=")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	c := localapi.NewClient(localapi.NewTransport(localapi.ListenOptions{}), sock)
	if err := waitServing(ctx, c, exited); err != nil {
		return nil, fmt.Errorf("%s: %w; its log: %s", how, err, tail(logBuf.String()))
	}
	e.p.say("cost: binding %d add-ins (%d processes) through the API", costAddins, 2*costAddins)
	t, err := startTrees(costAddins)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	for i := range costAddins {
		id := fmt.Sprintf("bench-cost-%03d", i)
		r, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: id, PID: t.root(i)})
		if err != nil {
			return nil, err
		}
		if !r.MayActivate {
			return nil, fmt.Errorf("%s may not activate: %s", id, r.Reason)
		}
		if _, err := c.ActivationEvent(ctx, r.ActivationID, "ready", ""); err != nil {
			return nil, err
		}
	}
	pid := cmd.Process.Pid
	// One tick first, so the window starts with every add-in sampled at least once.
	if err := sleepCtx(ctx, 6*time.Second); err != nil {
		return nil, err
	}
	e.p.say("cost: watching the daemon (pid %d) for %s", pid, e.s.cpuWindow)
	cpu0, err := cpuTicks(pid)
	if err != nil {
		return nil, err
	}
	ns0, err := cpuNanos(pid)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	var rss []float64
	for time.Since(t0) < e.s.cpuWindow {
		if err := sleepCtx(ctx, time.Second); err != nil {
			return nil, err
		}
		kb, err := rssKB(pid)
		if err != nil {
			return nil, err
		}
		rss = append(rss, float64(kb)/1024)
	}
	cpu1, err := cpuTicks(pid)
	if err != nil {
		return nil, err
	}
	ns1, err := cpuNanos(pid)
	if err != nil {
		return nil, err
	}
	window := time.Since(t0)
	cpuPct := float64(ns1-ns0) / float64(window) * 100
	tickPct := float64(cpu1-cpu0) / userHZ / window.Seconds() * 100
	a, err := c.Addins(ctx)
	if err != nil {
		return nil, err
	}
	sampled := 0
	for _, x := range a {
		if len(x.PIDs) == 2 {
			sampled++
		}
	}
	if sampled != costAddins {
		return nil, fmt.Errorf("the daemon samples %d of the %d add-ins with both their processes", sampled, costAddins)
	}
	maxRSS := 0.0
	for _, v := range rss {
		maxRSS = max(maxRSS, v)
	}
	cond := fmt.Sprintf("%s; %d add-ins, each a tree of 2 processes, sampled every 5 s", how, costAddins)
	return []Row{
		newRow("daemon CPU, 100 add-ins sampled every 5 s", atMost("<= 0.5 % (keep ~0.31 %)", 0.5), cpuPct, "%", 0, "",
			fmt.Sprintf("%% of one core: time on CPU of the daemon's threads (/proc/PID/task/*/schedstat) over one %s window; utime+stime from /proc/PID/stat say %.2f %% (%d ticks of 10 ms); %s",
				window.Round(time.Second), tickPct, cpu1-cpu0, cond)),
		newRow("daemon RSS, 100 add-ins", atMost("<= 30 MB (keep ~16 MB)", 30), maxRSS, "MB", 0, "",
			fmt.Sprintf("largest VmRSS of %d readings, one a second (MiB); median %.1f; %s", len(rss), median(rss), cond)),
	}, nil
}

// daemonBinary is the daemon the cost figures run: --addingovd's, else addingovd built
// now (full mode), else this binary's daemon mode (--short, or when go build fails).
func daemonBinary(ctx context.Context, e *env, dir string) (bin string, args []string, how string, err error) {
	if e.o.addingovd != "" {
		return e.o.addingovd, []string{"run"}, "addingovd from --addingovd", nil
	}
	if !e.o.short {
		out := filepath.Join(dir, "addingovd")
		e.p.say("cost: building addingovd (go build ./cmd/addingovd)")
		b, err := exec.CommandContext(ctx, "go", "build", "-o", out, "addingov/cmd/addingovd").CombinedOutput()
		if err == nil {
			return out, []string{"run"}, "addingovd built with go build", nil
		}
		e.p.say("cost: go build failed (%v: %s); using this binary's daemon mode", err, strings.TrimSpace(string(b)))
	}
	return e.self, []string{"daemon"}, "this binary's daemon mode (daemon.RunMain, as addingovd run)", nil
}

func waitServing(ctx context.Context, c *localapi.Client, exited <-chan error) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("the daemon exited before serving: %v", err)
		default:
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.Status(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return errors.New("the daemon did not serve its socket within a minute")
}

// cpuTicks is the process's user plus system time, in clock ticks.
func cpuTicks(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// Fields after the command (which may hold spaces) start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return u + s, nil
}

// cpuNanos is the time the process's threads have run, in nanoseconds: the first field
// of each thread's schedstat (precise, where stat counts 10 ms ticks).
func cpuNanos(pid int) (uint64, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unreadable %s/%s/schedstat: %w", dir, t.Name(), err)
		}
		total += n
	}
	return total, nil
}

// rssKB is the process's VmRSS in KiB.
func rssKB(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
