package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// benchAddress is the pipe a bench daemon serves (one per state directory).
func benchAddress(dir string) string {
	return fmt.Sprintf(`\\.\pipe\addingov-bench-%d-%s`, os.Getpid(), filepath.Base(dir))
}
