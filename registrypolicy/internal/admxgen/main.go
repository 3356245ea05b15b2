// Command admxgen writes addingov's Group Policy templates (AddinGov.admx and
// en-US/AddinGov.adml) from registrypolicy's definition table, so the templates can
// never drift from what addingov reads. Run it through `go generate ./registrypolicy`.
//
//	go run ./registrypolicy/internal/admxgen -out packaging/admx
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"addingov/registrypolicy"
)

func main() {
	out := flag.String("out", "packaging/admx", "folder to write AddinGov.admx and en-US/AddinGov.adml into")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "admxgen:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	admx, adml := Render(registrypolicy.Settings())
	if err := os.MkdirAll(filepath.Join(dir, "en-US"), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ADMXName), admx, 0o644); err != nil {
		return fmt.Errorf("write ADMX: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ADMLName), adml, 0o644); err != nil {
		return fmt.Errorf("write ADML: %w", err)
	}
	return nil
}
