package monitor_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"addingov/monitor"
	"addingov/monitor/monitortest"
)

// A restarted daemon's sampler re-binds the stored processes that still run and refuses
// those that exited or whose pid was reused.
func TestRebind(t *testing.T) {
	src := monitortest.NewFakeSource()
	src.Start(monitortest.Process{PID: 10, CreateTime: 1000})
	src.Start(monitortest.Process{PID: 11, CreateTime: 2000})
	before := monitor.NewSampler(src, monitor.SamplerOptions{})
	for _, b := range []struct {
		id  string
		pid int32
	}{{"a", 10}, {"b", 11}} {
		if err := before.Bind(b.id, b.pid); err != nil {
			t.Fatal(err)
		}
	}
	stored := before.Roots()
	want := []monitor.Root{{AddinID: "a", PID: 10, CreateTime: 1000}, {AddinID: "b", PID: 11, CreateTime: 2000}}
	if !reflect.DeepEqual(stored, want) {
		t.Fatalf("Roots = %+v, want %+v", stored, want)
	}
	stored = append(stored, monitor.Root{AddinID: "c", PID: 12, CreateTime: 3000})
	// While the daemon was down: b's pid was reused by a new process, c's process exited.
	src.Start(monitortest.Process{PID: 11, CreateTime: 2500})

	after := monitor.NewSampler(src, monitor.SamplerOptions{})
	for _, r := range stored {
		err := after.Rebind(r)
		if wantOK := r.AddinID == "a"; (err == nil) != wantOK {
			t.Errorf("Rebind(%+v) = %v, want ok=%v", r, err, wantOK)
		}
		if err != nil && !errors.Is(err, monitor.ErrNoProcess) {
			t.Errorf("Rebind(%+v) = %v, want ErrNoProcess", r, err)
		}
	}
	if got := after.Roots(); !reflect.DeepEqual(got, want[:1]) {
		t.Fatalf("after re-binding: %+v, want only a", got)
	}
	// The re-bound process is sampled: its CPU counts from the next tick on.
	now := time.Unix(100, 0)
	after.Tick(now)
	src.AddCPU(10, time.Second)
	res := after.Tick(now.Add(time.Second))
	if len(res.Samples) != 1 || res.Samples[0].AddinID != "a" || res.Samples[0].CPUPercent < 99 {
		t.Fatalf("samples after re-binding: %+v", res.Samples)
	}
}

// A resumed ready activation keeps its id, accepts the host's end report, and turns an
// exit of its process into a crash; a started one is not resumed.
func TestTrackerResume(t *testing.T) {
	old := monitor.NewTracker(time.Now)
	id := old.Start("a", 10)
	if _, err := old.Ready(id); err != nil {
		t.Fatal(err)
	}
	old.Start("b", 11) // no ready report
	live := old.LiveActivations()
	if len(live) != 2 || live[0].ID != id || !live[0].Ready || live[1].Ready {
		t.Fatalf("LiveActivations = %+v", live)
	}

	tr := monitor.NewTracker(time.Now)
	if err := tr.Resume(live[1]); err == nil {
		t.Error("a started activation was resumed")
	}
	if err := tr.Resume(live[0]); err != nil {
		t.Fatal(err)
	}
	if err := tr.Resume(live[0]); err == nil {
		t.Error("the same activation was resumed twice")
	}
	if got, ok := tr.Live("a", 10); !ok || got != id {
		t.Fatalf("Live(a, 10) = %q, %v; want %q", got, ok, id)
	}
	crashes := tr.Crashes([]monitor.Exit{{AddinID: "a", PID: 10, Time: time.Now(), ExitCode: 3}})
	if len(crashes) != 1 || crashes[0].AddinID != "a" || crashes[0].ExitCode != 3 {
		t.Fatalf("crashes = %+v, want one of a with exit code 3", crashes)
	}
}
