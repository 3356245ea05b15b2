package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bbolt's consistency check runs in a child process: this same program, re-run with
// childEnv naming the file. The package's init serves it before main (or TestMain) runs,
// so every program that can open a state file can also check one, and a fault inside
// bbolt ends only the child.
const (
	childEnv        = "ADDINGOV_STORAGE_CHECK_CHILD"
	childTimeoutEnv = "ADDINGOV_STORAGE_CHECK_LOCK_WAIT"
	maxChildOutput  = 1 << 20
	maxProblems     = 100
)

func init() {
	if path := os.Getenv(childEnv); path != "" {
		wait, _ := time.ParseDuration(os.Getenv(childTimeoutEnv))
		os.Exit(serveBoltCheck(path, wait))
	}
}

// childResult is what the child reports on its standard output.
type childResult struct {
	Locked    bool     `json:"locked,omitempty"`
	OpenError string   `json:"open_error,omitempty"`
	Problems  []string `json:"problems,omitempty"`
	// Crashed is filled in by the parent when the child died instead of reporting.
	Crashed string `json:"-"`
}

// serveBoltCheck is the child: open path read-only (a shared lock; bbolt cannot write
// through a read-only descriptor) and run Tx.Check.
func serveBoltCheck(path string, wait time.Duration) int {
	if wait <= 0 {
		wait = DefaultTimeout
	}
	var res childResult
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: wait})
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		res.Locked = true
	case err != nil:
		res.OpenError = err.Error()
	default:
		err = bdb.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				if len(res.Problems) < maxProblems {
					res.Problems = append(res.Problems, err.Error())
				}
			}
			return nil
		})
		if err != nil {
			res.OpenError = err.Error()
		}
		bdb.Close()
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 3
	}
	return 0
}

// boltCheckInChild runs serveBoltCheck in a child and reads its verdict. A child that
// dies (a fault in bbolt), hangs past limit or prints no verdict is reported in
// Crashed; the error is only for a child that could not be started at all.
func boltCheckInChild(ctx context.Context, path string, lockWait, limit time.Duration) (childResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return childResult{}, fmt.Errorf("find this program to run bbolt's check: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), childEnv+"="+path, childTimeoutEnv+"="+lockWait.String())
	var stdout, stderr capped
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return childResult{}, fmt.Errorf("run bbolt's check: %w", err)
	}
	runErr := cmd.Wait()
	var res childResult
	if runErr == nil && json.Unmarshal(stdout.Bytes(), &res) == nil {
		return res, nil
	}
	switch {
	case ctx.Err() != nil:
		res.Crashed = fmt.Sprintf("it did not finish within %s", limit)
	case runErr != nil:
		res.Crashed = runErr.Error()
		if why := crashReason(stderr.String()); why != "" {
			res.Crashed = why + ", " + res.Crashed
		}
	default:
		res.Crashed = "it printed no verdict"
	}
	return res, nil
}

// crashReason says in words what a Go crash report on s says happened, without the
// report itself (a stack trace is no message for a user).
func crashReason(s string) string {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "unexpected fault address"), strings.HasPrefix(line, "fatal error: fault"),
			strings.HasPrefix(line, "fatal error: unexpected signal"):
			return "a memory fault reading the file"
		case strings.Contains(line, "stack overflow"), strings.Contains(line, "stack exceeds"):
			return "endless recursion (the file's pages loop)"
		case strings.Contains(line, "out of memory"):
			return "it ran out of memory"
		case strings.HasPrefix(line, "panic:"):
			line = strings.TrimPrefix(line, "panic: ")
			if len(line) > 200 {
				line = line[:200]
			}
			return "a panic: " + line
		}
	}
	return ""
}

// capped keeps the first maxChildOutput bytes written to it.
type capped struct{ bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxChildOutput - c.Len(); room > 0 {
		if len(p) > room {
			c.Buffer.Write(p[:room])
		} else {
			c.Buffer.Write(p)
		}
	}
	return len(p), nil
}

// processUser names the account this process runs as, for permission messages.
func processUser() string {
	u, err := user.Current()
	if err != nil {
		return "this account"
	}
	return fmt.Sprintf("user %s, id %s", u.Username, u.Uid)
}
