package cli

import (
	"os/exec"
	"syscall"
)

// setChildAttrs makes a demo add-in die with the demo, even if the demo is killed.
func setChildAttrs(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
