package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// trees are governed process trees as a host makes them: a root process (a shell, as
// the host) with a child (sleep, as the add-in's worker). The sampler is bound to the
// root and finds the child itself.
type trees struct {
	roots []*exec.Cmd
	pids  []int32 // every process of every tree, roots and children
}

// startTrees starts n trees of two processes each.
func startTrees(n int) (*trees, error) {
	t := &trees{}
	for range n {
		cmd := exec.Command("sh", "-c", "sleep 3600 & wait")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.stop()
			return nil, fmt.Errorf("start a process tree (sh and sleep): %w", err)
		}
		t.roots = append(t.roots, cmd)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, r := range t.roots {
		pid := int32(r.Process.Pid)
		for {
			kids := children(pid)
			if len(kids) > 0 {
				t.pids = append(t.pids, pid)
				t.pids = append(t.pids, kids...)
				break
			}
			if time.Now().After(deadline) {
				t.stop()
				return nil, fmt.Errorf("process %d started no child within 30 s", pid)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return t, nil
}

func (t *trees) root(i int) int32 { return int32(t.roots[i].Process.Pid) }

func (t *trees) stop() {
	for _, r := range t.roots {
		_ = syscall.Kill(-r.Process.Pid, syscall.SIGKILL)
	}
	for _, r := range t.roots {
		_ = r.Wait()
	}
}

// children lists pid's children from /proc.
func children(pid int32) []int32 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil
	}
	var out []int32
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, int32(n))
		}
	}
	return out
}
