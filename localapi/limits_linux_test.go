//go:build linux

package localapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/internal/asuser"
)

// Helpers the tests below run as other users (or, for the low descriptor limit, as a
// separate root process). They do nothing unless started by the tests.
const (
	envHelper = "LOCALAPI_HELPER"
	envSocket = "LOCALAPI_SOCKET"
	envN      = "LOCALAPI_FLOOD_N"
	envHeld   = "LOCALAPI_FLOOD_HELD"
	envNOFILE = "LOCALAPI_NOFILE"
)

// slowRequest is a request whose body never finishes arriving.
const slowRequest = "POST /v1/notices/ack HTTP/1.1\r\nHost: addingovd\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"

func TestAsUserHelper(t *testing.T) {
	switch os.Getenv(envHelper) {
	case "flood":
		floodHelper()
	case "request":
		requestHelper()
	case "serve":
		serveHelper()
	default:
		return
	}
	os.Exit(0)
}

// floodResult is what the flood helper reports once every connection beyond the
// expected held ones has been answered or closed.
type floodResult struct {
	Settled  bool        `json:"settled"`
	Statuses map[int]int `json:"statuses"` // 0: closed without an answer
	Error    string      `json:"error,omitempty"`
}

// floodHelper opens N connections that each send slowRequest, waits until all but HELD
// of them are refused, reports, then holds the rest until stdin closes.
func floodHelper() {
	addr := os.Getenv(envSocket)
	n, _ := strconv.Atoi(os.Getenv(envN))
	held, _ := strconv.Atoi(os.Getenv(envHeld))
	out := json.NewEncoder(os.Stdout)
	answers := make(chan int, n)
	var conns []net.Conn
	for i := 0; i < n; i++ {
		c, err := net.Dial("unix", addr)
		if err != nil {
			_ = out.Encode(floodResult{Error: fmt.Sprintf("connection %d: %v", i, err)})
			return
		}
		conns = append(conns, c)
		_, _ = io.WriteString(c, slowRequest)
		go func() { answers <- readStatus(c) }()
	}
	res := floodResult{Statuses: map[int]int{}}
	timeout := time.After(30 * time.Second)
	for got := 0; got < n-held; got++ {
		select {
		case st := <-answers:
			res.Statuses[st]++
		case <-timeout:
			_ = out.Encode(res) // not settled: more connections are held than expected
			return
		}
	}
	res.Settled = true
	_ = out.Encode(res)
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}

// readStatus reads one HTTP answer's status; 0 when the connection closed without one.
func readStatus(c net.Conn) int {
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// requestResult is one GET /v1/status made by the request helper.
type requestResult struct {
	Status int    `json:"status"`
	Error  string `json:"error,omitempty"`
}

func requestHelper() {
	c := NewClient(NewTransport(ListenOptions{}), os.Getenv(envSocket))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Status(ctx)
	res := requestResult{Status: 200}
	if err != nil {
		res = requestResult{Status: StatusOf(err), Error: err.Error()}
		if _, ok := err.(*Error); !ok {
			res.Status = -1
		}
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

// serveHelper serves the fake backend with RLIMIT_NOFILE lowered to NOFILE and the
// default limits (fitted to it), until stdin closes.
func serveHelper() {
	nofile, _ := strconv.Atoi(os.Getenv(envNOFILE))
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		fmt.Println("getrlimit:", err)
		return
	}
	r.Cur = uint64(nofile)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		fmt.Println("setrlimit:", err)
		return
	}
	l, err := NewTransport(ListenOptions{Mode: 0o660, Group: asuser.Group}).Listen(os.Getenv(envSocket))
	if err != nil {
		fmt.Println("listen:", err)
		return
	}
	s := NewServer(newFakeBackend(), zerolog.Nop())
	s.SetLimits(Limits{BodyTimeout: time.Minute}) // the flood is held by its count, not cut by time
	go s.Serve(l)
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.Shutdown(ctx)
}

// flood is a running flood helper.
type flood struct {
	t     *testing.T
	stdin io.Closer
	wait  func() error
	res   floodResult
}

// startFlood opens n slow connections to addr as uid and returns once all but held
// of them were refused.
func startFlood(t *testing.T, uid int, addr string, n, held int) *flood {
	t.Helper()
	cmd := asuser.Command(t, uid, "TestAsUserHelper", envHelper+"=flood", envSocket+"="+addr,
		envN+"="+strconv.Itoa(n), envHeld+"="+strconv.Itoa(held))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &flood{t: t, stdin: stdin, wait: cmd.Wait}
	t.Cleanup(f.stop)
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		t.Fatalf("flood as uid %d: %v", uid, err)
	}
	if err := json.Unmarshal(line, &f.res); err != nil {
		t.Fatalf("flood output %q: %v", line, err)
	}
	if f.res.Error != "" {
		t.Fatalf("flood as uid %d: %s", uid, f.res.Error)
	}
	if !f.res.Settled {
		t.Fatalf("flood as uid %d: of %d slow connections only %d were refused (answers %v); want all but %d refused",
			uid, n, sum(f.res.Statuses), f.res.Statuses, held)
	}
	return f
}

func (f *flood) stop() {
	if f.stdin != nil {
		f.stdin.Close()
		_ = f.wait()
		f.stdin = nil
	}
}

func sum(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// requestAs makes GET /v1/status as uid from a child process.
func requestAs(t *testing.T, uid int, addr string) requestResult {
	t.Helper()
	cmd := asuser.Command(t, uid, "TestAsUserHelper", envHelper+"=request", envSocket+"="+addr)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("request as uid %d: %v", uid, err)
	}
	var res requestResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("request output %q: %v", out, err)
	}
	return res
}

// requestAsRoot makes GET /v1/status from this process (root: an administrator).
func requestAsRoot(t *testing.T, addr string) requestResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := NewClient(NewTransport(ListenOptions{}), addr).Status(ctx); err != nil {
		return requestResult{Status: StatusOf(err), Error: err.Error()}
	}
	return requestResult{Status: 200}
}

// startSharedServer serves the fake backend with limits on a socket the test's other
// users may use.
func startSharedServer(t *testing.T, limits Limits) (*Server, string) {
	t.Helper()
	addr := filepath.Join(asuser.Dir(t), "api.sock")
	l, err := NewTransport(ListenOptions{Mode: 0o660, Group: asuser.Group}).Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(newFakeBackend(), zerolog.Nop())
	s.SetLimits(limits)
	go s.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, addr
}

// open reports the connections the server's limiter counts.
func (s *Server) open() (ordinary, admins int, perUser map[string]int) {
	lim := s.lim.Load()
	lim.mu.Lock()
	defer lim.mu.Unlock()
	perUser = map[string]int{}
	for k, v := range lim.perUser {
		perUser[k] = v
	}
	return lim.ordinary, lim.admins, perUser
}

// Issue 12 item 9: slow connections from one user are bounded at accept by the peer's
// uid; another user, and then an administrator beyond the ordinary users' total, still
// get through.
func TestIssue12_SlowConnectionsAreBoundedPerUserWithAdminReserve(t *testing.T) {
	asuser.Require(t)
	s, addr := startSharedServer(t, Limits{PerUser: 8, Total: 12, AdminReserve: 4, BodyTimeout: time.Minute})

	f := startFlood(t, asuser.Nobody, addr, 200, 8)
	if f.res.Statuses[http.StatusTooManyRequests] == 0 {
		t.Errorf("no refused connection was answered 429 (answers %v)", f.res.Statuses)
	}
	for st := range f.res.Statuses {
		if st != 0 && st != http.StatusTooManyRequests {
			t.Errorf("a refused connection was answered %d (answers %v); want 429 or a close", st, f.res.Statuses)
		}
	}
	if ord, _, per := s.open(); ord != 8 || per[strconv.Itoa(asuser.Nobody)] != 8 {
		t.Fatalf("server holds %d ordinary connections %v; want nobody's 8", ord, per)
	}
	if r := requestAs(t, asuser.Other, addr); r.Status != 200 {
		t.Fatalf("second user while nobody holds its maximum: %+v; want 200", r)
	}
	if r := requestAsRoot(t, addr); r.Status != 200 {
		t.Fatalf("root while nobody holds its maximum: %+v; want 200", r)
	}

	// The second user takes what is left of the ordinary users' total (12 - 8).
	startFlood(t, asuser.Other, addr, 50, 4)
	if ord, _, _ := s.open(); ord != 12 {
		t.Fatalf("server holds %d ordinary connections, want the total of 12", ord)
	}
	r := requestAs(t, asuser.Other-1, addr)
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Error, "administrators") {
		t.Fatalf("a third user once ordinary users hold the total: %+v; want 503 saying the rest is kept for administrators", r)
	}
	if r := requestAsRoot(t, addr); r.Status != 200 {
		t.Fatalf("root once ordinary users hold the total: %+v; want 200 (the administrators' reserve)", r)
	}
	f.stop()
	waitForOpen(t, s, 4)
	if r := requestAs(t, asuser.Nobody, addr); r.Status != 200 {
		t.Fatalf("nobody after closing its connections: %+v; want 200", r)
	}
}

// waitForOpen waits until the server counts want ordinary connections (a closed
// connection is uncounted when the server notices the close).
func waitForOpen(t *testing.T, s *Server, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ord, _, _ := s.open()
		if ord == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server still counts %d ordinary connections, want %d", ord, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Issue 12 item 9: with a low descriptor limit (RLIMIT_NOFILE 128 in a separate daemon
// process), 1,000 slow connections from one user neither exhaust the descriptors nor
// keep another user or root out.
func TestIssue12_LowDescriptorLimitStillAdmitsOthers(t *testing.T) {
	asuser.Require(t)
	const nofile = 128
	addr := filepath.Join(asuser.Dir(t), "api.sock")
	srv := asuser.Command(t, 0, "TestAsUserHelper", envHelper+"=serve", envSocket+"="+addr, envNOFILE+"="+strconv.Itoa(nofile))
	stdin, err := srv.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = srv.Wait() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("server process: %q, %v", line, err)
	}
	fitted := DefaultLimits.fitTo(nofile)
	if fitted.PerUser >= fitted.Total || fitted.Total+fitted.AdminReserve+descriptorHeadroom > nofile {
		t.Fatalf("limits fitted to %d descriptors: %+v", nofile, fitted)
	}
	startFlood(t, asuser.Nobody, addr, 1000, fitted.PerUser)
	if r := requestAs(t, asuser.Other, addr); r.Status != 200 {
		t.Fatalf("second user during a 1000-connection flood with RLIMIT_NOFILE %d: %+v; want 200", nofile, r)
	}
	if r := requestAsRoot(t, addr); r.Status != 200 {
		t.Fatalf("root during a 1000-connection flood with RLIMIT_NOFILE %d: %+v; want 200", nofile, r)
	}
}

// Issue 12 item 9: every way of holding a connection without finishing a request ends
// with the server closing it (a late body first gets 408).
func TestIssue12_SlowConnectionsAreCutInTime(t *testing.T) {
	_, addr := startSharedServer(t, Limits{HeaderTimeout: 200 * time.Millisecond, BodyTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond})
	tests := []struct {
		name, send string
		status     int // the answer before the close; 0 for none
	}{
		{"nothing sent", "", 0},
		{"half a header", "GET /v1/status HTTP/1.1\r\nHost: addingovd\r\n", 0},
		{"header, part of a body", slowRequest, http.StatusRequestTimeout},
		{"chunked body that stops", "POST /v1/notices/ack HTTP/1.1\r\nHost: addingovd\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"seq", http.StatusRequestTimeout},
		{"idle after a request", "GET /v1/status HTTP/1.1\r\nHost: addingovd\r\n\r\n", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("unix", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			// The bound only keeps a broken server from hanging the test.
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
			br := bufio.NewReader(c)
			if tt.status != 0 {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("no answer: %v", err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
				}
			}
			_, err = io.Copy(io.Discard, br)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("the server kept the connection open")
			}
		})
	}
}
