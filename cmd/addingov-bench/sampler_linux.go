package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/shirou/gopsutil/v4/process"

	"addingov/monitor"
)

// samplerSizes are the numbers of governed processes the sampler figures are taken at.
var samplerSizes = []int{10, 100, 500}

func samplerRows(ctx context.Context, e *env) ([]Row, error) {
	var rows []Row
	for _, n := range samplerSizes {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		r, err := samplerAt(ctx, e, n)
		rows = append(rows, r...)
		if err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// samplerAt measures one tick of the system sampler over n governed processes (n/2
// trees of two), beside reading those processes' stat and statm files directly and
// beside a naive scan of every process on the machine through gopsutil.
func samplerAt(ctx context.Context, e *env, n int) ([]Row, error) {
	e.p.say("sampler: starting %d governed processes (%d trees)", n, n/2)
	t, err := startTrees(n / 2)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	s := monitor.NewSystemSampler(monitor.SamplerOptions{})
	for i := range t.roots {
		if err := s.Bind(fmt.Sprintf("addin-%03d", i), t.root(i)); err != nil {
			return nil, err
		}
	}
	if res := s.Tick(time.Now()); len(res.Samples) != len(t.roots) {
		return nil, fmt.Errorf("the sampler sampled %d of %d add-ins", len(res.Samples), len(t.roots))
	}
	roots := make([]int32, len(t.roots))
	for i := range roots {
		roots[i] = t.root(i)
	}
	var samplerR, rawR, naiveR []float64 // per round: median per governed process, µs
	var machineProcs int
	for r := range e.s.rounds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e.p.say("sampler: %d processes: round %d/%d", n, r+1, e.s.rounds)
		var sd, rd, nd []float64
		for range e.s.samplerTicks {
			t0 := time.Now()
			res := s.Tick(time.Now())
			sd = append(sd, us(time.Since(t0))/float64(n))
			members := 0
			for _, smp := range res.Samples {
				members += len(smp.PIDs)
			}
			if members != n {
				return nil, fmt.Errorf("the sampler found %d of %d governed processes", members, n)
			}

			t0 = time.Now()
			if err := readProcDirect(t.pids); err != nil {
				return nil, err
			}
			rd = append(rd, us(time.Since(t0))/float64(n))
		}
		for range e.s.naiveScans {
			t0 := time.Now()
			found, all, err := naiveScan(roots)
			if err != nil {
				return nil, err
			}
			nd = append(nd, us(time.Since(t0))/float64(n))
			if found != n {
				return nil, fmt.Errorf("the naive scan found %d of %d governed processes", found, n)
			}
			machineProcs = all
		}
		samplerR, rawR, naiveR = append(samplerR, median(sd)), append(rawR, median(rd)), append(naiveR, median(nd))
	}
	sampler, raw, naive := median(samplerR), median(rawR), median(naiveR)
	cond := fmt.Sprintf("%d trees of 2 (sh + sleep); %d round(s) of %d ticks", n/2, e.s.rounds, e.s.samplerTicks)
	return []Row{
		pairedRow(fmt.Sprintf("sampler per governed process per tick, %d processes", n), ratioAtMost("<= 2x floor", 2),
			sampler, "µs", raw, "raw /proc stat+statm", fmt.Sprintf("monitor.NewSystemSampler Tick / %d; %s; tick %.2f ms", n, cond, sampler*float64(n)/1000),
			samplerR, rawR),
		pairedRow(fmt.Sprintf("naive full scan per governed process, %d processes", n), ratioAtLeast(">= 3x sampler", 3),
			naive, "µs", sampler, "sampler", fmt.Sprintf("gopsutil process.Processes, then Times+MemoryInfo+Ppid of each of the machine's %d processes, trees by ppid; %d scans per round; scan %.1f ms",
				machineProcs, e.s.naiveScans, naive*float64(n)/1000),
			naiveR, samplerR),
	}, nil
}

// readProcDirect is the floor: each process's stat and statm read whole, nothing parsed.
func readProcDirect(pids []int32) error {
	for _, pid := range pids {
		p := "/proc/" + strconv.Itoa(int(pid))
		if _, err := os.ReadFile(p + "/stat"); err != nil {
			return err
		}
		if _, err := os.ReadFile(p + "/statm"); err != nil {
			return err
		}
	}
	return nil
}

// naiveScan is what a sampler without per-process handles would do each tick: read
// every process on the machine, then assemble each root's tree by parent pid. It
// returns how many processes the trees hold and how many the machine has.
func naiveScan(roots []int32) (found, all int, err error) {
	procs, err := process.Processes()
	if err != nil {
		return 0, 0, err
	}
	type usage struct {
		cpu float64
		rss uint64
	}
	kids := map[int32][]int32{}
	use := make(map[int32]usage, len(procs))
	for _, p := range procs {
		times, err := p.Times()
		if err != nil {
			continue // gone since the listing
		}
		mem, err := p.MemoryInfo()
		if err != nil {
			continue
		}
		ppid, err := p.Ppid()
		if err != nil {
			continue
		}
		use[p.Pid] = usage{times.User + times.System, mem.RSS}
		kids[ppid] = append(kids[ppid], p.Pid)
	}
	for _, r := range roots {
		queue := []int32{r}
		var total usage
		for len(queue) > 0 {
			pid := queue[0]
			queue = queue[1:]
			u, ok := use[pid]
			if !ok {
				continue
			}
			found++
			total.cpu += u.cpu
			total.rss += u.rss
			queue = append(queue, kids[pid]...)
		}
		_ = total
	}
	return found, len(procs), nil
}
