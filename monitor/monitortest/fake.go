// Package monitortest provides FakeSource, an in-memory monitor.ProcessSource for
// tests of the sampler and of code that drives it. Tests start, exit and replace
// processes and set their CPU time and memory; the fake counts the reads made, so a
// test can check what a tick costs.
package monitortest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"addingov/monitor"
)

// Process is one fake process.
type Process struct {
	PID        int32
	PPID       int32
	Name       string
	CreateTime int64         // milliseconds since the Unix epoch
	CPU        time.Duration // cumulative user+system CPU time
	Memory     uint64
	// UsageErr, when set, is returned by Usage (a process the caller may not read).
	UsageErr error
	// ChildrenErr, when set, is returned by Children (a children list not readable).
	ChildrenErr error
}

// Counts are the reads a FakeSource has served.
type Counts struct {
	Opens       int
	Lists       int
	DeviceReads int
	ChildLists  int           // Children calls answered
	UsageReads  map[int32]int // per pid
	OpenHandles int           // opened and not yet closed
	DoubleClose int           // handles closed more than once: a bug in the caller
}

// FakeSource is a monitor.ProcessSource over a process table held in memory. It is
// safe for concurrent use.
type FakeSource struct {
	mu      sync.Mutex
	procs   map[int32]*Process
	device  monitor.DeviceMemory
	listErr error
	// noChildList makes handles answer Children with monitor.ErrNoChildList, as on
	// Windows: the sampler then reads the whole table.
	noChildList bool
	counts      Counts
}

var _ monitor.ProcessSource = (*FakeSource)(nil)

// NewFakeSource returns an empty FakeSource with 16 GiB of device memory, 50% used.
func NewFakeSource() *FakeSource {
	return &FakeSource{
		procs:  make(map[int32]*Process),
		device: monitor.DeviceMemory{TotalBytes: 16 << 30, UsedPercent: 50},
		counts: Counts{UsageReads: make(map[int32]int)},
	}
}

// Start adds p, replacing any process with the same pid (that is how a test reuses a pid).
func (f *FakeSource) Start(p Process) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.procs[p.PID] = &p
}

// Exit removes the process pid.
func (f *FakeSource) Exit(pid int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.procs, pid)
}

// AddCPU adds d to the process's cumulative CPU time.
func (f *FakeSource) AddCPU(pid int32, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.procs[pid]; p != nil {
		p.CPU += d
	}
}

// SetMemory sets the process's memory.
func (f *FakeSource) SetMemory(pid int32, bytes uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.procs[pid]; p != nil {
		p.Memory = bytes
	}
}

// SetDeviceMemory sets what DeviceMemory returns.
func (f *FakeSource) SetDeviceMemory(d monitor.DeviceMemory) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.device = d
}

// FailListing makes Processes return err (nil restores it).
func (f *FakeSource) FailListing(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listErr = err
}

// WithoutChildLists makes the fake behave like a system that cannot list one process's
// children (Windows): Children returns monitor.ErrNoChildList, so the sampler reads
// the whole process table. It returns f.
func (f *FakeSource) WithoutChildLists() *FakeSource {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noChildList = true
	return f
}

// Counts returns the reads served so far.
func (f *FakeSource) Counts() Counts {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.counts
	c.UsageReads = make(map[int32]int, len(f.counts.UsageReads))
	for k, v := range f.counts.UsageReads {
		c.UsageReads[k] = v
	}
	return c
}

// ResetCounts zeroes the counters (open handles stay counted).
func (f *FakeSource) ResetCounts() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts = Counts{UsageReads: make(map[int32]int), OpenHandles: f.counts.OpenHandles, DoubleClose: f.counts.DoubleClose}
}

// Open implements monitor.ProcessSource.
func (f *FakeSource) Open(pid int32) (monitor.ProcessHandle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts.Opens++
	p := f.procs[pid]
	if p == nil {
		return nil, fmt.Errorf("open fake process %d: %w", pid, monitor.ErrNoProcess)
	}
	f.counts.OpenHandles++
	return &handle{src: f, pid: pid, createTime: p.CreateTime}, nil
}

// Processes implements monitor.ProcessSource.
func (f *FakeSource) Processes() ([]monitor.ProcessEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts.Lists++
	if f.listErr != nil {
		return nil, f.listErr
	}
	out := make([]monitor.ProcessEntry, 0, len(f.procs))
	for _, p := range f.procs {
		out = append(out, monitor.ProcessEntry{PID: p.PID, PPID: p.PPID, Name: p.Name})
	}
	return out, nil
}

// DeviceMemory implements monitor.ProcessSource.
func (f *FakeSource) DeviceMemory() (monitor.DeviceMemory, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts.DeviceReads++
	return f.device, nil
}

type handle struct {
	src        *FakeSource
	pid        int32
	createTime int64
	closed     bool
}

func (h *handle) PID() int32        { return h.pid }
func (h *handle) CreateTime() int64 { return h.createTime }

// Children lists the processes whose parent is this one, in ascending pid order.
func (h *handle) Children() ([]int32, error) {
	h.src.mu.Lock()
	defer h.src.mu.Unlock()
	if h.src.noChildList {
		return nil, fmt.Errorf("list children of fake process %d: %w", h.pid, monitor.ErrNoChildList)
	}
	h.src.counts.ChildLists++
	p := h.src.procs[h.pid]
	if p == nil || p.CreateTime != h.createTime {
		return nil, fmt.Errorf("list children of fake process %d: %w", h.pid, monitor.ErrNoProcess)
	}
	if p.ChildrenErr != nil {
		return nil, p.ChildrenErr
	}
	var out []int32
	for _, c := range h.src.procs {
		if c.PPID == h.pid && c.PID != h.pid {
			out = append(out, c.PID)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (h *handle) Usage() (monitor.Usage, error) {
	h.src.mu.Lock()
	defer h.src.mu.Unlock()
	h.src.counts.UsageReads[h.pid]++
	p := h.src.procs[h.pid]
	if p == nil || p.CreateTime != h.createTime {
		return monitor.Usage{}, fmt.Errorf("read fake process %d: %w", h.pid, monitor.ErrNoProcess)
	}
	if p.UsageErr != nil {
		return monitor.Usage{}, p.UsageErr
	}
	return monitor.Usage{CPUTime: p.CPU, MemoryBytes: p.Memory}, nil
}

// ErrClosedTwice is returned by a handle closed a second time: a sampler bug.
var ErrClosedTwice = errors.New("fake process handle closed twice")

func (h *handle) Close() error {
	h.src.mu.Lock()
	defer h.src.mu.Unlock()
	if h.closed {
		h.src.counts.DoubleClose++
		return ErrClosedTwice
	}
	h.closed = true
	h.src.counts.OpenHandles--
	return nil
}
