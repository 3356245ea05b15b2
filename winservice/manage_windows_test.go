//go:build windows

package winservice

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc"
)

// TestServiceLifecycle installs this test binary as a real service through the SCM,
// starts it, stops it and removes it, twice over for each step that must be idempotent.
// It needs an administrator (Windows) or Wine, whose SCM admits everyone.
func TestServiceLifecycle(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "winservice")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir) // best effort: Wine's RemoveAll fails
	marker := filepath.Join(dir, "stopped")
	name := fmt.Sprintf("AddinGovTest%d", os.Getpid())
	spec := Spec{
		Name:        name,
		DisplayName: "AddinGov test service",
		Description: "Installed by the winservice tests; safe to delete.",
		Exe:         exe,
		Args:        []string{"-test.run=^TestHelperService$", "--", "helper-service", name, marker},
		EventSource: name,
	}
	// Whatever happens, leave no service behind.
	defer Uninstall(name, name, 30*time.Second)

	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	state := func(want svc.State) {
		t.Helper()
		st, err := Query(name)
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		if st.State != want {
			t.Fatalf("service is %s, want %s", StateName(st.State), StateName(want))
		}
	}

	created, err := Install(spec)
	step("install", err)
	if !created {
		t.Error("first install did not create the service")
	}
	created, err = Install(spec)
	step("install again", err)
	if created {
		t.Error("second install created the service again")
	}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, eventSourceKey+`\`+name, registry.QUERY_VALUE)
	step("open the Event Log source key", err)
	msgFile, _, err := k.GetStringValue("EventMessageFile")
	k.Close()
	step("read EventMessageFile", err)
	if filepath.Base(msgFile) != "EventCreate.exe" {
		t.Errorf("EventMessageFile = %q, want EventCreate.exe", msgFile)
	}
	state(svc.Stopped)

	step("start", Start(name, 60*time.Second))
	state(svc.Running)
	step("start again", Start(name, 60*time.Second))
	state(svc.Running)

	step("stop", Stop(name, 60*time.Second))
	state(svc.Stopped)
	if b, err := os.ReadFile(marker); err != nil || string(b) != "clean stop" {
		t.Errorf("the service body did not finish cleanly: %q, %v", b, err)
	}
	step("stop again", Stop(name, 60*time.Second))

	removed, err := Uninstall(name, name, 30*time.Second)
	step("uninstall", err)
	if !removed {
		t.Error("uninstall did not remove the service")
	}
	if _, err := Query(name); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("query after uninstall = %v, want ErrNotInstalled", err)
	}
	if err := Start(name, time.Second); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("start after uninstall = %v, want ErrNotInstalled", err)
	}
	if _, err := registry.OpenKey(registry.LOCAL_MACHINE, eventSourceKey+`\`+name, registry.QUERY_VALUE); err == nil {
		t.Error("the Event Log source is still registered after uninstall")
	}
	removed, err = Uninstall(name, name, 30*time.Second)
	step("uninstall again", err)
	if removed {
		t.Error("second uninstall claims to have removed the service")
	}
}

// TestHelperService is not a test: it is the service TestServiceLifecycle installs. The
// SCM starts this binary with "-- helper-service NAME MARKER".
func TestHelperService(t *testing.T) {
	args := flag.Args()
	if len(args) != 3 || args[0] != "helper-service" {
		t.Skip("the service process of TestServiceLifecycle")
	}
	name, marker := args[1], args[2]
	err := Run(name, func(ctx context.Context, ready func()) error {
		ready()
		<-ctx.Done()
		return os.WriteFile(marker, []byte("clean stop"), 0o600)
	}, zerolog.Nop())
	if err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}
