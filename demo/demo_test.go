//go:build !windows

package demo

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/governance"
	"addingov/localapi"
	"addingov/notify"
	"addingov/notify/notifytest"
	"addingov/registrypolicy"
)

func TestMain(m *testing.M) {
	if b := os.Getenv("ADDINGOV_DEMO_ADDIN"); b != "" {
		os.Exit(RunAddin(b))
	}
	os.Exit(m.Run())
}

func testCommand(behavior string) *exec.Cmd {
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), "ADDINGOV_DEMO_ADDIN="+behavior)
	return c
}

// policyFrom builds the demo's policy: small absolute memory limit, gate off, a CPU
// threshold for a busy machine, plus extra managed-list entries.
func policyFrom(t *testing.T, managed map[string]uint32) *registrypolicy.Provider {
	t.Helper()
	s := registrypolicy.NewMemoryStore()
	s.Set(registrypolicy.HKCU, registrypolicy.KeyAddinGov, registrypolicy.MemoryThresholdMB, registrypolicy.DWord(128))
	s.Set(registrypolicy.HKCU, registrypolicy.KeyAddinGov, registrypolicy.DeviceMemoryGatePercent, registrypolicy.DWord(0))
	// go test runs packages side by side on a shared machine: demo-cpu is sure to pass
	// 50% of a core, not 90%. `addingov demo` itself (run alone in CI) keeps 90%.
	s.Set(registrypolicy.HKCU, registrypolicy.KeyAddinGov, registrypolicy.CPUCorePercent, registrypolicy.DWord(50))
	for id, mode := range managed {
		s.Set(registrypolicy.HKLM, registrypolicy.KeyAddinGov+`\ManagedAddins`, id, registrypolicy.DWord(mode))
	}
	p, err := registrypolicy.NewProvider(func() (registrypolicy.Store, error) { return s, nil }, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, managed map[string]uint32) *Result {
	t.Helper()
	return runWith(t, context.Background(), managed, nil)
}

// runWith runs the demo; tune may set further options.
func runWith(t *testing.T, ctx context.Context, managed map[string]uint32, tune func(*Options)) *Result {
	t.Helper()
	var out bytes.Buffer
	opts := Options{
		Duration: 50 * time.Second,
		Interval: time.Second,
		JSON:     true,
		Policy:   policyFrom(t, managed),
		Command:  testCommand,
		Out:      &out,
		Err:      &out,
		Log:      zerolog.Nop(),
	}
	if tune != nil {
		tune(&opts)
	}
	res, err := Run(ctx, opts)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	t.Logf("demo output:\n%s", out.String())
	return res
}

func byID(res *Result) map[string]AddinResult {
	m := map[string]AddinResult{}
	for _, a := range res.Addins {
		m[a.ID] = a
	}
	return m
}

func TestDemoDisablesEachMisbehavingAddinForItsReason(t *testing.T) {
	res := run(t, nil)
	got := byID(res)
	for _, b := range Behaviors {
		a, ok := got[b.ID]
		if !ok {
			t.Errorf("%s missing from the result", b.ID)
			continue
		}
		wantState := "disabled"
		if b.Expect == "" {
			wantState = "enabled"
		}
		if a.State != wantState || a.Reason != b.Expect {
			t.Errorf("%s: state %s reason %q, want %s %q", b.ID, a.State, a.Reason, wantState, b.Expect)
		}
	}
	if len(res.Notices) != 4 {
		t.Errorf("%d notices, want one per disable (4)", len(res.Notices))
	}
	for _, e := range res.Log {
		if e.Action == "disable" && (len(e.Evidence) == 0 || e.Unit == "" || e.Threshold == 0) {
			t.Errorf("disable of %s lacks evidence, unit or threshold: %+v", e.AddinID, e)
		}
		// The demo host launched demo-crash, so the crash evidence has its real exit code.
		if e.Action == "disable" && e.AddinID == "demo-crash" {
			for _, ev := range e.Evidence {
				if !strings.Contains(ev.Detail, "exited with code 3 ") {
					t.Errorf("crash evidence %q, want the exit code 3 the demo add-in exits with", ev.Detail)
				}
			}
		}
	}
	if !assertNoChildren(t) {
		t.Error("demo add-in processes are still running after the demo")
	}
}

// With demo-cpu always enabled by policy, its CPU violation is logged as exempt and it
// stays enabled.
func TestDemoAlwaysEnabledAddinIsExempt(t *testing.T) {
	res := run(t, map[string]uint32{"demo-cpu": uint32(governance.ManagedAlwaysEnabled)})
	got := byID(res)
	if a := got["demo-cpu"]; a.State != "enabled" || a.Reason != "cpu" {
		t.Fatalf("demo-cpu = %+v, want enabled with an exempt cpu violation", a)
	}
	var exempt bool
	for _, e := range res.Log {
		if e.AddinID == "demo-cpu" {
			if e.Action == "disable" {
				t.Fatalf("demo-cpu was disabled despite policy: %+v", e)
			}
			exempt = exempt || (e.Action == "exempt" && e.Reason == "cpu")
		}
	}
	if !exempt {
		t.Fatal("no exempt cpu entry for demo-cpu in the log")
	}
}

// assertNoChildren reports whether no process of this test binary runs as a demo
// add-in any more.
func assertNoChildren(t *testing.T) bool {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, e := range entries {
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err == nil && bytes.Contains(env, []byte("ADDINGOV_DEMO_ADDIN=")) && e.Name() != "self" {
			stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
			if !strings.Contains(string(stat), ") Z ") {
				return false
			}
		}
	}
	return true
}

// agentOnce runs `addingov agent --once` against addr with the state file at statePath
// and returns the sequence numbers it showed.
func agentOnce(t *testing.T, addr, statePath string) []uint64 {
	t.Helper()
	state, err := notify.LoadState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	rec := notifytest.NewRecorder()
	c := localapi.NewClient(localapi.NewTransport(localapi.ListenOptions{}), addr)
	a, err := notify.NewAgent(notify.Options{
		Connect:  func(context.Context) (notify.Source, string, error) { return c, addr, nil },
		Notifier: rec,
		State:    state,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Once(context.Background()); err != nil {
		t.Fatalf("agent: %v", err)
	}
	return rec.Seqs()
}

// The agent shows the demo's notices once each, also after it is restarted.
func TestAgentShowsTheDemosNoticesOnce(t *testing.T) {
	dir := t.TempDir()
	addr := filepath.Join(dir, "demo.sock")
	statePath := filepath.Join(dir, "agent.seq")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var first, second []uint64
	var notices int
	runWith(t, ctx, nil, func(o *Options) {
		o.Address, o.Linger = addr, true
		o.Lingering = func(res *Result, address string) {
			defer cancel()
			notices = len(res.Notices)
			first = agentOnce(t, address, statePath)
			second = agentOnce(t, address, statePath) // a restarted agent
		}
	})
	if notices != 4 || len(first) != notices {
		t.Fatalf("the agent showed %v of the demo's %d notices, want all 4", first, notices)
	}
	if len(second) != 0 {
		t.Fatalf("after a restart the agent showed %v again, want nothing", second)
	}
}
