//go:build linux

package monitor_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The real-process tests re-run this test binary as a child: helperEnv selects what the
// child does instead of running tests.
const helperEnv = "MONITOR_TEST_HELPER"

// helperLifetime bounds every helper, so none outlives a test run that was killed
// before its cleanup ran.
const helperLifetime = 2 * time.Minute

// TestHelperProcess is not a test: it is the body of the child processes.
//
//	sleep   idle until stdin closes
//	burn    spin one core until stdin closes or the parent goes
//	alloc   allocate and touch 100 MB, then idle until stdin closes
//	tree    start a burning grandchild, print its pid, idle until stdin closes
//
// Each prints one line when it is set up ("ready" or the grandchild's pid) and exits
// with the code in MONITOR_TEST_EXIT (default 0) when stdin closes.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return // an ordinary test run
	}
	code, _ := strconv.Atoi(os.Getenv("MONITOR_TEST_EXIT"))
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(code)
	}()
	go func() {
		time.Sleep(helperLifetime)
		os.Exit(2)
	}()
	switch mode {
	case "sleep":
		fmt.Println("ready")
	case "burn":
		fmt.Println("ready")
		burn()
	case "alloc":
		buf := make([]byte, 100<<20)
		for i := 0; i < len(buf); i += 4096 {
			buf[i] = 1
		}
		helperKeep = buf
		fmt.Println("ready")
	case "tree":
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), helperEnv+"=burn")
		in, _ := cmd.StdinPipe() // closes when this process dies, ending the grandchild
		helperKeep = in          // an unreachable pipe would be closed by its finalizer
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			fmt.Println("error:", err)
			os.Exit(3)
		}
		_, _ = bufio.NewReader(out).ReadString('\n')
		fmt.Println(cmd.Process.Pid)
	default:
		fmt.Println("error: unknown helper mode", mode)
		os.Exit(3)
	}
	select {} // until stdin closes
}

// helperKeep keeps what a helper holds reachable while it idles.
var helperKeep any

// burn spins until the parent goes away (the stdin watcher ends it otherwise).
func burn() {
	parent := os.Getppid()
	for n := 0; ; n++ {
		if n%(1<<20) == 0 && os.Getppid() != parent {
			os.Exit(0)
		}
	}
}

// helper is a running child process.
type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	line  string // the first line it printed
}

func (h *helper) pid() int32 { return int32(h.cmd.Process.Pid) }

// stop closes stdin, so the helper exits with its exit code, and reaps it.
func (h *helper) stop(t *testing.T) {
	t.Helper()
	h.stdin.Close()
	_ = h.cmd.Wait()
}

// startHelper starts a helper child and waits for its first line. The child is killed
// at the end of the test.
func startHelper(t testing.TB, mode string, exitCode int, args ...string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "MONITOR_TEST_EXIT="+strconv.Itoa(exitCode))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper %s: %v", mode, err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	line = strings.TrimSpace(line)
	if err != nil || strings.HasPrefix(line, "error") {
		t.Fatalf("helper %s did not start: %q, %v", mode, line, err)
	}
	return &helper{cmd: cmd, stdin: stdin, line: line}
}
