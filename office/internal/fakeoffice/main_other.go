//go:build !windows

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "fakeoffice: stands in for Office in the Windows end-to-end test; build it for Windows")
	os.Exit(2)
}
