//go:build !windows

package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/governance"
	"addingov/localapi"
	"addingov/registrypolicy"
)

func regFile(cpu int, managed string) string {
	s := "Windows Registry Editor Version 5.00\r\n\r\n" +
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\AddinGov]\r\n" +
		fmt.Sprintf("\"CPUCorePercent\"=dword:%08x\r\n", cpu)
	if managed != "" {
		// Our own list governs web add-ins by id (Outlook's AddinList names COM ProgIDs).
		s += "\r\n[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\AddinGov\\ManagedAddins]\r\n" + managed + "\r\n"
	}
	return s
}

func cpuSetting(t *testing.T, c *localapi.Client) (float64, string) {
	t.Helper()
	raw, err := c.Policy(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Settings []struct {
			Name   string `json:"name"`
			Value  any    `json:"value"`
			Origin string `json:"origin"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Settings {
		if s.Name == "CPUCorePercent" {
			v, _ := s.Value.(float64)
			return v, s.Origin
		}
	}
	t.Fatal("no CPUCorePercent in the policy view")
	return 0, ""
}

// Editing the .reg file under a running daemon changes the effective policy without a
// restart, logs policy-changed with old → new, and blocks an add-in the new managed
// list blocks.
func TestPolicyFileEditReachesRunningDaemon(t *testing.T) {
	dir := tempDir(t)
	file := filepath.Join(dir, "policy.reg")
	if err := os.WriteFile(file, []byte(regFile(80, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	provider, err := registrypolicy.NewFileProvider(file, zerolog.Nop(), registrypolicy.WithDebounce(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{StateDir: dir, Address: filepath.Join(dir, "api.sock"), Policy: provider,
		Interval: 200 * time.Millisecond, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	c := d.Client()
	waitFor(t, 5*time.Second, "daemon", func() bool { _, err := c.Status(ctx); return err == nil })

	if v, origin := cpuSetting(t, c); v != 80 || !strings.Contains(origin, `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\AddinGov\CPUCorePercent`) {
		t.Fatalf("CPUCorePercent = %v from %q, want 80 from the file's HKLM value", v, origin)
	}
	idle := child(t, "idle")
	if _, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: "contoso", PID: int32(idle.Process.Pid)}); err != nil {
		t.Fatal(err)
	}

	// An editor's save: write a new file and rename it over the old one.
	tmp := file + ".new"
	if err := os.WriteFile(tmp, []byte(regFile(70, `"contoso"="0"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the new policy", func() bool { v, _ := cpuSetting(t, c); return v == 70 })

	var entry string
	waitFor(t, 5*time.Second, "policy-changed in the log", func() bool {
		page, err := c.Log(ctx, nil)
		if err != nil {
			return false
		}
		for _, e := range page.Entries {
			if e.Action == "policy-changed" {
				entry = e.Detail
				return true
			}
		}
		return false
	})
	if !strings.Contains(entry, "CPUCorePercent") || !strings.Contains(entry, "80") || !strings.Contains(entry, "70") {
		t.Errorf("policy-changed detail %q does not list CPUCorePercent 80 → 70", entry)
	}
	a, err := c.Addin(ctx, "contoso")
	if err != nil || a.State != "blocked" {
		t.Fatalf("contoso after the managed list blocked it: %+v, %v", a, err)
	}
	resp, err := c.StartActivation(ctx, localapi.ActivationRequest{AddinID: "contoso", PID: int32(idle.Process.Pid)})
	if err != nil || resp.MayActivate {
		t.Fatalf("activation of a blocked add-in = %+v, %v; want may_activate false", resp, err)
	}
	// The block's log entry and notice are stored just after policy-changed.
	waitFor(t, 5*time.Second, "the block notice", func() bool {
		ns, _ := c.Notices(ctx, 0, 10)
		return len(ns) == 1 && strings.Contains(ns[0].Text, "administrator")
	})
}

// blockingPolicy blocks id through the managed list.
func blockingPolicy(id string) governance.Policy {
	p := fastPolicy()
	p.Managed = map[string]governance.ManagedMode{id: governance.ManagedBlocked}
	return p
}

// An administrator may turn on an add-in that policy blocks; the override survives a
// restart, and a later disable ends it.
func TestAdministratorOverridesAPolicyBlock(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the override needs an administrator caller: run as root (CI does)")
	}
	dir := tempDir(t)
	ctx := context.Background()
	r := start(t, dir, blockingPolicy("contoso"))
	idle := child(t, "idle")
	pid := int32(idle.Process.Pid)
	if resp, err := r.client.StartActivation(ctx, localapi.ActivationRequest{AddinID: "contoso", PID: pid}); err != nil || resp.MayActivate {
		t.Fatalf("blocked add-in activation = %+v, %v; want refused", resp, err)
	}
	a, err := r.client.SetEnabled(ctx, "contoso", true, localapi.StateRequest{})
	if err != nil || a.State != "enabled" || !strings.Contains(a.Reason, "despite policy") {
		t.Fatalf("administrator's enable = %+v, %v; want enabled despite policy", a, err)
	}
	if resp, err := r.client.StartActivation(ctx, localapi.ActivationRequest{AddinID: "contoso", PID: pid}); err != nil || !resp.MayActivate {
		t.Fatalf("activation after the override = %+v, %v; want allowed", resp, err)
	}
	r.stop()

	r = start(t, dir, blockingPolicy("contoso"))
	if a, err := r.client.Addin(ctx, "contoso"); err != nil || a.State != "enabled" {
		t.Fatalf("after restart: %+v, %v; want the override kept", a, err)
	}
	if _, err := r.client.SetEnabled(ctx, "contoso", false, localapi.StateRequest{}); err != nil {
		t.Fatal(err)
	}
	if rec, err := r.d.DB().Addin("contoso"); err != nil || rec.PolicyOverride {
		t.Fatalf("after a disable: %+v, %v; want the override cleared", rec, err)
	}
	if a, err := r.client.Addin(ctx, "contoso"); err != nil || a.State != "blocked" {
		t.Fatalf("after a disable: %+v, %v; want policy's block back", a, err)
	}
	if _, err := r.client.SetEnabled(ctx, "contoso", true, localapi.StateRequest{}); err != nil {
		t.Fatal(err)
	}
	rec, err := r.d.DB().Addin("contoso")
	if err != nil || !rec.PolicyOverride {
		t.Fatalf("record = %+v, %v; want the override set again", rec, err)
	}
}
