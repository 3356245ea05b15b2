//go:build !windows

package daemon

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"addingov/governance"
	"addingov/localapi"
	"addingov/registrypolicy"
	"addingov/storage"
)

// hives is a UserSource over a MemoryStore laid out as HKEY_USERS is on Windows, each
// user keyed by uid here: the daemon's per-user logic is the same on both platforms;
// only the Windows provider lists users.
type hives struct {
	store *registrypolicy.MemoryStore
	users []string
}

func (h hives) Users() ([]string, error)         { return h.users, nil }
func (h hives) Loaded(u string) bool             { return true }
func (h hives) ReadLocked(_ string, read func()) { read() }

func (h hives) set(user, key, name string, v registrypolicy.Value) {
	h.store.Set(registrypolicy.HKU, user+`\`+key, name, v)
}

// resiliency is our own per-user managed list: Outlook's AddinList names COM and VSTO
// ProgIDs only, not these add-ins.
const resiliency = `SOFTWARE\Policies\AddinGov\ManagedAddins`

// perUserProvider: user 1000's policy blocks the machine-wide add-in "shared" and
// lists "mine" as always enabled; user 1001 has no policy of its own.
func perUserProvider(t testing.TB) (*registrypolicy.Provider, hives) {
	t.Helper()
	h := hives{store: registrypolicy.NewMemoryStore(), users: []string{"1000", "1001"}}
	h.set("1000", resiliency, "shared", registrypolicy.DWord(0))
	h.set("1000", `SOFTWARE\Policies\AddinGov`, registrypolicy.BlockUnmanagedAddins, registrypolicy.DWord(1))
	h.set("1000", resiliency, "mine", registrypolicy.DWord(1))
	h.store.Set(registrypolicy.HKLM, registrypolicy.KeyAddinGov, registrypolicy.AlertIntervalSeconds, registrypolicy.DWord(5))
	p, err := registrypolicy.NewProvider(func() (registrypolicy.Store, error) { return h.store, nil }, zerolog.Nop(),
		registrypolicy.WithUsers(h), registrypolicy.WithPollInterval(-1))
	if err != nil {
		t.Fatal(err)
	}
	return p, h
}

func TestEachUsersAddinsUnderThatUsersPolicy(t *testing.T) {
	p, _ := perUserProvider(t)
	r := startWith(t, tempDir(t), p)
	d := r.d
	for _, a := range []storage.Addin{
		{ID: "shared", Name: "Shared", State: governance.StateEnabled, Scope: storage.ScopeMachine},
		{ID: "mine", Name: "Mine", State: governance.StateEnabled, Scope: storage.ScopeUser, Owner: "1000"},
		{ID: "other", Name: "Other", State: governance.StateEnabled, Scope: storage.ScopeUser, Owner: "1000"},
		{ID: "theirs", Name: "Theirs", State: governance.StateEnabled, Scope: storage.ScopeUser, Owner: "1001"},
	} {
		if err := d.DB().PutAddin(a); err != nil {
			t.Fatal(err)
		}
		d.Installed(a)
	}
	alice := localapi.Caller{UID: "1000", Known: true, PID: 1}
	bob := localapi.Caller{UID: "1001", Known: true, PID: 2}
	shared, _ := d.DB().Addin("shared")
	tests := []struct {
		name   string
		caller localapi.Caller
		id     string
		want   governance.State
	}{
		{"alice's policy blocks the machine-wide add-in for her", alice, "shared", governance.StateBlocked},
		{"not for bob", bob, "shared", governance.StateEnabled},
		{"alice's block-unmanaged blocks her unlisted add-in", alice, "other", governance.StateBlocked},
		{"her listed add-in runs", alice, "mine", governance.StateEnabled},
		{"bob's add-in is not under alice's policy", bob, "theirs", governance.StateEnabled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := d.DB().Addin(tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if tc.id == "shared" {
				a = shared
			}
			if st, why := d.StateFor(tc.caller, a); st != tc.want {
				t.Errorf("state %s (%s), want %s", st, why, tc.want)
			}
		})
	}
	// The machine-wide record itself stays under machine policy: enabled for everyone else.
	if st, _ := d.EffectiveState("shared"); st != governance.StateEnabled {
		t.Errorf("alice's user policy changed the machine-wide record: %s", st)
	}
	// Requests are judged under the caller's policy.
	if d.PolicyFor(alice).User != "1000" || d.PolicyFor(bob).User != "1001" {
		t.Errorf("PolicyFor users %q %q", d.PolicyFor(alice).User, d.PolicyFor(bob).User)
	}
}

func TestPolicyEndpointShowsTheCallersPolicy(t *testing.T) {
	p, _ := perUserProvider(t)
	r := startWith(t, tempDir(t), p)
	alice := localapi.WithCaller(context.Background(), localapi.Caller{UID: "1000", Known: true})
	bob := localapi.WithCaller(context.Background(), localapi.Caller{UID: "1001", Known: true})
	tests := []struct {
		name     string
		ctx      context.Context
		user     string
		status   int // 0: allowed
		wantUser string
	}{
		{"own policy", alice, "", 0, "1000"},
		{"own policy by uid", alice, "1000", 0, "1000"},
		{"another user's: forbidden", bob, "1000", 403, ""},
		{"unknown user", bob, "no-such-user-xyz", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := r.d.Policy(tc.ctx, tc.user)
			if tc.status != 0 {
				if localapi.StatusOf(err) != tc.status {
					t.Fatalf("err %v (status %d), want %d", err, localapi.StatusOf(err), tc.status)
				}
				if tc.status == 403 && !strings.Contains(err.Error(), "only an administrator") {
					t.Errorf("unclear refusal: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var v registrypolicy.View
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			if v.User != tc.wantUser {
				t.Errorf("user %q, want %q", v.User, tc.wantUser)
			}
			for _, m := range v.Managed {
				if m.ID == "shared" && !strings.HasPrefix(m.Origin, `HKEY_USERS\1000\`) {
					t.Errorf("origin %q does not name the user's hive", m.Origin)
				}
			}
		})
	}
	// An administrator over the real socket (this test runs as root): another user's.
	raw, err := r.client.Policy(context.Background(), "1000")
	if err != nil {
		t.Fatal(err)
	}
	var v registrypolicy.View
	if err := json.Unmarshal(raw, &v); err != nil || v.User != "1000" || len(v.Managed) != 2 {
		t.Errorf("admin's view of 1000: %v %+v", err, v)
	}
	// An unknown caller sees the machine view.
	raw, err = r.d.Policy(context.Background(), "")
	if err != nil || strings.Contains(string(raw), `"user"`) {
		t.Errorf("unknown caller: %v %s", err, raw)
	}
}
