package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"addingov/cli"
	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// logEvery spaces the store's entries so that the last hour holds 1,000 of them
// (as storage's BenchmarkLogSinceHour).
const logEvery = 3600 * time.Millisecond

// logBench collects the samples of the large-store figures over all rounds.
type logBench struct {
	inDaemon, api, cliRun, raw  []time.Duration // per query
	inDaemonR, apiR, cliR, rawR []float64       // per-round medians, ms
	startup                     []time.Duration
	activation, notice          []time.Duration
	// lateReady counts ready reports that came after the daemon had timed the activation
	// out; lostNotice counts notice trials given up because an earlier report of the
	// trial timed out and disabled the add-in before the timed one was sent.
	lateReady, lostNotice  int
	inRangeMin, inRangeMax int
}

func logRows(ctx context.Context, e *env) ([]Row, error) {
	stateDir := filepath.Join(e.dir, "log")
	path := filepath.Join(stateDir, storage.FileName)
	if err := buildStore(e, path, e.s.logEntries); err != nil {
		return nil, err
	}
	h, err := startHosts(e.self, 1)
	if err != nil {
		return nil, err
	}
	defer h.stop()
	var lb logBench
	for r := range e.s.rounds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e.p.say("log: round %d/%d: starting the daemon on the %s-entry store", r+1, e.s.rounds, groupThousands(int64(e.s.logEntries)))
		if err := lb.daemonRound(ctx, e, stateDir, h.pid(0), r); err != nil {
			return nil, err
		}
		e.p.say("log: round %d/%d: raw bbolt cursor", r+1, e.s.rounds)
		if err := lb.rawRound(e, path); err != nil {
			return nil, err
		}
	}
	return lb.rows(e), nil
}

// buildStore writes n log entries ending now, through storage's bulk append.
func buildStore(e *env, path string, n int) error {
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now().Add(-time.Duration(n-1) * logEvery)
	const perTx = 10_000
	batch := make([]storage.LogEntry, 0, perTx)
	t0 := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * logEvery)
		batch = append(batch, storage.LogEntry{Time: at, AddinID: fmt.Sprintf("addin-%03d", i%100),
			Action: storage.ActionExempt, Reason: "cpu", Value: 97, Threshold: 90, Unit: "%",
			Evidence: []governance.Evidence{{Time: at.Add(-5 * time.Second), Value: 96, Unit: "%"}, {Time: at, Value: 97, Unit: "%"}}})
		if len(batch) == perTx || i == n-1 {
			if _, err := db.AppendLogBulk(batch); err != nil {
				return fmt.Errorf("build the store: %w", err)
			}
			batch = batch[:0]
			if done := i + 1; done%(max(n/10, perTx)) == 0 || done == n {
				e.p.say("log: building the %s-entry store: %s written (%s)", groupThousands(int64(n)),
					groupThousands(int64(done)), time.Since(t0).Round(100*time.Millisecond))
			}
		}
	}
	return nil
}

// daemonRound starts the daemon on the store (timing its start), then measures the
// query in the daemon, through the API and through the CLI, activations and notices,
// and stops it.
func (lb *logBench) daemonRound(ctx context.Context, e *env, stateDir string, pid int32, round int) (err error) {
	ip, err := startDaemon(stateDir)
	if err != nil {
		return fmt.Errorf("start the daemon on the large store: %w", err)
	}
	defer func() {
		if serr := ip.stop(); err == nil {
			err = serr
		}
	}()
	lb.startup = append(lb.startup, ip.startup)
	c := ip.client()
	var d, a, l []time.Duration
	for range e.s.logQueries {
		t := time.Now()
		es, _, err := ip.d.DB().Log(storage.LogQuery{Since: time.Now().Add(-time.Hour)})
		if err != nil {
			return err
		}
		d = append(d, time.Since(t))
		if lb.inRangeMax == 0 || len(es) < lb.inRangeMin {
			lb.inRangeMin = len(es)
		}
		lb.inRangeMax = max(lb.inRangeMax, len(es))

		t = time.Now()
		if _, err := c.Log(ctx, url.Values{"since": {"1h"}}); err != nil {
			return err
		}
		a = append(a, time.Since(t))

		t = time.Now()
		if err := runCLI("--socket", ip.addr, "log", "--since", "1h"); err != nil {
			return err
		}
		l = append(l, time.Since(t))
	}
	lb.inDaemon, lb.api, lb.cliRun = append(lb.inDaemon, d...), append(lb.api, a...), append(lb.cliRun, l...)
	lb.inDaemonR, lb.apiR, lb.cliR = append(lb.inDaemonR, medianMs(d)), append(lb.apiR, medianMs(a)), append(lb.cliR, medianMs(l))

	if err := lb.activations(ctx, e, c, pid, round); err != nil {
		return err
	}
	return lb.notices(ctx, e, ip, c, pid, round)
}

// runCLI runs `addingov ARGS` in this process, its output discarded.
func runCLI(args ...string) error {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	stdout := os.Stdout
	os.Stdout = devnull
	code := cli.Main(args)
	os.Stdout = stdout
	if code != 0 {
		return fmt.Errorf("addingov %v exited %d", args, code)
	}
	return nil
}

// activations times a host's start report to its ready report's answer.
func (lb *logBench) activations(ctx context.Context, e *env, c *localapi.Client, pid int32, round int) error {
	id := "bench-activation"
	req := localapi.ActivationRequest{AddinID: id, PID: pid}
	for range e.s.activations {
		t := time.Now()
		r, err := c.StartActivation(ctx, req)
		if err == nil && !r.MayActivate {
			// Timed-out activations disabled it: turn it back on, untimed.
			if _, err := c.SetEnabled(ctx, id, true, localapi.StateRequest{Reason: "bench: go on"}); err != nil {
				return err
			}
			t = time.Now()
			r, err = c.StartActivation(ctx, req)
		}
		if err != nil {
			return err
		}
		if !r.MayActivate {
			return fmt.Errorf("%s may not activate: %s", id, r.Reason)
		}
		_, err = c.ActivationEvent(ctx, r.ActivationID, "ready", "")
		lb.activation = append(lb.activation, time.Since(t))
		if isConflict(err) {
			lb.lateReady++
			continue
		}
		if err != nil {
			return err
		}
		if _, err := c.ActivationEvent(ctx, r.ActivationID, "end", ""); err != nil && !isConflict(err) {
			return err
		}
	}
	return nil
}

// notices times a notice from the report that causes it (the third failed activation,
// which disables the add-in) to its arrival on a follower's stream, as the agent
// follows it.
func (lb *logBench) notices(ctx context.Context, e *env, ip *inProcess, c *localapi.Client, pid int32, round int) error {
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type arrival struct {
		id string
		at time.Time
	}
	got := make(chan arrival, 16)
	follower := ip.client()
	go func() {
		_ = follower.FollowNotices(fctx, st.LastNotice, func(n storage.Notice) error {
			got <- arrival{n.AddinID, time.Now()}
			return nil
		})
	}()
	for i := range e.s.notices {
		id := fmt.Sprintf("bench-notice-%d-%03d", round, i)
		var sent time.Time
		lost := false
		for k := range 3 {
			r, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: id, PID: pid})
			if err != nil {
				return err
			}
			if !r.MayActivate && k > 0 {
				lost = true // an earlier report timed out: the disable came untimed
				break
			}
			if !r.MayActivate {
				return fmt.Errorf("%s may not activate: %s", id, r.Reason)
			}
			if k == 2 {
				sent = time.Now()
			}
			_, err = c.ActivationEvent(ctx, r.ActivationID, "fail", "bench: failed to start")
			if isConflict(err) && k == 2 {
				lost = true // timed out before this report: its notice is not this report's
				err = nil
			}
			if err != nil && !isConflict(err) {
				return err
			}
		}
		if lost {
			lb.lostNotice++
			continue
		}
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case a := <-got:
				if a.id == id {
					lb.notice = append(lb.notice, a.at.Sub(sent))
					break wait
				}
			case <-timeout:
				return fmt.Errorf("no notice for %s within 10 s of its third failed activation", id)
			}
		}
	}
	return nil
}

// rawRound is the floor: a bbolt cursor seeking to an hour ago and reading every entry
// to the end, on the same file (the daemon is stopped: it holds the file's lock).
func (lb *logBench) rawRound(e *env, path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("open the store for the raw floor: %w", err)
	}
	defer db.Close()
	var ds []time.Duration
	for range e.s.logQueries {
		since := make([]byte, 12)
		binary.BigEndian.PutUint64(since, uint64(time.Now().Add(-time.Hour).UnixNano()))
		t := time.Now()
		n, bytes := 0, 0
		err := db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("log"))
			if b == nil {
				return errors.New("the store has no log bucket")
			}
			c := b.Cursor()
			for k, v := c.Seek(since); k != nil; k, v = c.Next() {
				n, bytes = n+1, bytes+len(v)
			}
			return nil
		})
		if err != nil {
			return err
		}
		ds = append(ds, time.Since(t))
		if n == 0 || bytes == 0 {
			return errors.New("the raw cursor found no entries in the last hour")
		}
	}
	lb.raw = append(lb.raw, ds...)
	lb.rawR = append(lb.rawR, medianMs(ds))
	return nil
}

func medianMs(ds []time.Duration) float64 {
	xs := make([]float64, len(ds))
	for i, d := range ds {
		xs[i] = ms(d)
	}
	return median(xs)
}

func (lb *logBench) rows(e *env) []Row {
	store := groupThousands(int64(e.s.logEntries)) + "-entry store"
	cond := fmt.Sprintf("%s, %d to %d entries in the last hour (the store's, and the disables the notice figure causes); %d round(s) of %d queries",
		store, lb.inRangeMin, lb.inRangeMax, e.s.rounds, e.s.logQueries)
	raw := median(lb.rawR)
	det := func(ds []time.Duration, what string) string {
		return fmt.Sprintf("%s; %s; p99 %.2f ms", what, cond, ms(percentile(ds, 99)))
	}
	return []Row{
		pairedRow("log --since 1h, in the daemon", atMost("<= 20 ms", 20), median(lb.inDaemonR), "ms", raw, "raw bbolt cursor",
			det(lb.inDaemon, "the running daemon's storage query (DB().Log)"), lb.inDaemonR, lb.rawR),
		pairedRow("log --since 1h, end to end through the API", reported, median(lb.apiR), "ms", raw, "raw bbolt cursor",
			det(lb.api, "GET /v1/log?since=1h over the socket, decoded"), lb.apiR, lb.rawR),
		pairedRow("log --since 1h, end to end through the CLI", reported, median(lb.cliR), "ms", raw, "raw bbolt cursor",
			det(lb.cliRun, "`addingov log --since 1h` (cli.Main in this process, table to /dev/null)"), lb.cliR, lb.rawR),
		newRow("floor: raw bbolt cursor seek+scan of the hour", reported, raw, "ms", 0, "",
			det(lb.raw, "read-only bbolt, Seek to an hour ago and Next to the end (the daemon stopped: it holds the lock)")),
		newRow("activation start to ready p99, large store", atMost("<= 50 ms (keep ~4.5 ms)", 50), ms(percentile(lb.activation, 99)), "ms", 0, "",
			fmt.Sprintf("POST /v1/activations then /ready, one client; %s; %s samples; median %.2f ms; %d ready report(s) after the daemon's %s timeout", store,
				groupThousands(int64(len(lb.activation))), ms(percentile(lb.activation, 50)), lb.lateReady, governance.HostUnresponsive)),
		newRow("notice delivery latency p99", atMost("<= 300 ms (keep ~9 ms)", 300), ms(percentile(lb.notice, 99)), "ms", 0, "",
			fmt.Sprintf("from sending the third failed activation (which disables the add-in) to the notice on a /v1/notices/stream follower; %s; %d samples; median %.2f ms; %d trial(s) lost to a timed-out report",
				store, len(lb.notice), ms(percentile(lb.notice, 50)), lb.lostNotice)),
		newRow("daemon start to ready, large store", reported, medianMs(lb.startup), "ms", 0, "",
			fmt.Sprintf("daemon.New (with the start-up check of the file) to Ready; %s; %d start(s); max %.0f ms; file %s",
				store, len(lb.startup), ms(percentile(lb.startup, 100)), fileSize(e, filepath.Join(e.dir, "log", storage.FileName)))),
	}
}

func fileSize(_ *env, path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "size unknown"
	}
	return strconv.FormatInt(fi.Size()>>20, 10) + " MiB"
}
