package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/governance"
	"addingov/localapi"
	"addingov/office"
	"addingov/registrypolicy"
	"addingov/storage"
)

// chanEvents is an office.EventSource fed by the test: it stands in for the Windows
// Event Log (Wine's wevtapi cannot deliver events), carrying Outlook's real event-45
// text.
type chanEvents chan office.Event

func (c chanEvents) Run(ctx context.Context, deliver func(office.Event)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-c:
			deliver(ev)
		}
	}
}

// officeRunning is a daemon governing Office's add-ins, for these tests (which also
// run under Wine, without the Unix-only helpers of daemon_test.go).
type officeRunning struct {
	d      *Daemon
	client *localapi.Client
	stop   func()
}

// officeTempDir is a state directory; cleanup is best effort (os.RemoveAll fails under
// Wine, see DESIGN.md).
func officeTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "addingovd-office")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// officeWaitFor polls cond until it holds or d passes.
func officeWaitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// officePolicyProvider is a fixed policy with Office's lists.
type officePolicyProvider struct{ e *registrypolicy.Effective }

func (p officePolicyProvider) Policy() governance.Policy            { return p.e.Policy }
func (p officePolicyProvider) Effective() *registrypolicy.Effective { return p.e }
func (p officePolicyProvider) Lookup(string) (*registrypolicy.Effective, bool) {
	return p.e, false
}
func (p officePolicyProvider) Users() []string { return nil }
func (p officePolicyProvider) Watch(ctx context.Context, _ func(old, new *registrypolicy.Effective, changes []registrypolicy.Change)) error {
	<-ctx.Done()
	return nil
}

// startOffice runs a daemon governing Office's add-ins in reg, restarting on the same
// state directory when called again with it.
func startOffice(t *testing.T, dir string, reg office.Registry, events chanEvents, e *registrypolicy.Effective) *officeRunning {
	t.Helper()
	d, err := New(Config{
		StateDir: dir, Listen: localapi.ListenOptions{Mode: 0o600}, Address: officeAddress(dir),
		Policy: officePolicyProvider{e}, Log: zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	d.EnableOffice(OfficeConfig{Registry: reg, Events: events, Rescan: 50 * time.Millisecond,
		HostRunning: func(app string) bool { return app == "Outlook" }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	r := &officeRunning{d: d, client: d.Client()}
	stopped := false
	r.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("daemon Run: %v", err)
			}
		}
	}
	t.Cleanup(r.stop)
	officeWaitFor(t, 10*time.Second, "the API and the first Office scan", func() bool {
		as, err := r.client.Addins(context.Background())
		return err == nil && len(as) > 0
	})
	return r
}

// event45 is Outlook's event-45 text for one add-in, in the layout of Microsoft
// support's example ("Outlook application event log entries for add-in load time").
func event45(name, progID, dll string, ms int) string {
	return fmt.Sprintf("Outlook loaded the following add-in(s):\r\n\r\nName: %s\r\nDescription: %s\r\nProgID: %s\r\nGUID: {AA9CDF1C-A41E-43C4-81C8-7330D6A5322E}\r\nLoad Behavior: 3\r\nHKLM: 0\r\nLocation: %s\r\nBoot Time (Milliseconds): %d\r\n",
		name, name, progID, dll, ms)
}

// officeScenario is the end-to-end proof over any registry: a slow COM add-in struck
// by Outlook's rule ends with its HKCU LoadBehavior "not loaded", a log entry with the
// load times as evidence and a notice; enable restores the exact previous value after
// a restart; an add-in in DoNotDisableAddinList stays loaded with an exempt entry.
// regValue reads a DWORD back from the registry the way an administrator would.
func officeScenario(t *testing.T, reg office.Registry, regValue func(key, name string) (uint64, bool)) {
	const (
		slowID  = "office:Outlook:KeepOutlookRunningCOMAddin.Connect"
		slowKey = `HKCU\Software\Microsoft\Office\Outlook\Addins\KeepOutlookRunningCOMAddin.Connect`
		keepID  = "office:Outlook:FlexConfirmMail"
		keepKey = `HKCU\Software\Microsoft\Office\Outlook\Addins\FlexConfirmMail`
	)
	dir := officeTempDir(t)
	events := make(chanEvents)
	pol := registrypolicy.Evaluate(registrypolicy.NewMemoryStore())
	r := startOffice(t, dir, reg, events, pol)
	ctx := context.Background()

	for i := 0; i < 5; i++ {
		events <- office.Event{Provider: "Outlook", ID: 45, RecordID: uint64(100 + i), Time: time.Now(), Live: true,
			Text: event45("Keep Outlook Running COM Addin", "KeepOutlookRunningCOMAddin.Connect", `C:\KeepOutlookRunning.dll`, 1500+100*i) +
				"\r\n" + strings.TrimPrefix(event45("FlexConfirmMail", "FlexConfirmMail", `C:\Program Files\FlexConfirmMail\FlexConfirmMail.dll`, 4000), "Outlook loaded the following add-in(s):\r\n")}
	}
	officeWaitFor(t, 10*time.Second, "the slow add-in disabled", func() bool {
		a, err := r.client.Addin(ctx, slowID)
		return err == nil && a.State == string(governance.StateDisabled)
	})
	if v, ok := regValue(slowKey, "LoadBehavior"); !ok || v != 2 {
		t.Fatalf("HKCU LoadBehavior after the disable = %d (present %v), want 2", v, ok)
	}
	entries, _, err := r.d.db.Log(storage.LogQuery{AddinID: slowID, Action: storage.ActionDisable})
	if err != nil || len(entries) != 1 || len(entries[0].Evidence) != 5 || entries[0].Reason != string(governance.MetricActivation) {
		t.Fatalf("disable log = %+v, %v; want one activation entry with the 5 load times", entries, err)
	}
	if entries[0].Value != 1700 {
		t.Errorf("median = %v ms, want 1700", entries[0].Value)
	}
	notices, _ := r.d.db.Notices(0, 0)
	found := false
	for _, n := range notices {
		found = found || (n.AddinID == slowID && strings.Contains(n.Text, "takes effect when Outlook restarts"))
	}
	if !found {
		t.Errorf("no notice saying when the disable takes effect: %+v", notices)
	}
	// DoNotDisableAddinList: exempt, LoadBehavior untouched.
	a, err := r.client.Addin(ctx, keepID)
	if err != nil || a.State != string(governance.StateEnabled) {
		t.Fatalf("FlexConfirmMail = %+v, %v; want enabled", a, err)
	}
	if ex, _, _ := r.d.db.Log(storage.LogQuery{AddinID: keepID, Action: storage.ActionExempt}); len(ex) != 1 {
		t.Errorf("exempt entries of FlexConfirmMail = %+v, want 1", ex)
	}
	if _, ok := regValue(keepKey, "LoadBehavior"); ok {
		t.Error("a user LoadBehavior was written for an add-in in DoNotDisableAddinList")
	}

	// Restart, then enable: the exact previous value comes back.
	r.stop()
	r = startOffice(t, dir, reg, events, pol)
	if _, err := r.client.SetEnabled(ctx, slowID, true, localapi.StateRequest{}); err != nil {
		t.Fatal(err)
	}
	if v, ok := regValue(slowKey, "LoadBehavior"); !ok || v != 3 {
		t.Fatalf("HKCU LoadBehavior after enable = %d (present %v), want 3", v, ok)
	}
	officeWaitFor(t, 10*time.Second, "the inventory to show LoadBehavior 3 again", func() bool {
		a, err := r.client.Addin(ctx, slowID)
		return err == nil && a.LoadBehavior != nil && *a.LoadBehavior == 3
	})
	a, err = r.client.Addin(ctx, slowID)
	if err != nil || a.Kind != "com" || a.Host != "Outlook" || a.State != string(governance.StateEnabled) {
		t.Errorf("listed as %+v, %v", a, err)
	}
}

// restrictScenario: the corpus installed, one sideloaded web add-in, and Outlook's
// policy written the way the ADML says (office/testdata/restrict-to-one.reg:
// restricttolist=1, policyon=1, one COM ProgID=1) blocks only the other Outlook COM
// and VSTO add-ins: not the listed one, not Excel's, and no web add-in. The policy view
// shows what each entry matched.
func restrictScenario(t *testing.T, reg office.Registry) {
	store, err := registrypolicy.LoadRegFile("../office/testdata/restrict-to-one.reg")
	if err != nil {
		t.Fatal(err)
	}
	pol := registrypolicy.Evaluate(store)
	r := startOffice(t, officeTempDir(t), reg, make(chanEvents), pol)
	ctx := context.Background()
	want := map[string]governance.State{
		"office:Outlook:KeepOutlookRunningCOMAddin.Connect": governance.StateEnabled,
		"office:Outlook:FlexConfirmMail":                    governance.StateBlocked,
		"office:Outlook:OutlookCloseToMinimize":             governance.StateBlocked,
		"office:Excel:Microsoft.Research.Wwt.Excel.Addin":   governance.StateEnabled,
		"office:Excel:VstoAddinInstallerSample":             governance.StateEnabled,
		"{6E0A4D4B-4A8E-4C65-A8E4-3A9A2B1F0C11}":            governance.StateEnabled, // the sideloaded web add-in
	}
	for id, st := range want {
		a, err := r.client.Addin(ctx, id)
		if err != nil || a.State != string(st) {
			t.Errorf("%s = %q (%v), want %s", id, a.State, err, st)
		}
	}
	raw, err := r.client.Policy(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var v registrypolicy.View
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if !v.Office.RestrictToList || !v.Office.Matched || len(v.Office.Entries) != 1 ||
		len(v.Office.Entries[0].Matches) != 1 || v.Office.Entries[0].Matches[0] != "office:Outlook:KeepOutlookRunningCOMAddin.Connect" {
		t.Errorf("policy view's Office lists = %+v", v.Office)
	}
}

// officeAddress is the API address of a test daemon on dir: a socket in it, or on
// Windows a pipe named after it.
func officeAddress(dir string) string {
	if runtime.GOOS == "windows" {
		return `\\.\pipe\addingov-test-` + filepath.Base(dir)
	}
	return filepath.Join(dir, "api.sock")
}
