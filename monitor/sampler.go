package monitor

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"addingov/governance"
)

// SamplerOptions configures a Sampler. The zero value is valid.
type SamplerOptions struct {
	// Logger receives warnings about reads that failed. The zero value logs nothing.
	Logger zerolog.Logger
	// ExitCodes, when set, is asked for the exit code of a bound process that exited.
	// The daemon sets it for hosts it launched itself and waits on; it returns false
	// for any other pid (the sampler then reports -1).
	ExitCodes func(pid int32) (code int, ok bool)
}

// Exit is a bound process that is gone: it exited, or its pid now names another process.
type Exit struct {
	AddinID string
	PID     int32
	Time    time.Time
	// ExitCode is the process's exit code, or -1 when it is not known.
	ExitCode int
}

// TickResult is what one sampling tick observed.
type TickResult struct {
	Samples []governance.Sample // one per add-in with a live bound process, ordered by add-in id
	Exits   []Exit              // bound processes that are gone, ordered by add-in id then pid
}

// Sampler samples the process trees bound to add-ins. It is safe for concurrent use.
type Sampler struct {
	src  ProcessSource
	opts SamplerOptions

	mu     sync.Mutex
	addins map[string]*boundAddin
	procs  map[int32]*trackedProcess // one handle per pid, shared by every add-in whose tree holds it
	tick   uint64
	// pending are bound processes found gone outside a tick (a pid re-bound after its
	// process was replaced); the next tick reports their exits.
	pending []pendingExit
}

type pendingExit struct {
	addinID string
	pid     int32
}

type boundAddin struct {
	roots   []root
	members []int32 // the tree as of the last tick, used when the process table cannot be read
}

type root struct {
	pid        int32
	createTime int64
}

type trackedProcess struct {
	h ProcessHandle

	// the previous reading, from which the next tick's CPU figure is the delta
	lastCPU time.Duration
	lastAt  time.Time
	hasLast bool

	// this tick's result, so a process shared by several trees is read once
	tick       uint64
	alive      bool
	cpuPercent float64
	memory     uint64
}

// NewSampler returns a Sampler reading processes from src.
func NewSampler(src ProcessSource, opts SamplerOptions) *Sampler {
	return &Sampler{
		src:    src,
		opts:   opts,
		addins: make(map[string]*boundAddin),
		procs:  make(map[int32]*trackedProcess),
	}
}

// NewSystemSampler returns a Sampler of this machine's processes.
func NewSystemSampler(opts SamplerOptions) *Sampler {
	return NewSampler(SystemSource{}, opts)
}

// Bind attributes the process pid and its descendants to addinID. It reads the
// process's creation time now, so a later process that reuses the pid is never
// attributed to the add-in. Binding a pid that is already bound to the add-in is a
// no-op; binding it after its process was replaced reports the old process's exit at
// the next tick. The same pid may be bound to several add-ins (a shared runtime): each
// add-in's sample then counts it.
func (s *Sampler) Bind(addinID string, pid int32) error {
	if addinID == "" {
		return errors.New("bind process: the add-in id is empty")
	}
	if pid <= 0 {
		return fmt.Errorf("bind add-in %q: pid %d is not a process id", addinID, pid)
	}
	h, err := s.src.Open(pid) // outside the lock: it is a system call
	if err != nil {
		return fmt.Errorf("bind add-in %q to pid %d: %w", addinID, pid, err)
	}
	r := root{pid: pid, createTime: h.CreateTime()}

	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.addins[addinID]
	if a == nil {
		a = &boundAddin{}
		s.addins[addinID] = a
	}
	if i := slices.IndexFunc(a.roots, func(x root) bool { return x.pid == pid }); i >= 0 {
		if a.roots[i].createTime == r.createTime {
			closeHandle(h)
			return nil
		}
		s.pending = append(s.pending, pendingExit{addinID: addinID, pid: pid})
		a.roots[i] = r
	} else {
		a.roots = append(a.roots, r)
	}
	if t, ok := s.procs[pid]; ok && t.h.CreateTime() == r.createTime {
		closeHandle(h) // already tracked (another add-in's tree): one handle per pid
	} else {
		if ok {
			closeHandle(t.h) // the handle of the process the pid used to name
		}
		s.procs[pid] = &trackedProcess{h: h}
	}
	return nil
}

// Unbind stops attributing pid to addinID. It reports no exit.
func (s *Sampler) Unbind(addinID string, pid int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.addins[addinID]
	if a == nil {
		return
	}
	a.roots = slices.DeleteFunc(a.roots, func(r root) bool { return r.pid == pid })
	if len(a.roots) == 0 {
		delete(s.addins, addinID)
	}
}

// Bound returns each add-in's bound pids (not their descendants), in ascending order.
func (s *Sampler) Bound() map[string][]int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]int32, len(s.addins))
	for id, a := range s.addins {
		pids := make([]int32, 0, len(a.roots))
		for _, r := range a.roots {
			pids = append(pids, r.pid)
		}
		slices.Sort(pids)
		out[id] = pids
	}
	return out
}

// Live returns the processes of addinID's tree (its bound processes and the
// descendants found at the last tick) that are running now, in ascending order. Each
// is checked with its creation time, so a pid that exited and was reused by an
// unrelated process is not listed. An add-in with no bound process gets nil.
func (s *Sampler) Live(addinID string) []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.addins[addinID]
	if a == nil {
		return nil
	}
	want := make(map[int32]int64, len(a.roots)+len(a.members)) // pid → creation time it must have (0: any tracked one)
	for _, pid := range a.members {
		want[pid] = 0
	}
	for _, r := range a.roots {
		want[r.pid] = r.createTime
	}
	var live []int32
	for pid, created := range want {
		t := s.procs[pid]
		if t == nil || (created != 0 && t.h.CreateTime() != created) {
			continue
		}
		if ok, err := t.h.Alive(); err == nil && ok {
			live = append(live, pid)
		}
	}
	slices.Sort(live)
	return live
}

// Tick samples every bound add-in's process tree at now.
//
// A tree is the bound processes and all their descendants, found through the process
// table's parent pids on every tick. Each process in it is read once per tick, however
// many trees hold it. CPU is the tree's CPU time used since the previous tick, in
// percent of one core; a process seen for the first time (just bound, or a new
// descendant) has no previous reading yet and adds no CPU on that tick, only memory.
// A bound process that has gone is reported in Exits and unbound; an add-in with no
// bound process left gets no sample.
func (s *Sampler) Tick(now time.Time) TickResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tick++
	var res TickResult
	for _, p := range s.pending {
		res.Exits = append(res.Exits, s.exitOf(p.addinID, p.pid, now))
	}
	s.pending = nil
	if len(s.addins) == 0 {
		s.dropUnvisited() // nothing to sample: do not read the process table
		sortExits(res.Exits)
		return res
	}

	device, err := s.src.DeviceMemory()
	if err != nil {
		s.opts.Logger.Warn().Err(err).Msg("device memory unknown for this tick")
	}
	table, err := s.src.Processes()
	if err != nil {
		s.opts.Logger.Warn().Err(err).Msg("process table unreadable: sampling the trees found on the last tick")
		table = nil
	}
	tt := newTreeTable(table, err == nil)

	ids := make([]string, 0, len(s.addins))
	for id := range s.addins {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := s.addins[id]
		live := a.roots[:0]
		for _, r := range a.roots {
			t := s.resolve(r.pid, tt, now)
			if t == nil || t.h.CreateTime() != r.createTime {
				res.Exits = append(res.Exits, s.exitOf(id, r.pid, now))
				continue
			}
			live = append(live, r)
		}
		a.roots = live
		if len(live) == 0 {
			delete(s.addins, id)
			continue
		}
		a.members = s.tree(a, tt, now)
		sample := governance.Sample{
			AddinID:             id,
			Time:                now,
			PIDs:                slices.Clone(a.members),
			TotalMemoryBytes:    device.TotalBytes,
			DeviceMemoryPercent: device.UsedPercent,
		}
		for _, pid := range a.members {
			t := s.procs[pid]
			sample.CPUPercent += t.cpuPercent
			sample.MemoryBytes += t.memory
		}
		res.Samples = append(res.Samples, sample)
	}
	s.dropUnvisited()
	sortExits(res.Exits)
	return res
}

// tree returns the live members of a's tree, in ascending pid order.
func (s *Sampler) tree(a *boundAddin, tt treeTable, now time.Time) []int32 {
	seen := make(map[int32]bool)
	var queue []int32
	for _, r := range a.roots {
		if !seen[r.pid] {
			seen[r.pid] = true
			queue = append(queue, r.pid)
		}
	}
	if !tt.ok {
		// Without a table no new descendant can be found; keep last tick's members
		// that are still the same processes.
		for _, pid := range a.members {
			if !seen[pid] && s.resolve(pid, tt, now) != nil {
				seen[pid] = true
				queue = append(queue, pid)
			}
		}
	}
	members := make([]int32, 0, len(queue))
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		members = append(members, pid)
		parent := s.procs[pid]
		for _, child := range tt.children[pid] {
			if seen[child] {
				continue
			}
			t := s.resolve(child, tt, now)
			// A child cannot be older than its parent. Windows keeps a dead parent's
			// pid in its children's entries, so an unrelated process that reuses that
			// pid would otherwise adopt them.
			if t == nil || t.h.CreateTime() < parent.h.CreateTime() {
				continue
			}
			seen[child] = true
			queue = append(queue, child)
		}
	}
	slices.Sort(members)
	return members
}

// resolve returns the tracked process now running as pid, reading its usage once per
// tick, or nil when no process runs as pid. A pid whose process was replaced gets a
// fresh handle (and no CPU figure until the next tick).
func (s *Sampler) resolve(pid int32, tt treeTable, now time.Time) *trackedProcess {
	t := s.procs[pid]
	if t != nil && t.tick == s.tick {
		if !t.alive {
			return nil
		}
		return t
	}
	if tt.ok && !tt.present[pid] {
		s.drop(pid)
		return nil
	}
	if t != nil {
		alive, err := t.h.Alive()
		if err != nil {
			s.opts.Logger.Debug().Err(err).Int32("pid", pid).Msg("process state unknown: treating it as gone")
		}
		if !alive {
			s.drop(pid)
			t = nil
		}
	}
	if t == nil {
		h, err := s.src.Open(pid)
		if err != nil {
			if !errors.Is(err, ErrNoProcess) {
				s.opts.Logger.Debug().Err(err).Int32("pid", pid).Msg("cannot open process")
			}
			return nil
		}
		t = &trackedProcess{h: h}
		s.procs[pid] = t
	}
	t.tick = s.tick
	t.alive = s.read(t, now)
	if !t.alive {
		return nil
	}
	return t
}

// read takes this tick's reading of t and reports whether the process still exists.
func (s *Sampler) read(t *trackedProcess, now time.Time) bool {
	t.cpuPercent, t.memory = 0, 0
	u, err := t.h.Usage()
	if err != nil {
		if errors.Is(err, ErrNoProcess) {
			return false
		}
		// Not allowed to read it (another user's process on Windows, say): it stays in
		// the tree, counted as zero, rather than looking like an exit.
		s.opts.Logger.Debug().Err(err).Int32("pid", t.h.PID()).Msg("process usage unreadable")
		return true
	}
	if t.hasLast && now.After(t.lastAt) && u.CPUTime >= t.lastCPU {
		t.cpuPercent = float64(u.CPUTime-t.lastCPU) / float64(now.Sub(t.lastAt)) * 100
	}
	t.memory = u.MemoryBytes
	t.lastCPU, t.lastAt, t.hasLast = u.CPUTime, now, true
	return true
}

func (s *Sampler) drop(pid int32) {
	if t := s.procs[pid]; t != nil {
		closeHandle(t.h)
		delete(s.procs, pid)
	}
}

// dropUnvisited closes the handles of processes no tree reached this tick. Every bound
// process is resolved on every tick, so this keeps all of them.
func (s *Sampler) dropUnvisited() {
	for pid, t := range s.procs {
		if t.tick != s.tick {
			s.drop(pid)
		}
	}
}

func (s *Sampler) exitOf(addinID string, pid int32, at time.Time) Exit {
	code := -1
	if s.opts.ExitCodes != nil {
		if c, ok := s.opts.ExitCodes(pid); ok {
			code = c
		}
	}
	return Exit{AddinID: addinID, PID: pid, Time: at, ExitCode: code}
}

func closeHandle(h ProcessHandle) { _ = h.Close() }

func sortExits(exits []Exit) {
	sort.Slice(exits, func(i, j int) bool {
		if exits[i].AddinID != exits[j].AddinID {
			return exits[i].AddinID < exits[j].AddinID
		}
		return exits[i].PID < exits[j].PID
	})
}

// treeTable indexes one reading of the process table by pid and by parent.
type treeTable struct {
	ok       bool // false when the table could not be read
	present  map[int32]bool
	children map[int32][]int32
}

func newTreeTable(entries []ProcessEntry, ok bool) treeTable {
	tt := treeTable{
		ok:       ok,
		present:  make(map[int32]bool, len(entries)),
		children: make(map[int32][]int32),
	}
	for _, e := range entries {
		tt.present[e.PID] = true
		if e.PPID != e.PID {
			tt.children[e.PPID] = append(tt.children[e.PPID], e.PID)
		}
	}
	return tt
}
