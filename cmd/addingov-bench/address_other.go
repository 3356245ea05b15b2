//go:build !windows

package main

import "path/filepath"

// benchAddress is the socket a bench daemon serves in dir.
func benchAddress(dir string) string { return filepath.Join(dir, "api.sock") }
