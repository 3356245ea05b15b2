package demo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"

	"addingov/localapi"
)

// host plays an Office-like host for one synthetic add-in: it launches the add-in's
// process, reports the activation to the daemon, restarts it after a crash (as hosts
// do), and unloads it once the daemon turns it off.
type host struct {
	id, name, behavior string
	client             *localapi.Client
	command            func(behavior string) *exec.Cmd
	progress           func(format string, args ...any)
	exits              *exitBook // where the add-in processes' exit codes go

	mu    sync.Mutex
	procs map[*exec.Cmd]struct{}
}

// errStopped means the daemon refused the activation: the add-in is off.
var errStopped = errors.New("add-in turned off")

func (h *host) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := h.activateOnce(ctx)
		if errors.Is(err, errStopped) || ctx.Err() != nil {
			return
		}
		if err != nil {
			h.progress("%s: %v", h.id, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond): // a host waits a moment before restarting an add-in
		}
	}
}

// activateOnce runs one activation of the add-in from launch to exit.
func (h *host) activateOnce(ctx context.Context) error {
	cmd := h.command(h.behavior)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("launch: %w", err)
	}
	h.track(cmd, true)
	exited := make(chan error, 1)
	readyc := make(chan struct{}, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				select {
				case readyc <- struct{}{}:
				default: // already signalled
				}
			}
		}
		// Wait only after the output is read to its end, as os/exec requires.
		err := cmd.Wait()
		h.exits.record(cmd.Process.Pid, cmd.ProcessState)
		exited <- err
		h.track(cmd, false)
	}()
	defer h.kill(cmd)

	resp, err := h.client.StartActivation(ctx, localapi.ActivationRequest{AddinID: h.id, PID: int32(cmd.Process.Pid), Name: h.name})
	if err != nil {
		return fmt.Errorf("register activation: %w", err)
	}
	if !resp.MayActivate {
		h.progress("%s may not activate: %s", h.id, resp.Reason)
		return errStopped
	}
	select {
	case <-readyc:
		if _, err := h.client.ActivationEvent(ctx, resp.ActivationID, "ready", ""); err != nil {
			return fmt.Errorf("report ready: %w", err)
		}
	case err := <-exited:
		return fmt.Errorf("exited before it was ready: %v", err)
	case <-ctx.Done():
		return nil
	}

	switch h.behavior {
	case "slow":
		// The host shows the add-in, the user closes it: a normal end, not a crash.
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
		_, err := h.client.ActivationEvent(ctx, resp.ActivationID, "end", "")
		return err
	default:
		// Keep the add-in running until it exits on its own (a crash) or the daemon
		// turns it off (the host then unloads it).
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-exited:
				return nil // the daemon's sampler sees the exit and counts a crash
			case <-tick.C:
				a, err := h.client.Addin(ctx, h.id)
				if err == nil && a.State != "enabled" {
					h.progress("%s is %s: the host unloads it", h.id, a.State)
					return errStopped
				}
			}
		}
	}
}

func (h *host) track(cmd *exec.Cmd, add bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if add {
		h.procs[cmd] = struct{}{}
	} else {
		delete(h.procs, cmd)
	}
}

func (h *host) kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

// killAll kills every process this host still has.
func (h *host) killAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.procs {
		h.kill(cmd)
	}
}
