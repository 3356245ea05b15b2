package monitor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
)

const procRoot = "/proc"

// listProcesses reads /proc/<pid>/stat once per process: that one read gives the pid,
// the command name, the state and the parent. (gopsutil's Children does the same
// scan once per parent; the sampler needs it once per tick for every tree.)
func listProcesses() ([]ProcessEntry, error) {
	dir, err := os.Open(procRoot)
	if err != nil {
		return nil, err
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return nil, err
	}
	entries := make([]ProcessEntry, 0, len(names))
	buf := make([]byte, 1024)
	for _, name := range names {
		if name == "" || name[0] < '0' || name[0] > '9' {
			continue
		}
		stat, err := readSmallFile(procRoot+"/"+name+"/stat", buf)
		if err != nil {
			continue // exited since the directory was read, or not ours to read
		}
		e, state, err := parseProcStat(stat)
		if err != nil || exitedState(state) {
			continue
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// readSmallFile reads a /proc file into buf, growing it when the file is larger.
func readSmallFile(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n := 0
	for {
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf))...)
		}
		m, err := f.Read(buf[n:])
		n += m
		if errors.Is(err, io.EOF) || (err == nil && m == 0) {
			return buf[:n], nil
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, ErrNoProcess
			}
			return nil, err
		}
	}
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// exitedState reports whether a /proc state letter is a process that will not run
// again: Z (zombie, exited but not reaped) and X (dead).
func exitedState(state byte) bool { return state == 'Z' || state == 'X' }

// parseProcStat parses the start of /proc/<pid>/stat: "pid (comm) state ppid ...".
// The command name is chosen by the process and may hold spaces and parentheses, so it
// runs from the first '(' to the last ')'.
func parseProcStat(b []byte) (ProcessEntry, byte, error) {
	open := bytes.IndexByte(b, '(')
	closing := bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return ProcessEntry{}, 0, fmt.Errorf("parse process stat: no command name in %.40q", b)
	}
	pid, err := strconv.ParseInt(string(bytes.TrimSpace(b[:open])), 10, 32)
	if err != nil || pid <= 0 {
		return ProcessEntry{}, 0, fmt.Errorf("parse process stat: bad pid in %.40q", b)
	}
	rest := bytes.Fields(b[closing+1:])
	if len(rest) < 2 || len(rest[0]) != 1 || !isASCIILetter(rest[0][0]) {
		return ProcessEntry{}, 0, fmt.Errorf("parse process stat: missing state or parent in %.40q", b)
	}
	ppid, err := strconv.ParseInt(string(rest[1]), 10, 32)
	if err != nil || ppid < 0 {
		return ProcessEntry{}, 0, fmt.Errorf("parse process stat: bad parent pid in %.40q", b)
	}
	return ProcessEntry{PID: int32(pid), PPID: int32(ppid), Name: string(b[open+1 : closing])}, rest[0][0], nil
}
