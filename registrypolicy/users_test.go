package registrypolicy

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/governance"
)

// fakeUsers is a UserSource over a MemoryStore laid out as the Windows registry is:
// each loaded user's hive under HKEY_USERS\<SID>.
type fakeUsers struct {
	mu     sync.Mutex
	store  *MemoryStore
	loaded map[string]bool
	err    error
	// unloadAfterRead names a user whose hive is unloaded just after its policy was
	// read, as a logoff during a reload would.
	unloadAfterRead string
	locked          []string
}

func newFakeUsers(users ...string) *fakeUsers {
	f := &fakeUsers{store: NewMemoryStore(), loaded: map[string]bool{}}
	for _, u := range users {
		f.loaded[UserKey(u)] = true
	}
	return f
}

func (f *fakeUsers) Users() ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	var out []string
	for u, ok := range f.loaded {
		if ok {
			out = append(out, u)
		}
	}
	return out, nil
}

func (f *fakeUsers) Loaded(u string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loaded[UserKey(u)]
}

func (f *fakeUsers) ReadLocked(u string, read func()) {
	f.mu.Lock()
	f.locked = append(f.locked, u)
	f.mu.Unlock()
	read()
	f.mu.Lock()
	defer f.mu.Unlock()
	if u != "" && UserKey(u) == UserKey(f.unloadAfterRead) {
		f.loaded[UserKey(u)] = false
		f.store.DeleteKey(HKU, u)
	}
}

func (f *fakeUsers) setLoaded(u string, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loaded[UserKey(u)] = on
}

// setUser writes a value into user's hive (HKEY_USERS\<SID>\key).
func (f *fakeUsers) setUser(user, key, name string, v Value) { f.store.Set(HKU, user+`\`+key, name, v) }

func (f *fakeUsers) provider(t *testing.T, log zerolog.Logger) *Provider {
	t.Helper()
	p, err := NewProvider(func() (Store, error) { return f.store, nil }, log, WithUsers(f), WithPollInterval(-1))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	alice = "S-1-5-21-1004336348-1177238915-682003330-1001"
	bob   = "S-1-5-21-1004336348-1177238915-682003330-1002"
	wef16 = `Software\Policies\Microsoft\Office\16.0\WEF\Outlook`
)

func TestUserPolicyFromTheUsersHive(t *testing.T) {
	f := newFakeUsers(alice, bob)
	f.setUser(alice, wef16, "alertinterval", DWord(20))
	f.setUser(alice, `Software\Policies\Microsoft\Office\16.0\Outlook\Resiliency\AddinList`, "Contoso.Addin", String("0"))
	f.setUser(alice, KeyAddinGov, "CPUCorePercnt", DWord(1))
	f.setUser(alice, KeyAddinGov+`\ManagedAddin`, "x", DWord(1))
	// SYSTEM's own HKCU (what a service sees as HKEY_CURRENT_USER) must count for nobody.
	f.store.Set(HKCU, KeyAddinGov, CPUCorePercent, DWord(11))
	p := f.provider(t, zerolog.Nop())

	a := p.For(alice)
	sv, _ := a.Setting(AlertIntervalSeconds)
	if sv.Value != int64(20) || sv.Origin != `HKEY_USERS\`+alice+`\`+wef16+`\alertinterval` {
		t.Errorf("alice's interval %v from %q, want 20 from her hive", sv.Value, sv.Origin)
	}
	if mode, ok := a.Office.Mode("Contoso.Addin"); !ok || mode != governance.ManagedBlocked {
		t.Errorf("alice's AddinList not applied: %v %v", mode, ok)
	}
	var unknown []string
	for _, u := range a.Unknown {
		unknown = append(unknown, u.Path)
	}
	if len(unknown) != 2 || !strings.HasPrefix(unknown[0], `HKEY_USERS\`+alice+`\`) || !strings.HasPrefix(unknown[1], `HKEY_USERS\`+alice+`\`) {
		t.Errorf("unknown names in alice's hive reported as %v", unknown)
	}
	if len(p.Effective().Unknown) != 0 {
		t.Errorf("the machine view reports a user's unknown names: %v", p.Effective().Unknown)
	}
	if a.User != alice || a.View().User != alice {
		t.Errorf("user %q", a.User)
	}
	for name, e := range map[string]*Effective{"bob": p.For(bob), "machine": p.Effective(), "nobody": p.For("")} {
		if sv, _ := e.Setting(AlertIntervalSeconds); sv.Value != int64(5) || sv.Origin != OriginDefault {
			t.Errorf("%s sees alice's interval: %v from %s", name, sv.Value, sv.Origin)
		}
		if sv, _ := e.Setting(CPUCorePercent); sv.Value != int64(90) {
			t.Errorf("%s reads SYSTEM's HKCU: %v from %s", name, sv.Value, sv.Origin)
		}
		if len(e.Policy.Managed) != 0 {
			t.Errorf("%s sees alice's managed list", name)
		}
	}
	if got := p.Users(); !reflect.DeepEqual(got, []string{alice, bob}) {
		t.Errorf("users %v", got)
	}
	if got := p.ShortestInterval(); got != 5*time.Second {
		t.Errorf("shortest interval %v", got)
	}
	if !containsString(f.locked, "") || !containsString(f.locked, alice) {
		t.Errorf("reads were not made under the policy locks: %v", f.locked)
	}
	if e, ok := p.Lookup(strings.ToLower(alice)); !ok || e != a {
		t.Error("SIDs must compare case-insensitively")
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestMachinePolicyWinsOverEverythingInAUsersHive writes, for every setting of the
// table, a valid machine value and a different valid value at every location in a
// user's hive (policy and preference keys alike): the user's effective value must be
// the machine's, with the machine's origin.
func TestMachinePolicyWinsOverEverythingInAUsersHive(t *testing.T) {
	for _, def := range settings {
		if userPolicyOnly(def) {
			continue // no machine policy to win: nothing a user writes can weaken it
		}
		t.Run(def.Name, func(t *testing.T) {
			f := newFakeUsers(alice)
			machineVal, userVal, entry := machineAndUserValues(t, def)
			for _, loc := range def.Locations {
				hive, key := loc.Hive, loc.Key
				v := machineVal
				if hive == HKCU {
					hive, key, v = HKU, alice+`\`+loc.Key, userVal
				}
				name := loc.ValueName
				if def.Kind == KindList {
					name = entry
					if def.Name != ManagedAddins && hive == HKU {
						name = entry + "-user"
					}
				}
				f.store.Set(hive, key, name, v)
			}
			p := f.provider(t, zerolog.Nop())
			got, _ := p.For(alice).Setting(def.Name)
			want, _ := p.Effective().Setting(def.Name)
			if !reflect.DeepEqual(got.Value, want.Value) || !strings.HasPrefix(got.Origin, string(HKLM)) {
				t.Errorf("user's effective %v from %s; machine %v from %s", got.Value, got.Origin, want.Value, want.Origin)
			}
			if def.Name == ManagedAddins {
				if mode, _ := p.For(alice).Policy.Mode(entry); mode != governance.ManagedBlocked {
					t.Errorf("the user's always-enabled entry beat the machine's block: %v", mode)
				}
			}
		})
	}
}

// machineAndUserValues returns two different valid values of def (the machine's
// stricter or lower) and, for a list, the entry name both use.
func machineAndUserValues(t *testing.T, def Setting) (machine, user Value, entry string) {
	t.Helper()
	switch def.Kind {
	case KindNumber:
		return DWord(uint32(def.Min)), DWord(uint32(def.Max)), ""
	case KindBool:
		return DWord(1), DWord(0), ""
	case KindEnum:
		return String(def.Choices[0]), String(def.Choices[len(def.Choices)-1]), ""
	case KindList:
		if def.Name == ManagedAddins {
			return DWord(uint32(governance.ManagedBlocked)), DWord(uint32(governance.ManagedAlwaysEnabled)), "Contoso.Addin"
		}
		return String("http://sharepoint/content/tenant:FullControl"), String("http://sharepoint/content/sitecollection:Read"), "1"
	}
	t.Fatalf("no values for kind %s", def.Kind)
	return
}

// TestUserWritableKeysAreOnlyTheDocumentedPreferences checks the table's promise that
// a user can write only what Microsoft lets users choose: every location outside a
// Policies key (which users cannot write) is one of the two activation preferences,
// and our machine key comes before it.
func TestUserWritableKeysAreOnlyTheDocumentedPreferences(t *testing.T) {
	for _, def := range settings {
		if def.Locations[0].Hive != HKLM && !userPolicyOnly(def) {
			t.Errorf("%s: machine policy is not first (%s)", def.Name, def.Locations[0].Path())
		}
		for _, loc := range def.Locations {
			if strings.Contains(strings.ToLower(loc.Key), `\policies\`) || strings.HasPrefix(strings.ToLower(loc.Key), `software\policies`) {
				continue
			}
			if loc.Authority != AuthorityMicrosoftPreferences || (def.Name != ActivationThresholdMs && def.Name != ActivationLimit) {
				t.Errorf("%s is read from the user-writable %s", def.Name, loc.Path())
			}
		}
	}
}

func TestUserPolicyBadInput(t *testing.T) {
	t.Run("hive unloaded mid-read", func(t *testing.T) {
		f := newFakeUsers(alice, bob)
		f.setUser(alice, wef16, "alertinterval", DWord(20))
		f.setUser(bob, wef16, "alertinterval", DWord(30))
		f.unloadAfterRead = alice
		var logs syncBuffer
		p := f.provider(t, zerolog.New(&logs))
		e, ok := p.Lookup(alice)
		if ok || e.Note == "" {
			t.Errorf("a read of an unloaded hive was kept: ok=%v note=%q", ok, e.Note)
		}
		if sv, _ := e.Setting(AlertIntervalSeconds); sv.Value != int64(5) {
			t.Errorf("alice's discarded read applies: %v", sv.Value)
		}
		if sv, _ := p.For(bob).Setting(AlertIntervalSeconds); sv.Value != int64(30) {
			t.Errorf("bob's policy lost with alice's: %v", sv.Value)
		}
		if !strings.Contains(logs.String(), "unloaded while its policy was read") || !strings.Contains(logs.String(), alice) {
			t.Errorf("no clear log line: %s", logs.String())
		}
	})
	t.Run("SID with no profile", func(t *testing.T) {
		p := newFakeUsers(alice).provider(t, zerolog.Nop())
		const ghost = "S-1-5-21-1-2-3-4242"
		e, ok := p.Lookup(ghost)
		if ok || e.User != ghost || !strings.Contains(e.Note, "no loaded profile for "+ghost) {
			t.Errorf("ok=%v user=%q note=%q", ok, e.User, e.Note)
		}
		var b strings.Builder
		if err := e.WriteText(&b); err != nil || !strings.Contains(b.String(), "no loaded profile") {
			t.Errorf("text view does not say so: %v %s", err, b.String())
		}
	})
	t.Run("users cannot be listed", func(t *testing.T) {
		f := newFakeUsers(alice)
		f.setUser(alice, wef16, "alertinterval", DWord(20))
		var logs syncBuffer
		p := f.provider(t, zerolog.New(&logs))
		f.err = errors.New("WTSEnumerateSessions: access denied")
		if _, err := p.reload(); err != nil {
			t.Fatal(err)
		}
		if sv, _ := p.For(alice).Setting(AlertIntervalSeconds); sv.Value != int64(20) {
			t.Errorf("alice's policy lost: %v", sv.Value)
		}
		if !strings.Contains(logs.String(), "access denied") {
			t.Errorf("no log line: %s", logs.String())
		}
	})
	t.Run("value written while being read", func(t *testing.T) {
		// A value of the wrong type half-way through a Group Policy refresh is ignored
		// with its error; the next reload sees the finished write.
		f := newFakeUsers(alice)
		f.setUser(alice, wef16, "alertinterval", Binary([]byte{0x14}))
		p := f.provider(t, zerolog.Nop())
		sv, _ := p.For(alice).Setting(AlertIntervalSeconds)
		if sv.Value != int64(5) || !strings.Contains(sv.Error, `HKEY_USERS\`+alice) {
			t.Errorf("value %v error %q", sv.Value, sv.Error)
		}
		f.setUser(alice, wef16, "alertinterval", DWord(20))
		if _, err := p.reload(); err != nil {
			t.Fatal(err)
		}
		if sv, _ := p.For(alice).Setting(AlertIntervalSeconds); sv.Value != int64(20) || sv.Error != "" {
			t.Errorf("after the write: %v %q", sv.Value, sv.Error)
		}
	})
}

// TestWatchReportsEachUsersChanges checks what the daemon logs: a machine change once,
// a user's own change for that user, a logon and a logoff as that user's changes.
func TestWatchReportsEachUsersChanges(t *testing.T) {
	f := newFakeUsers(alice, bob)
	p := f.provider(t, zerolog.Nop())
	type report struct {
		user    string
		changes []Change
	}
	reports := make(chan report, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	n := &manualNotifier{ch: make(chan struct{}, 1)}
	p.notifier, p.debounce = n, time.Millisecond
	go func() {
		done <- p.Watch(ctx, func(old, cur *Effective, c []Change) {
			if old.User != cur.User {
				t.Errorf("old policy of %q, new of %q", old.User, cur.User)
			}
			reports <- report{cur.User, c}
		})
	}()
	defer func() {
		cancel()
		<-done
	}()
	next := func() report {
		t.Helper()
		select {
		case r := <-reports:
			return r
		case <-time.After(20 * time.Second):
			t.Fatal("no change reported")
			return report{}
		}
	}
	interval := func(from, to string) []Change { return []Change{{AlertIntervalSeconds, from, to}} }

	f.setUser(alice, wef16, "alertinterval", DWord(20))
	n.fire()
	if r := next(); r.user != alice || !reflect.DeepEqual(r.changes, interval("5 s", "20 s")) {
		t.Errorf("alice's change reported as %+v", r)
	}
	if got := p.ShortestInterval(); got != 5*time.Second {
		t.Errorf("shortest interval %v", got)
	}

	f.store.Set(HKLM, KeyAddinGov, CPUCorePercent, DWord(70))
	n.fire()
	if r := next(); r.user != "" || !reflect.DeepEqual(r.changes, []Change{{CPUCorePercent, "90 %", "70 %"}}) {
		t.Errorf("machine change reported as %+v", r)
	}
	if sv, _ := p.For(alice).Setting(CPUCorePercent); sv.Value != int64(70) {
		t.Errorf("the machine change did not reach alice: %v", sv.Value)
	}

	f.setLoaded(alice, false) // logoff: her hive is unloaded
	n.fire()
	if r := next(); r.user != alice || !reflect.DeepEqual(r.changes, interval("20 s", "5 s")) {
		t.Errorf("logoff reported as %+v", r)
	}
	const carol = "S-1-12-1-1111111111-2222222222-3333333333-4444444444"
	f.setUser(carol, wef16, "alertinterval", DWord(10))
	f.setLoaded(carol, true) // logon of an Entra ID account
	n.fire()
	if r := next(); r.user != carol || !reflect.DeepEqual(r.changes, interval("5 s", "10 s")) {
		t.Errorf("logon reported as %+v", r)
	}
	// The machine view (defaults: 5 s) still samples machine-wide add-ins, and no
	// user may ask for less than 5 s: users' longer intervals never slow sampling.
	if got := p.ShortestInterval(); got != 5*time.Second {
		t.Errorf("shortest interval %v", got)
	}
	select {
	case r := <-reports:
		t.Errorf("unexpected report %+v", r)
	default:
	}
}

type manualNotifier struct{ ch chan struct{} }

func (m *manualNotifier) fire() { signal(m.ch) }

func (m *manualNotifier) Run(ctx context.Context, changed chan<- struct{}) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-m.ch:
			signal(changed)
		}
	}
}

func TestSinglePolicyProviderIsEveryonesPolicy(t *testing.T) {
	s := NewMemoryStore()
	s.Set(HKCU, wef16, "alertinterval", DWord(20))
	p, err := NewProvider(func() (Store, error) { return s, nil }, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"", "1000", alice} {
		e, ok := p.Lookup(u)
		if !ok || e != p.Effective() || e.Note != "" {
			t.Errorf("user %q: ok=%v note=%q", u, ok, e.Note)
		}
	}
	if p.Users() != nil {
		t.Errorf("users %v", p.Users())
	}
}

func TestIsUserSID(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{alice, true},
		{strings.ToLower(alice), true},
		{"S-1-12-1-1111111111-2222222222-3333333333-4444444444", true},
		{alice + "_Classes", false},
		{".DEFAULT", false},
		{"S-1-5-18", false},
		{"S-1-5-19", false},
		{"S-1-5-21", false},
		{"S-1-5-21--1-2", false},
		{"S-1-5-21-1-2-x", false},
		{"S-1-5-21-1-2-3-99999999999", false},
		{"", false},
		{"S-1-5-21-0 ", false}, // found by FuzzUserView: UserKey would trim it to another hive
		{" " + alice, false},
	}
	for _, tc := range tests {
		if got := IsUserSID(tc.name); got != tc.want {
			t.Errorf("IsUserSID(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// userPolicyOnly reports a setting Microsoft defines as user policy only (Outlook's
// AddinList and restricttolist): no machine location to come first.
func userPolicyOnly(def Setting) bool {
	for _, loc := range def.Locations {
		if loc.Hive == HKLM || !strings.HasPrefix(strings.ToLower(loc.Key), `software\policies\`) {
			return false
		}
	}
	return true
}
