// Package daemontest runs a real addingov daemon for tests in other packages: a
// temporary state directory, a real Unix socket (or pipe), an optional .reg policy, and
// the catalog's endpoints as addingovd serves them.
package daemontest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/catalog"
	"addingov/daemon"
	"addingov/localapi"
	"addingov/registrypolicy"
)

// Options configure a test daemon.
type Options struct {
	// PolicyText is the body of the .reg file (after its header) the daemon governs
	// with; the file is watched like addingovd's --policy-file. Empty: the defaults.
	PolicyText string
	// Listen sets the socket's mode and group (default 0600, the test's own group).
	Listen localapi.ListenOptions
	// Interval overrides the sampling interval (0: the policy's).
	Interval time.Duration
}

// Daemon is a running test daemon.
type Daemon struct {
	*daemon.Daemon
	Client     *localapi.Client
	Dir        string // holds the state directory, the socket and the policy file
	Address    string
	PolicyFile string // the .reg policy file; rewrite it to change the policy

	t    testing.TB
	opts Options
	stop context.CancelFunc
	done chan error
}

// Start runs a daemon until the test ends.
func Start(t testing.TB, opts Options) *Daemon {
	t.Helper()
	// A short directory name: Unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "agd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &Daemon{t: t, opts: opts, Dir: dir, Address: filepath.Join(dir, "d.sock"), PolicyFile: filepath.Join(dir, "policy.reg")}
	d.WritePolicy(opts.PolicyText)
	d.start()
	t.Cleanup(d.Stop)
	return d
}

func (d *Daemon) start() {
	t := d.t
	t.Helper()
	prov, err := registrypolicy.NewFileProvider(d.PolicyFile, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	listen := d.opts.Listen
	if listen.Mode == 0 {
		listen.Mode = 0o600
	}
	dd, err := daemon.New(daemon.Config{
		StateDir: filepath.Join(d.Dir, "state"),
		Address:  d.Address,
		Listen:   listen,
		Interval: d.opts.Interval,
		Policy:   prov,
		Log:      zerolog.Nop(),
		Version:  "test",
	})
	if err != nil {
		t.Fatalf("start daemon: %v", err)
	}
	dd.AddExtension(catalog.New(dd.DB(), dd.PolicyFor, dd, zerolog.Nop()).Extension())
	ctx, cancel := context.WithCancel(context.Background())
	d.Daemon, d.stop, d.done = dd, cancel, make(chan error, 1)
	go func() { d.done <- dd.Run(ctx) }()
	d.Client = dd.Client()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := d.Client.Status(context.Background())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the daemon (a no-op when it is stopped).
func (d *Daemon) Stop() {
	if d.stop == nil {
		return
	}
	d.stop()
	if err := <-d.done; err != nil {
		d.t.Errorf("daemon: %v", err)
	}
	d.stop = nil
}

// Restart stops the daemon and starts a new one on the same state, socket and policy.
func (d *Daemon) Restart() {
	d.t.Helper()
	d.Stop()
	d.start()
}

// WritePolicy replaces the policy file's body (after its header); a running daemon
// picks the change up as addingovd does.
func (d *Daemon) WritePolicy(body string) {
	d.t.Helper()
	if err := os.WriteFile(d.PolicyFile, []byte("Windows Registry Editor Version 5.00\r\n\r\n"+body), 0o600); err != nil {
		d.t.Fatal(err)
	}
}
