//go:build !windows

package main

import (
	"errors"
	"os"
)

// checkAdmin refuses to run as an ordinary user: the daemon holds one to 32 connections
// and to 30 stored changes at once, then 10 a minute (administrators are not limited),
// which the 64-client figures exceed at once.
func checkAdmin() error {
	if os.Geteuid() == 0 {
		return nil
	}
	return errors.New("run the bench as root: the daemon limits an ordinary user to 32 connections and 30 changes (then 10 a minute), and the bench's 64 clients exceed that at once; root is not limited")
}
