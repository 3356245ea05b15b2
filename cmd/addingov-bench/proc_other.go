//go:build !linux

package main

import (
	"context"
	"fmt"
	"runtime"
)

// The sampler and daemon-cost figures read /proc: on other systems they are listed as
// not available.

var samplerSizes = []int{10, 100, 500}

func notOnThisOS() string {
	return fmt.Sprintf("reads /proc, which %s does not have: run the bench on Linux", runtime.GOOS)
}

func samplerRows(context.Context, *env) ([]Row, error) {
	var rows []Row
	for _, n := range samplerSizes {
		rows = append(rows,
			skippedRow(fmt.Sprintf("sampler per governed process per tick, %d processes", n), ratioAtMost("<= 2x floor", 2), "µs", notOnThisOS()),
			skippedRow(fmt.Sprintf("naive full scan per governed process, %d processes", n), ratioAtLeast(">= 3x sampler", 3), "µs", notOnThisOS()))
	}
	return rows, nil
}

func daemonCostRows(context.Context, *env) ([]Row, error) {
	return []Row{
		skippedRow("daemon CPU, 100 add-ins sampled every 5 s", atMost("<= 0.5 % (keep ~0.31 %)", 0.5), "%", notOnThisOS()),
		skippedRow("daemon RSS, 100 add-ins", atMost("<= 30 MB (keep ~16 MB)", 30), "MB", notOnThisOS()),
	}, nil
}
