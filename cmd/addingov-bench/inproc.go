package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"time"

	"github.com/rs/zerolog"

	"addingov/daemon"
	"addingov/localapi"
)

// inProcess is a real daemon (daemon.New and Run) serving the local API on a real
// socket in this process. Its log is formatted at info level, as addingovd's, and
// discarded.
type inProcess struct {
	d       *daemon.Daemon
	addr    string
	cancel  context.CancelFunc
	done    chan error
	startup time.Duration // daemon.New to Ready
}

func startDaemon(stateDir string) (*inProcess, error) {
	log := zerolog.New(io.Discard).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	policy, source, err := daemon.OpenPolicy("", log)
	if err != nil {
		return nil, err
	}
	addr := benchAddress(stateDir)
	ready := make(chan struct{})
	t0 := time.Now()
	d, err := daemon.New(daemon.Config{StateDir: stateDir, Address: addr, Policy: policy, PolicySource: source,
		Log: log, Version: "bench", Ready: func() { close(ready) }})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	ip := &inProcess{d: d, addr: addr, cancel: cancel, done: make(chan error, 1)}
	go func() { ip.done <- d.Run(ctx) }()
	select {
	case <-ready:
		ip.startup = time.Since(t0)
		return ip, nil
	case err := <-ip.done:
		cancel()
		if err == nil {
			err = errors.New("the daemon stopped before it was ready")
		}
		return nil, err
	case <-time.After(2 * time.Minute):
		cancel()
		return nil, errors.New("the daemon was not ready after 2 minutes")
	}
}

// client is a new client with its own connection: one per simulated host.
func (ip *inProcess) client() *localapi.Client {
	return localapi.NewClient(localapi.NewTransport(localapi.ListenOptions{}), ip.addr)
}

func (ip *inProcess) stop() error {
	ip.cancel()
	select {
	case err := <-ip.done:
		return err
	case <-time.After(30 * time.Second):
		return errors.New("the daemon did not stop within 30 s")
	}
}

// hosts are child processes (this binary's hidden host mode) that activations name as
// the add-in's process; they exit when their stdin closes.
type hosts struct {
	cmds   []*exec.Cmd
	closes []io.Closer
}

func startHosts(self string, n int) (*hosts, error) {
	h := &hosts{}
	for range n {
		cmd := exec.Command(self, "host")
		in, err := cmd.StdinPipe()
		if err != nil {
			h.stop()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			h.stop()
			return nil, fmt.Errorf("start a host process: %w", err)
		}
		h.cmds, h.closes = append(h.cmds, cmd), append(h.closes, in)
	}
	return h, nil
}

func (h *hosts) pid(i int) int32 { return int32(h.cmds[i%len(h.cmds)].Process.Pid) }

func (h *hosts) stop() {
	for _, c := range h.closes {
		c.Close()
	}
	for _, c := range h.cmds {
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
	}
}
