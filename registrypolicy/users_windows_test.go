package registrypolicy

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows"
)

// currentUserSID is this process's user SID; under Wine its hive is
// HKEY_USERS\S-1-5-21-0-0-0-1000, which is also HKEY_CURRENT_USER.
func currentUserSID(t *testing.T) string {
	t.Helper()
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	return UserKey(tu.User.Sid.String())
}

// secondProfile is a synthetic second loaded profile: a user hive key created under
// HKEY_USERS with reg add, as Wine cannot log a second user on.
const secondProfile = "S-1-5-21-1111111111-2222222222-3333333333-1001"

// startUserWatch runs p.Watch until the test ends and returns the changes reported for
// user's policy.
func startUserWatch(t *testing.T, p *Provider, user string) <-chan []Change {
	return startUsersWatch(t, p, user)[UserKey(user)]
}

// startUsersWatch runs one p.Watch until the test ends and returns, for each of users,
// the changes reported for that user's policy.
func startUsersWatch(t *testing.T, p *Provider, users ...string) map[string]chan []Change {
	t.Helper()
	out := map[string]chan []Change{}
	for _, u := range users {
		out[UserKey(u)] = make(chan []Change, 16)
	}
	runWatch(t, p, func(old, cur *Effective, c []Change) {
		if ch, ok := out[cur.User]; ok {
			ch <- c
		}
	})
	return out
}

func TestSessionUsersUnderWine(t *testing.T) {
	disposableRegistry(t)
	me := currentUserSID(t)
	reg(t, "add", `HKU\`+secondProfile+`\Software\AddinGovTest`, "/f")
	t.Cleanup(func() { _ = exec.Command("reg", "delete", `HKU\`+secondProfile, "/f").Run() })
	u := NewSessionUsers(zerolog.Nop())
	users, err := u.Users()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{me, secondProfile} {
		if !containsString(users, want) {
			t.Errorf("users %v lack %s", users, want)
		}
	}
	for _, sid := range users {
		if !IsUserSID(sid) {
			t.Errorf("%s listed", sid)
		}
	}
	if u.Loaded("S-1-5-21-9-9-9-9") {
		t.Error("a SID with no profile is loaded")
	}
	// The Group Policy locks: Wine's userenv may or may not implement them; a read
	// must go ahead either way.
	ran := false
	u.ReadLocked("", func() { ran = true })
	if !ran {
		t.Error("read did not run under the machine lock")
	}
}

// TestUserPolicyFromHKEYUSERSUnderWine is issue 10's "done when": a value written with
// reg add under HKEY_USERS\<SID>\Software\Policies\Microsoft\Office\16.0\WEF\Outlook
// changes that user's effective policy in the running provider within one interval,
// with that hive as its origin; a second (synthetic) profile gets its own policy, and
// the machine view and other users are untouched.
func TestUserPolicyFromHKEYUSERSUnderWine(t *testing.T) {
	disposableRegistry(t)
	me := currentUserSID(t)
	mine := `HKU\` + me + `\Software\Policies\Microsoft\Office\16.0\WEF\Outlook`
	theirs := `HKU\` + secondProfile + `\Software\Policies\Microsoft\Office\16.0\WEF\Outlook`
	t.Cleanup(func() { _ = exec.Command("reg", "delete", `HKU\`+secondProfile, "/f").Run() })
	var logs syncBuffer
	// Default polling (the policy's interval, 5 s) and the per-user notifier, as the
	// service runs.
	p, err := NewRegistryProvider(zerolog.New(&logs).Level(zerolog.DebugLevel), WithDebounce(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("provider log:\n%s", logs.String())
		}
	})
	interval := p.ShortestInterval()
	chans := startUsersWatch(t, p, me, secondProfile)
	mineCh, theirCh := chans[me], chans[secondProfile]

	// Within one interval: the first write may land before the watch is armed, so the
	// poll (one interval) is the bound; the notification is usually much faster.
	start := time.Now()
	regAdd(t, mine, "activationalertthreshold", "REG_DWORD", "2500")
	got := waitFor(t, mineCh, interval+2*time.Second)
	took := time.Since(start)
	t.Logf("a reg add under HKEY_USERS reached the user's policy in %v (interval %v)", took.Round(time.Millisecond), interval)
	if want := []Change{{ActivationThresholdMs, "1000 ms", "2500 ms"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	sv, _ := p.For(me).Setting(ActivationThresholdMs)
	if wantOrigin := `HKEY_USERS\` + me + `\Software\Policies\Microsoft\Office\16.0\WEF\Outlook\activationalertthreshold`; sv.Value != int64(2500) || sv.Origin != wantOrigin {
		t.Errorf("%v from %q, want 2500 from %q", sv.Value, sv.Origin, wantOrigin)
	}
	view := p.For(me).View()
	if view.User != me {
		t.Errorf("view user %q", view.User)
	}
	if sv, _ := p.Effective().Setting(ActivationThresholdMs); sv.Value != int64(1000) {
		t.Errorf("the machine view took a user's value: %v from %s", sv.Value, sv.Origin)
	}

	// A second profile appears (loaded): its own policy, found by the user rescan.
	regAdd(t, theirs, "activationretrylimit", "REG_SZ", "5")
	got = waitFor(t, theirCh, DefaultUserRescan+interval+2*time.Second)
	if want := []Change{{ActivationLimit, "3 activations", "5 activations"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("second profile's changes %v, want %v", got, want)
	}
	if sv, _ := p.For(me).Setting(ActivationLimit); sv.Value != int64(3) {
		t.Errorf("the second profile's value reached this user: %v", sv.Value)
	}
	if sv, _ := p.For(secondProfile).Setting(ActivationThresholdMs); sv.Value != int64(1000) {
		t.Errorf("this user's value reached the second profile: %v", sv.Value)
	}

	// Machine policy wins over the user's hive.
	regAdd(t, `HKLM\SOFTWARE\Policies\AddinGov`, ActivationThresholdMs, "REG_DWORD", "800")
	got = waitFor(t, mineCh, interval+2*time.Second)
	if want := []Change{{ActivationThresholdMs, "2500 ms", "800 ms"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	if sv, _ := p.For(me).Setting(ActivationThresholdMs); !strings.HasPrefix(sv.Origin, `HKEY_LOCAL_MACHINE\`) {
		t.Errorf("origin %q", sv.Origin)
	}

	// The second profile is unloaded (its key removed): back to the machine view.
	reg(t, "delete", `HKU\`+secondProfile, "/f")
	got = waitFor(t, theirCh, DefaultUserRescan+interval+2*time.Second)
	if want := []Change{{ActivationLimit, "5 activations", "3 activations"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("unload changes %v, want %v", got, want)
	}
	if e, ok := p.Lookup(secondProfile); ok || !strings.Contains(e.Note, "no loaded profile") {
		t.Errorf("after unload: ok=%v note=%q", ok, e.Note)
	}
}

func waitFor(t *testing.T, ch <-chan []Change, limit time.Duration) []Change {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(limit):
		t.Fatalf("no change within %v", limit)
		return nil
	}
}
