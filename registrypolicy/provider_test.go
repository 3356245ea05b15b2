package registrypolicy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// tempDir is t.TempDir without its cleanup failure under Wine, where os.RemoveAll
// fails (DESIGN.md): removal is best effort.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "registrypolicy-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// waitChange waits for the next reported change set; the deadline only stops a broken
// test from hanging, it is not a speed assertion.
func waitChange(t *testing.T, ch <-chan []Change) []Change {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("no policy change reported")
		return nil
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const regHeader = "Windows Registry Editor Version 5.00\r\n\r\n"

func policyFile(alert int, extra string) string {
	return regHeader + "[HKEY_CURRENT_USER\\Software\\Policies\\Microsoft\\Office\\16.0\\WEF\\Outlook]\r\n" +
		"\"alertinterval\"=dword:" + hex8(alert) + "\r\n" + extra
}

func hex8(n int) string {
	const digits = "0123456789abcdef"
	b := []byte("00000000")
	for i := 7; i >= 0; i-- {
		b[i] = digits[n&15]
		n >>= 4
	}
	return string(b)
}

// startWatch runs p.Watch until the test ends and returns the reported changes.
func startWatch(t *testing.T, p *Provider) <-chan []Change {
	t.Helper()
	changes := make(chan []Change, 16)
	runWatch(t, p, func(old, cur *Effective, c []Change) {
		if !reflect.DeepEqual(cur.Diff(old), c) {
			t.Errorf("callback's changes %v disagree with its policies", c)
		}
		changes <- c
	})
	return changes
}

// runWatch runs p.Watch with onChange until the test ends, then checks that it
// returned no error.
func runWatch(t *testing.T, p *Provider, onChange func(old, cur *Effective, c []Change)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Watch(ctx, onChange) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
}

func TestFileProviderLiveReload(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "policy.reg")
	if err := os.WriteFile(path, []byte(policyFile(10, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	// Polling off: only the file notification can deliver the change.
	p, err := NewFileProvider(path, zerolog.New(&logs), WithDebounce(20*time.Millisecond), WithPollInterval(-1))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Policy().Thresholds.Interval; got != 10*time.Second {
		t.Fatalf("initial interval %v", got)
	}
	changes := startWatch(t, p)

	t.Run("edit in place", func(t *testing.T) {
		// The watch starts asynchronously: rewrite until the first edit is seen, so a
		// write that landed before the watch existed cannot fail the test.
		var got []Change
		for attempt := 0; got == nil && attempt < 40; attempt++ {
			if err := os.WriteFile(path, []byte(policyFile(20, "")), 0o644); err != nil {
				t.Fatal(err)
			}
			select {
			case got = <-changes:
			case <-time.After(500 * time.Millisecond):
			}
		}
		want := []Change{{AlertIntervalSeconds, "10 s", "20 s"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("changes %v, want %v", got, want)
		}
		if p.Policy().Thresholds.Interval != 20*time.Second {
			t.Errorf("provider interval %v", p.Policy().Thresholds.Interval)
		}
	})
	t.Run("editor replaces the file by rename", func(t *testing.T) {
		tmp := filepath.Join(dir, "policy.reg.tmp")
		extra := "\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\AddinGov\\ManagedAddins]\r\n\"demo-cpu\"=dword:00000000\r\n"
		if err := os.WriteFile(tmp, []byte(policyFile(20, extra)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		got := waitChange(t, changes)
		want := []Change{{"ManagedAddins[demo-cpu]", "(none)", "blocked"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("changes %v, want %v", got, want)
		}
	})
	t.Run("broken file keeps the policy", func(t *testing.T) {
		if err := os.WriteFile(path, []byte(regHeader+"[HKEY_CURRENT_USER\\X]\r\n\"a\"=dword:zz\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(logs.String(), "policy-reload-failed") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(logs.String(), "policy-reload-failed") || !strings.Contains(logs.String(), "policy.reg:4") {
			t.Errorf("log lacks the reload failure with its line: %s", logs.String())
		}
		if p.Policy().Thresholds.Interval != 20*time.Second || p.Policy().Managed["demo-cpu"] != 0 || len(p.Policy().Managed) != 1 {
			t.Errorf("policy changed after a failed reload: %+v", p.Policy())
		}
		if err := os.WriteFile(path, []byte(policyFile(30, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		got := waitChange(t, changes)
		want := []Change{{AlertIntervalSeconds, "20 s", "30 s"}, {"ManagedAddins[demo-cpu]", "blocked", "(none)"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("changes %v, want %v", got, want)
		}
	})
}

// chanNotifier forwards test signals.
type chanNotifier chan struct{}

func (c chanNotifier) Run(ctx context.Context, changed chan<- struct{}) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c:
			signal(changed)
		}
	}
}

type failingNotifier struct{}

func (failingNotifier) Run(context.Context, chan<- struct{}) error {
	return errors.New("no watching here")
}

func memoryLoad(s *MemoryStore) func() (Store, error) { return func() (Store, error) { return s, nil } }

func TestProviderNotificationsAndPolling(t *testing.T) {
	tests := []struct {
		name string
		opts func(chanNotifier) []Option
		poke bool // send a notification after the edit
	}{
		{"notification", func(n chanNotifier) []Option {
			return []Option{WithNotifier(n), WithPollInterval(-1), WithDebounce(time.Millisecond)}
		}, true},
		{"polling only", func(chanNotifier) []Option { return []Option{WithPollInterval(5 * time.Millisecond)} }, false},
		{"notifier fails, polling continues", func(chanNotifier) []Option {
			return []Option{WithNotifier(failingNotifier{}), WithPollInterval(5 * time.Millisecond)}
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewMemoryStore()
			n := make(chanNotifier, 1)
			p, err := NewProvider(memoryLoad(s), zerolog.Nop(), tc.opts(n)...)
			if err != nil {
				t.Fatal(err)
			}
			changes := startWatch(t, p)
			s.Set(HKLM, KeyAddinGov, CPUCorePercent, DWord(70))
			if tc.poke {
				n <- struct{}{}
			}
			got := waitChange(t, changes)
			if want := []Change{{CPUCorePercent, "90 %", "70 %"}}; !reflect.DeepEqual(got, want) {
				t.Errorf("changes %v, want %v", got, want)
			}
			if p.Effective().Policy.Thresholds.CPUCorePercent != 70 {
				t.Error("Effective not updated")
			}
		})
	}
}

func TestProviderErrors(t *testing.T) {
	t.Run("initial load fails", func(t *testing.T) {
		_, err := NewProvider(func() (Store, error) { return nil, errors.New("boom") }, zerolog.Nop())
		if err == nil || err.Error() != "boom" {
			t.Errorf("err %v", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := NewFileProvider(filepath.Join(tempDir(t), "nope.reg"), zerolog.Nop())
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("nothing to watch with", func(t *testing.T) {
		p, err := NewProvider(memoryLoad(NewMemoryStore()), zerolog.Nop(), WithPollInterval(-1))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Watch(context.Background(), nil); err == nil {
			t.Error("Watch without notifier or polling returned nil")
		}
	})
	t.Run("reload without change keeps the snapshot", func(t *testing.T) {
		p, err := NewProvider(memoryLoad(NewMemoryStore()), zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		before := p.Effective()
		old, cur, changes, err := p.Reload()
		if err != nil || len(changes) != 0 || cur != before || old != before {
			t.Errorf("reload: %v %v", changes, err)
		}
	})
}
