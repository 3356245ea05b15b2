//go:build !linux

package main

import "runtime"

func cpuModel() string { return "" }

func kernelRelease() string { return runtime.GOOS }
