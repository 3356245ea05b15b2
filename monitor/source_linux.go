package monitor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/shirou/gopsutil/v4/host"
)

// MemoryKind names the memory figure the sampler reports, for the policy view. On
// Linux it is the resident set: the size of the address space says nothing about the
// memory a process costs the device.
const MemoryKind = "resident"

// userHZ is the unit of the CPU times and start time in /proc/<pid>/stat. The kernel
// exports them in USER_HZ, which is 100 on every architecture Go runs Linux on.
const userHZ = 100

var pageSize = uint64(os.Getpagesize())

// procChildrenSupported reports whether this kernel has /proc/<pid>/task/<tid>/children
// (CONFIG_PROC_CHILDREN). Without it every tick reads the whole process table.
var procChildrenSupported = sync.OnceValue(func() bool {
	_, err := os.Stat(procRoot + "/thread-self/children")
	return err == nil
})

// procHandle keeps /proc/<pid>/stat open: one pread of it gives the state, the CPU
// times, the thread count, the start time and the resident set. The open file also
// pins the process: once it has exited, reads fail with ESRCH even if a new process
// got its pid, so pid reuse cannot be mistaken for the process (the start time is
// compared too).
type procHandle struct {
	pid        int32
	createTime int64
	start      uint64 // start time in clock ticks since boot: the identity
	stat       *os.File
	children   *os.File // the main thread's children file, opened on first use
	threads    int64    // from the last stat read
	buf        []byte
}

func openProcess(pid int32) (ProcessHandle, error) {
	f, err := os.Open(procRoot + "/" + strconv.Itoa(int(pid)) + "/stat")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoProcess
	}
	if err != nil {
		return nil, err
	}
	h := &procHandle{pid: pid, stat: f, buf: make([]byte, 512)}
	st, err := h.readStat()
	if err != nil {
		f.Close()
		return nil, err
	}
	boot, err := host.BootTime() // cached after the first call
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read boot time: %w", err)
	}
	h.start = st.start
	// The same arithmetic as gopsutil's CreateTime, so both name a process alike.
	h.createTime = int64((float64(st.start)/userHZ + float64(boot)) * 1000)
	return h, nil
}

func (h *procHandle) PID() int32        { return h.pid }
func (h *procHandle) CreateTime() int64 { return h.createTime }

func (h *procHandle) Close() error {
	err := h.stat.Close()
	if h.children != nil {
		err = errors.Join(err, h.children.Close())
	}
	return err
}

func (h *procHandle) Usage() (Usage, error) {
	st, err := h.readStat()
	if err != nil {
		return Usage{}, fmt.Errorf("read process %d: %w", h.pid, err)
	}
	if st.start != h.start {
		return Usage{}, fmt.Errorf("read process %d: %w (its pid names a newer process)", h.pid, ErrNoProcess)
	}
	return Usage{
		CPUTime:     time.Duration(st.utime+st.stime) * (time.Second / userHZ),
		MemoryBytes: st.rssPages * pageSize,
	}, nil
}

// readStat preads the kept stat file and parses it; a process that exited (a zombie
// too) is ErrNoProcess.
func (h *procHandle) readStat() (procStat, error) {
	b, err := preadAll(h.stat, &h.buf)
	if err != nil {
		return procStat{}, err
	}
	st, err := parseStatCounters(b)
	if err != nil {
		return procStat{}, err
	}
	if exitedState(st.state) {
		return procStat{}, fmt.Errorf("%w (state %c)", ErrNoProcess, st.state)
	}
	h.threads = st.threads
	return st, nil
}

// Children reads the children files of the process's threads: a child is listed under
// the thread that created it. A single-threaded process (the thread count is from the
// last Usage) has one file, kept open; others list /proc/<pid>/task first.
func (h *procHandle) Children() ([]int32, error) {
	if !procChildrenSupported() {
		return nil, ErrNoChildList
	}
	self := strconv.Itoa(int(h.pid))
	if h.children == nil {
		f, err := os.Open(procRoot + "/" + self + "/task/" + self + "/children")
		if err != nil {
			return nil, fmt.Errorf("list children of process %d: %w", h.pid, procErr(err))
		}
		h.children = f
	}
	b, err := preadAll(h.children, &h.buf)
	if err != nil {
		return nil, fmt.Errorf("list children of process %d: %w", h.pid, err)
	}
	kids, err := parsePIDList(b, nil)
	if err != nil || h.threads <= 1 {
		return kids, err
	}
	dir := procRoot + "/" + self + "/task/"
	tids, err := readDirNames(dir)
	if err != nil {
		return nil, fmt.Errorf("list threads of process %d: %w", h.pid, procErr(err))
	}
	for _, tid := range tids {
		if tid == self {
			continue
		}
		b, err := readSmallFile(dir+tid+"/children", h.buf)
		if err != nil {
			continue // the thread ended since the directory was read
		}
		if kids, err = parsePIDList(b, kids); err != nil {
			return nil, fmt.Errorf("list children of process %d: %w", h.pid, err)
		}
	}
	return kids, nil
}

func readDirNames(path string) ([]string, error) {
	d, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

// preadAll reads an open /proc file from its start into *buf, growing it when the file
// is larger. A /proc file is generated anew on each read from offset 0.
func preadAll(f *os.File, buf *[]byte) ([]byte, error) {
	for {
		n, err := f.ReadAt(*buf, 0)
		if n == len(*buf) && err == nil {
			*buf = make([]byte, 2*len(*buf))
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, procErr(err)
		}
		return (*buf)[:n], nil
	}
}

// procErr maps the errors of a /proc file of a process that has gone to ErrNoProcess.
func procErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("%w (%v)", ErrNoProcess, err)
	}
	return err
}

// procStat is what the sampler needs from /proc/<pid>/stat.
type procStat struct {
	state        byte
	utime, stime uint64 // clock ticks
	threads      int64
	start        uint64 // clock ticks since boot
	rssPages     uint64
}

// parseStatCounters parses /proc/<pid>/stat (proc(5)): after "pid (comm)", field 3 is
// the state, 14 and 15 utime and stime, 20 the thread count, 22 the start time and
// 24 the resident set in pages. The command name may hold anything, so the fields are
// counted from the last ')'.
func parseStatCounters(b []byte) (procStat, error) {
	closing := bytes.LastIndexByte(b, ')')
	if closing < 0 {
		return procStat{}, fmt.Errorf("parse process stat: no command name in %.40q", b)
	}
	var st procStat
	field := 2 // the command name
	rest := b[closing+1:]
	for field < 24 {
		for len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
		end := bytes.IndexAny(rest, " \n")
		if end < 0 {
			end = len(rest)
		}
		tok := rest[:end]
		rest = rest[end:]
		if len(tok) == 0 {
			return procStat{}, fmt.Errorf("parse process stat: %d fields, want at least 24, in %.60q", field, b)
		}
		field++
		var err error
		switch field {
		case 3:
			if len(tok) != 1 || !isASCIILetter(tok[0]) {
				return procStat{}, fmt.Errorf("parse process stat: bad state %.10q", tok)
			}
			st.state = tok[0]
		case 14:
			st.utime, err = parseUint(tok)
		case 15:
			st.stime, err = parseUint(tok)
		case 20:
			var n uint64
			n, err = parseUint(tok)
			st.threads = int64(min(n, 1<<31))
		case 22:
			st.start, err = parseUint(tok)
		case 24:
			st.rssPages, err = parseUint(tok)
		}
		if err != nil {
			return procStat{}, fmt.Errorf("parse process stat: field %d: %w", field, err)
		}
	}
	return st, nil
}

// parseUint parses a decimal without allocating. The resident set of a process whose
// memory is being torn down can read as a small negative number: that is zero.
func parseUint(tok []byte) (uint64, error) {
	if len(tok) > 1 && tok[0] == '-' {
		if _, err := parseUint(tok[1:]); err != nil {
			return 0, err
		}
		return 0, nil
	}
	if len(tok) == 0 || len(tok) > 20 {
		return 0, fmt.Errorf("bad number %.24q", tok)
	}
	var n uint64
	for _, c := range tok {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad number %.24q", tok)
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, fmt.Errorf("number %.24q out of range", tok)
		}
		n = n*10 + d
	}
	return n, nil
}

// parsePIDList appends the space-separated pids of a children file to pids.
func parsePIDList(b []byte, pids []int32) ([]int32, error) {
	for len(b) > 0 {
		for len(b) > 0 && (b[0] == ' ' || b[0] == '\n') {
			b = b[1:]
		}
		end := bytes.IndexAny(b, " \n")
		if end < 0 {
			end = len(b)
		}
		if end == 0 {
			break
		}
		n, err := parseUint(b[:end])
		if err != nil || n == 0 || n > 1<<31-1 {
			return nil, fmt.Errorf("parse children: bad pid %.24q", b[:end])
		}
		pids = append(pids, int32(n))
		b = b[end:]
	}
	return pids, nil
}

// meminfo keeps /proc/meminfo open between ticks.
var meminfo struct {
	mu  sync.Mutex
	f   *os.File
	buf []byte
}

// deviceMemory reads MemTotal and MemAvailable; used is total minus available, as
// gopsutil computes it.
func deviceMemory() (DeviceMemory, error) {
	meminfo.mu.Lock()
	defer meminfo.mu.Unlock()
	if meminfo.f == nil {
		f, err := os.Open(procRoot + "/meminfo")
		if err != nil {
			return DeviceMemory{}, err
		}
		meminfo.f, meminfo.buf = f, make([]byte, 8192)
	}
	b, err := preadAll(meminfo.f, &meminfo.buf)
	if err != nil {
		return DeviceMemory{}, err
	}
	return parseMeminfo(b)
}

// parseMeminfo parses the lines "Name:   value kB" of /proc/meminfo that device memory
// needs. Kernels before 3.14 have no MemAvailable: free plus buffers plus page cache
// stands in for it.
func parseMeminfo(b []byte) (DeviceMemory, error) {
	var total, avail, free, buffers, cached uint64
	var haveTotal, haveAvail bool
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name := line[:colon]
		var dst *uint64
		switch string(name) { // no allocation: the compiler compares in place
		case "MemTotal":
			dst, haveTotal = &total, true
		case "MemAvailable":
			dst, haveAvail = &avail, true
		case "MemFree":
			dst = &free
		case "Buffers":
			dst = &buffers
		case "Cached":
			dst = &cached
		default:
			continue
		}
		v := bytes.TrimSpace(line[colon+1:])
		v = bytes.TrimSpace(bytes.TrimSuffix(v, []byte("kB")))
		n, err := parseUint(v)
		if err != nil {
			return DeviceMemory{}, fmt.Errorf("parse meminfo %s: %w", name, err)
		}
		*dst = n * 1024
	}
	if !haveTotal || total == 0 {
		return DeviceMemory{}, errors.New("parse meminfo: no MemTotal")
	}
	if !haveAvail {
		avail = free + buffers + cached
	}
	avail = min(avail, total)
	return DeviceMemory{TotalBytes: total, UsedPercent: float64(total-avail) / float64(total) * 100}, nil
}
