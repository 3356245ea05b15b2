//go:build !windows

package localapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/internal/apitest"
	"addingov/storage"
)

// startServer serves b on a real Unix socket in a temporary directory.
func startServer(t testing.TB, b Backend) (*Client, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "localapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	addr := filepath.Join(dir, "api.sock")
	tr := NewTransport(ListenOptions{Mode: 0o600})
	l, err := tr.Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(b, zerolog.Nop())
	go s.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return NewClient(tr, addr), addr
}

// rawRequest sends an arbitrary request over the socket and returns status and body.
func rawRequest(t *testing.T, addr, method, path, body string) (int, string, http.Header) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return net.Dial("unix", addr)
	}}}
	req, err := http.NewRequest(method, "http://addingovd"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestServerErrorStatuses(t *testing.T) {
	_, addr := startServer(t, newFakeBackend())
	big := `{"reason":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		errContains              string
	}{
		{"status ok", "GET", "/v1/status", "", 200, ""},
		{"unknown add-in", "GET", "/v1/addins/nope", "", 404, `no add-in "nope"`},
		{"unknown endpoint", "GET", "/v1/nothing", "", 404, "no endpoint"},
		{"wrong method", "DELETE", "/v1/status", "", 405, "not allowed"},
		{"wrong method on post route", "GET", "/v1/activations", "", 405, "use POST"},
		{"malformed json", "POST", "/v1/activations", `{"addin_id": "x", "pid": `, 400, "malformed JSON"},
		{"wrong field type", "POST", "/v1/activations", `{"addin_id": "x", "pid": "12"}`, 400, "pid"},
		{"unknown field", "POST", "/v1/activations", `{"addin": "x", "pid": 12}`, 400, "unknown field"},
		{"trailing data", "POST", "/v1/activations", `{"addin_id": "x", "pid": 12} {}`, 400, "more than one"},
		{"empty body", "POST", "/v1/activations", ``, 400, "empty body"},
		{"missing addin id", "POST", "/v1/activations", `{"pid": 12}`, 400, "addin_id is required"},
		{"bad pid", "POST", "/v1/activations", `{"addin_id": "x", "pid": -1}`, 400, "pid must be"},
		{"body too large", "POST", "/v1/activations/act-1/fail", big, 413, "larger than"},
		{"unknown activation", "POST", "/v1/activations/act-9/ready", "", 404, "no activation"},
		{"bad log since", "GET", "/v1/log?since=last%20tuesday", "", 400, "since"},
		{"inverted log range", "GET", "/v1/log?since=1h&until=2h", "", 400, "swap them"},
		{"bad log order", "GET", "/v1/log?order=sideways", "", 400, "asc"},
		{"bad log limit", "GET", "/v1/log?limit=-3", "", 400, "limit"},
		{"bad notices after", "GET", "/v1/notices?after=x", "", 400, "after"},
		{"forbidden", "POST", "/v1/addins/contoso-crm/disable", `{"everyone":true}`, 403, "administrator"},
		{"disable ok", "POST", "/v1/addins/contoso-crm/disable", ``, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := rawRequest(t, addr, tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status = %d, want %d; body %s", status, tt.status, body)
			}
			if tt.errContains != "" {
				var eb ErrorBody
				if err := json.Unmarshal([]byte(body), &eb); err != nil {
					t.Fatalf("error body is not JSON: %q", body)
				}
				if !strings.Contains(eb.Error, tt.errContains) {
					t.Fatalf("error %q does not contain %q", eb.Error, tt.errContains)
				}
			}
		})
	}
}

func TestServerIdentifiesCallerFromSocket(t *testing.T) {
	c, _ := startServer(t, newFakeBackend())
	s, err := c.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !s.Caller.Known {
		t.Fatal("caller not identified over the Unix socket")
	}
	if s.Caller.PID != int32(os.Getpid()) {
		t.Errorf("caller pid = %d, want this process %d", s.Caller.PID, os.Getpid())
	}
	if want := fmt.Sprint(os.Getuid()); s.Caller.UID != want {
		t.Errorf("caller uid = %s, want %s", s.Caller.UID, want)
	}
	if s.Caller.Admin != (os.Getuid() == 0) {
		t.Errorf("caller admin = %v for uid %d", s.Caller.Admin, os.Getuid())
	}
}

func TestClientErrorsCarryStatusAndReason(t *testing.T) {
	c, _ := startServer(t, newFakeBackend())
	_, err := c.Addin(context.Background(), "missing")
	if StatusOf(err) != http.StatusNotFound || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("err = %v (status %d), want a 404 naming the add-in", err, StatusOf(err))
	}
}

func TestNoticeStreamDeliversNewNotices(t *testing.T) {
	b := newFakeBackend()
	b.addNotice("first")
	c, _ := startServer(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	errc := make(chan error, 1)
	go func() {
		errc <- c.FollowNotices(ctx, 0, func(n storage.Notice) error {
			got = append(got, n.Text)
			if n.Seq == 1 {
				b.addNotice("second")
			}
			if len(got) == 2 {
				return io.EOF
			}
			return nil
		})
	}()
	if err := <-errc; err != io.EOF {
		t.Fatalf("FollowNotices: %v", err)
	}
	if strings.Join(got, ",") != "first,second" {
		t.Fatalf("got %v, want first then second", got)
	}
}

func TestListenReplacesOnlyStaleSockets(t *testing.T) {
	dir, err := os.MkdirTemp("", "localapi")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	addr := filepath.Join(dir, "s.sock")
	tr := NewTransport(ListenOptions{})
	l, err := tr.Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if _, err := tr.Listen(addr); err == nil || !strings.Contains(err.Error(), "another daemon") {
		t.Fatalf("second Listen on a live socket: err = %v, want another daemon", err)
	}
	l.Close()
	if _, err := os.Stat(addr); err == nil {
		t.Fatalf("Close left the daemon's own socket behind")
	}
	leaveStaleSocket(t, addr) // as a killed daemon does
	l2, err := tr.Listen(addr)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	l2.Close()
	fi, err := os.Stat(addr)
	if err == nil && fi.Mode().Perm()&0o007 != 0 {
		t.Fatalf("socket mode %v is open to everyone", fi.Mode())
	}
}

// leaveStaleSocket leaves a socket at addr that nobody listens on.
func leaveStaleSocket(t *testing.T, addr string) {
	t.Helper()
	raw, err := net.Listen("unix", addr)
	if err != nil {
		t.Fatal(err)
	}
	raw.(*net.UnixListener).SetUnlinkOnClose(false)
	raw.Close()
	if _, err := os.Stat(addr); err != nil {
		t.Fatalf("stale socket file should remain: %v", err)
	}
}

func TestClientReportsUnreachableDaemon(t *testing.T) {
	c := NewClient(NewTransport(ListenOptions{}), filepath.Join(os.TempDir(), "no-such-addingovd.sock"))
	_, err := c.Status(context.Background())
	if !IsUnreachable(err) {
		t.Fatalf("err = %v, want unreachable", err)
	}
	if !strings.Contains(err.Error(), "addingovd run") {
		t.Fatalf("error %q does not say how to start the daemon", err)
	}
}

// Issue 12 item 13: Listen never removes what is not a socket: a file, a directory or a
// symbolic link at the socket's path is refused with a message and left as it was.
func TestIssue12_ListenRefusesWhatIsNotASocket(t *testing.T) {
	tests := []struct {
		name, want string
		make       func(t *testing.T, path string)
	}{
		{"regular file", "a regular file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty file", "a regular file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty directory", "a directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{"symbolic link", "a symbolic link", func(t *testing.T, path string) {
			target := path + ".target"
			if err := os.WriteFile(target, []byte("precious"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}},
		{"fifo", "a named pipe", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := os.MkdirTemp("", "localapi")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			addr := filepath.Join(dir, "s.sock")
			tt.make(t, addr)
			before, err := os.Lstat(addr)
			if err != nil {
				t.Fatal(err)
			}
			l, err := NewTransport(ListenOptions{}).Listen(addr)
			if err == nil {
				l.Close()
				t.Fatal("Listen replaced it")
			}
			if !strings.Contains(err.Error(), tt.want+", not a socket") || !strings.Contains(err.Error(), "--socket") {
				t.Errorf("error %q does not say it is %s and what to do", err, tt.want)
			}
			after, err := os.Lstat(addr)
			if err != nil || !os.SameFile(before, after) || after.Mode() != before.Mode() || after.Size() != before.Size() {
				t.Fatalf("%s was changed: before %v, after %v (%v)", addr, before.Mode(), after, err)
			}
		})
	}
}

// Issue 12 item 14: a socket whose listener does not accept (a stopped daemon with a
// full backlog: connect says EAGAIN) is live, not stale: Listen refuses and leaves it.
func TestIssue12_ListenLeavesALiveSocketWithFullBacklog(t *testing.T) {
	dir, err := os.MkdirTemp("", "localapi")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	addr := filepath.Join(dir, "s.sock")
	// Another program's listener, which takes no lock file and never accepts.
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: addr}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 1); err != nil {
		t.Fatal(err)
	}
	before, err := os.Lstat(addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = apitest.FillBacklog(t, addr)
	l, err := NewTransport(ListenOptions{}).Listen(addr)
	if err == nil {
		l.Close()
		t.Fatal("Listen took over a live socket whose backlog is full")
	}
	if !strings.Contains(err.Error(), "backlog is full") || !strings.Contains(err.Error(), "left in place") {
		t.Errorf("error %q does not say the socket is live and was left", err)
	}
	if after, err := os.Lstat(addr); err != nil || !os.SameFile(before, after) {
		t.Fatalf("the live socket was replaced or removed (%v)", err)
	}
}

// A notice stream that waits longer than WriteTimeout for its next notice stays open:
// only a burst of writes is bounded in time.
func TestNoticeStreamOutlivesWriteTimeout(t *testing.T) {
	b := newFakeBackend()
	dir, err := os.MkdirTemp("", "localapi")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	addr := filepath.Join(dir, "api.sock")
	l, err := NewTransport(ListenOptions{Mode: 0o600}).Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(b, zerolog.Nop())
	s.SetLimits(Limits{WriteTimeout: 50 * time.Millisecond})
	go s.Serve(l)
	defer s.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := make(chan string, 1)
	go NewClient(NewTransport(ListenOptions{}), addr).FollowNotices(ctx, 0, func(n storage.Notice) error {
		got <- n.Text
		return io.EOF
	})
	time.Sleep(300 * time.Millisecond) // six write timeouts with nothing to send
	b.addNotice("late")
	select {
	case text := <-got:
		if text != "late" {
			t.Fatalf("got %q", text)
		}
	case <-ctx.Done():
		t.Fatal("the stream was cut while it waited for a notice")
	}
}
