//go:build !linux

package cli

import "os/exec"

// setChildAttrs: only Linux has a parent-death signal; elsewhere the demo kills its
// children on every exit path it controls.
func setChildAttrs(*exec.Cmd) {}
