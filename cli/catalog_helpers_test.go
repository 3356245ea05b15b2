package cli

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"addingov/daemon/daemontest"
	"addingov/localapi"
)

// catalogCorpusDir holds the shared real manifests, relative to this package.
const catalogCorpusDir = "../../shared/corpus/manifests"

// corpusManifest returns the path of a corpus manifest, skipping the test when the
// corpus is absent.
func corpusManifest(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(catalogCorpusDir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared corpus not present at %s", catalogCorpusDir)
	}
	return p
}

// regFile writes a .reg policy file and returns its path.
func regFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.reg")
	if err := os.WriteFile(p, []byte("Windows Registry Editor Version 5.00\r\n\r\n"+body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// catalogDaemon runs a real daemon with the catalog's endpoints, governing with the
// .reg policy text, and returns its socket and a client.
func catalogDaemon(t *testing.T, policyText string) (string, *localapi.Client) {
	t.Helper()
	d := daemontest.Start(t, daemontest.Options{PolicyText: policyText})
	return d.Address, d.Client
}

// cliRun is the outcome of one CLI run.
type cliRun struct {
	code           int
	stdout, stderr string
}

// runCLI runs the CLI in-process with args, stdin fed from a pipe holding input (so
// it is never a terminal), and captures its exit code and output. It swaps the
// process's standard files, so tests using it must not run in parallel.
func runCLI(t *testing.T, input string, args ...string) cliRun {
	t.Helper()
	dir := t.TempDir()
	outF, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	errF, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		inW.WriteString(input)
		inW.Close()
	}()
	oldOut, oldErr, oldIn := os.Stdout, os.Stderr, os.Stdin
	os.Stdout, os.Stderr, os.Stdin = outF, errF, inR
	code := Main(args)
	os.Stdout, os.Stderr, os.Stdin = oldOut, oldErr, oldIn
	inR.Close()
	outF.Close()
	errF.Close()
	stdout, _ := os.ReadFile(outF.Name())
	stderr, _ := os.ReadFile(errF.Name())
	return cliRun{code: code, stdout: string(stdout), stderr: string(stderr)}
}

// installed reports whether the daemon has the add-in.
func installed(t *testing.T, c *localapi.Client, id string) bool {
	t.Helper()
	err := c.Do(context.Background(), http.MethodGet, "/v1/permissions/"+id, nil, nil)
	if err == nil {
		return true
	}
	if localapi.StatusOf(err) == http.StatusNotFound {
		return false
	}
	t.Fatalf("ask the daemon about %s: %v", id, err)
	return false
}
