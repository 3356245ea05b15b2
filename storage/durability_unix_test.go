//go:build unix

package storage

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writerProcess is a running helper process (see runWriter) and its ack stream.
type writerProcess struct {
	cmd  *exec.Cmd
	acks *bufio.Scanner
	out  io.ReadCloser
	last int

	// with concurrent writers: every record acknowledged, and the last commit stats
	concurrent     bool
	acked          map[int]bool
	groups, writes int
}

// startWriter re-executes the test binary as a writer into path.
func startWriter(t *testing.T, path string) *writerProcess {
	return startWriters(t, path, 1)
}

// startWriters starts a writer with n concurrent writing goroutines.
func startWriters(t *testing.T, path string, n int) *writerProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerEnv+"="+path, fmt.Sprintf("%s=%d", writersEnv, n))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start writer: %v", err)
	}
	w := &writerProcess{cmd: cmd, acks: bufio.NewScanner(out), out: out, concurrent: n > 1, acked: map[int]bool{}}
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			w.cmd.Process.Kill()
			w.cmd.Wait()
		}
	})
	return w
}

// waitAcks reads acks until n have arrived.
func (w *writerProcess) waitAcks(t *testing.T, n int) {
	t.Helper()
	for w.last < n {
		if !w.acks.Scan() {
			t.Fatalf("writer stopped after %d acks (wanted %d): %v", w.last, n, w.acks.Err())
		}
		w.parse(t, w.acks.Text())
	}
}

// killAndDrain sends SIGKILL, then reads every ack the writer printed before it died:
// each of them was acknowledged, however late the parent reads it.
func (w *writerProcess) killAndDrain(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill writer: %v", err)
	}
	for w.acks.Scan() {
		w.parse(t, w.acks.Text())
	}
	err := w.cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("writer ended with %v, want death by SIGKILL", err)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("writer ended with %v, want death by SIGKILL", err)
	}
}

func (w *writerProcess) parse(t *testing.T, line string) {
	t.Helper()
	var n int
	if w.concurrent {
		var g, wr int
		if _, err := fmt.Sscanf(line, "groups %d writes %d", &g, &wr); err == nil {
			w.groups, w.writes = g, wr
			return
		}
	}
	if _, err := fmt.Sscanf(line, "ack %d", &n); err != nil {
		// The kill may cut the very last line short; that write was not acknowledged.
		return
	}
	if w.concurrent {
		w.acked[n] = true
		w.last = max(w.last, n)
		return
	}
	if n != w.last+1 {
		t.Fatalf("writer acked %d after %d", n, w.last)
	}
	w.last = n
}

// TestAcknowledgedWritesSurviveSIGKILL kills a writer mid-stream and proves that every
// write it acknowledged is in the reopened database, and the file is consistent.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	for _, killAfter := range []int{1, 13, 120} {
		t.Run(fmt.Sprintf("kill after %d acks", killAfter), func(t *testing.T) {
			path := filepath.Join(testDir(t), "addingov.db")
			w := startWriter(t, path)
			w.waitAcks(t, killAfter)
			w.killAndDrain(t)
			if w.last >= writerMax {
				t.Fatalf("writer finished all %d records before the kill; the test proved nothing", writerMax)
			}

			verifyAfterKill(t, path, w, func(i int) bool { return i <= w.last })
		})
	}
}

// TestGroupedWritesSurviveSIGKILL kills a writer whose 64 goroutines write at once, so
// their writes share group commits, and finds every acknowledged write.
func TestGroupedWritesSurviveSIGKILL(t *testing.T) {
	path := filepath.Join(testDir(t), "addingov.db")
	w := startWriters(t, path, 64)
	for w.writes < 2000 { // until a few thousand writes went through the queue
		if !w.acks.Scan() {
			t.Fatalf("writer stopped after %d acks: %v", len(w.acked), w.acks.Err())
		}
		w.parse(t, w.acks.Text())
	}
	w.killAndDrain(t)
	if w.groups == 0 || w.writes <= w.groups {
		t.Fatalf("%d writes in %d commits: the writes were not grouped, the test proved nothing", w.writes, w.groups)
	}
	t.Logf("%d writes in %d group commits before the kill", w.writes, w.groups)
	verifyAfterKill(t, path, w, func(i int) bool { return w.acked[i] })
}

// verifyAfterKill reopens the killed writer's database and checks every record acked
// says was acknowledged.
func verifyAfterKill(t *testing.T, path string, w *writerProcess, acked func(int) bool) {
	t.Helper()
	// The killed writer left its pid file behind; opening must not be fooled by it.
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatalf("database inconsistent after SIGKILL: %v", err)
	}
	entries, _, err := db.Log(LogQuery{AddinID: "logged"})
	if err != nil {
		t.Fatal(err)
	}
	logged := map[string]bool{}
	for _, e := range entries {
		logged[e.Detail] = true
	}
	notices, err := db.Notices(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	noticed := map[string]bool{}
	for _, n := range notices {
		noticed[n.Title] = true
	}
	n := 0
	for i := 1; i <= w.last; i++ {
		if acked(i) {
			checkRecord(t, db, i, logged, noticed)
			n++
		}
	}
	t.Logf("%d acknowledged records verified after SIGKILL", n)
}

// TestLockHeldByAnotherProcessNamesIt opens a database another process holds and checks
// the error names that process and says what to do.
func TestLockHeldByAnotherProcessNamesIt(t *testing.T) {
	path := filepath.Join(testDir(t), "addingov.db")
	w := startWriter(t, path)
	w.waitAcks(t, 1)

	_, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Open of a held database: %v, want ErrLocked", err)
	}
	prog := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	want := fmt.Sprintf("another %s (pid %d) is using it", prog, w.cmd.Process.Pid)
	for _, s := range []string{path, want, "stop it first or use a different --state-dir"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
	w.killAndDrain(t)
}
