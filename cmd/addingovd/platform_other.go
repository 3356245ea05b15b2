//go:build !windows

package main

import (
	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/spf13/cobra"
)

// platformCommands: Linux has no service-manager commands; systemd runs `addingovd run`.
func platformCommands() []*cobra.Command { return nil }

// notifyReady tells systemd (Type=notify) that the API is listening.
func notifyReady() { _, _ = daemon.SdNotify(false, daemon.SdNotifyReady) }
