//go:build !windows

package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"addingov/daemon/daemontest"
	"addingov/demo"
	"addingov/localapi"
)

// TestMain lets the test binary be the demo's synthetic add-in processes: the demo
// launches os.Executable() as "demo-addin BEHAVIOR".
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "demo-addin" {
		os.Exit(demo.RunAddin(os.Args[2]))
	}
	os.Exit(m.Run())
}

// Issue 12, item 17: a demo that misses an expected outcome exits non-zero with the
// reason on stderr. One second is too short for any misbehaving add-in to be turned
// off (the CPU and memory rules need three 1 s samples), so every one is missed.
func TestIssue12_DemoFailsWhenAnOutcomeIsMissed(t *testing.T) {
	r := runCLI(t, "", "demo", "--duration", "1s", "--json")
	if r.code != ExitError {
		t.Fatalf("demo that turned nothing off exited %d, want %d\nstderr: %s", r.code, ExitError, r.stderr)
	}
	for _, want := range []string{"did not show", "demo-cpu should have been disabled for cpu", "demo-slow should have been disabled for activation", "--duration"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	var res struct {
		Missed []string `json:"missed"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout is not the demo's JSON: %v\n%s", err, r.stdout)
	}
	if len(res.Missed) < 4 {
		t.Errorf("missed = %q, want the four misbehaving add-ins", res.Missed)
	}
}

// Issue 12, item 4 (printing): names and reasons a host or user supplied are printed
// with terminal escapes and bidirectional overrides escaped, in every table.
func TestIssue12_IDAlphabetEscapesPrintedText(t *testing.T) {
	d := daemontest.Start(t, daemontest.Options{})
	ctx := context.Background()
	var act localapi.ActivationResponse
	if err := d.Client.Do(ctx, http.MethodPost, "/v1/activations",
		localapi.ActivationRequest{AddinID: "evil-name", PID: int32(os.Getpid()), Name: "Evil\u202Eexe.txt"}, &act); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "", "--socket", d.Address, "disable", "evil-name", "--reason", "\x1b[2Jwiped\u202Eok"); r.code != ExitOK {
		t.Fatalf("disable: exit %d: %s", r.code, r.stderr)
	}
	for _, args := range [][]string{{"addins"}, {"addins", "show", "evil-name"}, {"log"}} {
		r := runCLI(t, "", append([]string{"--socket", d.Address}, args...)...)
		if r.code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		if strings.ContainsAny(r.stdout, "\x1b\u202E") {
			t.Errorf("%v printed a raw terminal escape or bidi override:\n%q", args, r.stdout)
		}
		if !strings.Contains(r.stdout, `\u202e`) {
			t.Errorf("%v does not show the escaped override \\u202e:\n%s", args, r.stdout)
		}
	}
}
