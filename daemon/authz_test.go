//go:build !windows

package daemon

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

func TestCleanName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Contoso CRM", "Contoso CRM"},
		{"\x1b[31mIT SECURITY\x1b[0m", "[31mIT SECURITY[0m"},
		{"line\nbreak\ttab", "linebreaktab"},
		{"  padded  ", "padded"},
		{strings.Repeat("é", 200), strings.Repeat("é", maxNameRunes) + "…"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := cleanName(tt.in); got != tt.want {
				t.Fatalf("cleanName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckAddinID(t *testing.T) {
	tests := []struct {
		id   string
		want int // HTTP status; 0 = accepted
	}{
		{"contoso-crm", 0},
		{"", 400},
		{strings.Repeat("x", maxIDBytes), 0},
		{strings.Repeat("x", maxIDBytes+1), 400},
	}
	for _, tt := range tests {
		err := checkAddinID(tt.id)
		if got := map[bool]int{true: 0, false: localapi.StatusOf(err)}[err == nil]; got != tt.want {
			t.Errorf("checkAddinID(%d bytes) = %v, want status %d", len(tt.id), err, tt.want)
		}
	}
}

// A caller sees the notices about add-ins it may read, and no others, however many of
// the others come first.
func TestNoticesAreFilteredByCaller(t *testing.T) {
	r := start(t, tempDir(t), fastPolicy())
	db := r.d.DB()
	for _, a := range []storage.Addin{
		{ID: "mine", Name: "Mine", State: governance.StateEnabled, Scope: storage.ScopeUser, Owner: "1000"},
		{ID: "theirs", Name: "Theirs", State: governance.StateEnabled, Scope: storage.ScopeUser, Owner: "1001"},
		{ID: "shared", Name: "Shared", State: governance.StateEnabled, Scope: storage.ScopeMachine},
	} {
		if err := db.PutAddin(a); err != nil {
			t.Fatal(err)
		}
	}
	// Many notices about someone else's add-in first, then one each about the others.
	for i := 0; i < 150; i++ {
		if _, err := db.AppendNotice(storage.Notice{Time: time.Now(), AddinID: "theirs", Level: storage.NoticeWarning, Title: "t", Text: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"mine", "shared"} {
		if _, err := db.AppendNotice(storage.Notice{Time: time.Now(), AddinID: id, Level: storage.NoticeWarning, Title: "t", Text: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		caller localapi.Caller
		want   int
	}{
		{"owner of one add-in", localapi.Caller{UID: "1000", Known: true}, 2},
		{"the other user", localapi.Caller{UID: "1001", Known: true}, 152},
		{"administrator", localapi.Caller{UID: "0", Known: true, Admin: true}, 152},
		{"unidentified caller", localapi.Caller{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, err := r.d.Notices(localapi.WithCaller(context.Background(), tt.caller), 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			want := min(tt.want, 100)
			if len(ns) != want {
				t.Fatalf("%d notices, want %d", len(ns), want)
			}
			for _, n := range ns {
				if n.AddinID == "theirs" && tt.caller.UID == "1000" {
					t.Fatalf("notice %d about another user's add-in leaked", n.Seq)
				}
			}
		})
	}
}

// An ordinary user's failing host strikes a machine-wide add-in off for that user only;
// an administrator's disable applies to everyone.
func TestMachineWideAddinsAreGovernedPerUser(t *testing.T) {
	r := start(t, tempDir(t), fastPolicy())
	if err := r.d.DB().PutAddin(storage.Addin{ID: "shared", Name: "Shared", State: governance.StateEnabled, Scope: storage.ScopeMachine}); err != nil {
		t.Fatal(err)
	}
	r.d.Installed(storage.Addin{ID: "shared", State: governance.StateEnabled})
	// An ordinary user whose uid owns the child process (the test's own uid).
	user := localapi.Caller{UID: strconv.Itoa(os.Getuid()), User: "someone", Known: true}
	admin := localapi.Caller{UID: "0", Known: true, Admin: true}
	as := func(c localapi.Caller) context.Context { return localapi.WithCaller(context.Background(), c) }
	pid := int32(child(t, "idle").Process.Pid)

	for i := 0; i < 3; i++ {
		resp, err := r.d.StartActivation(as(user), localapi.ActivationRequest{AddinID: "shared", PID: pid})
		if err != nil || !resp.MayActivate {
			t.Fatalf("activation %d: %+v, %v", i, resp, err)
		}
		if _, err := r.d.FailActivation(as(user), resp.ActivationID, "script error"); err != nil {
			t.Fatal(err)
		}
	}
	mine := perUserID("shared", user.UID)
	if a, err := r.d.Addin(as(admin), mine); err != nil || a.State != "disabled" || a.Owner != user.UID {
		t.Fatalf("the user's record of the add-in: %+v, %v; want disabled and theirs", a, err)
	}
	if a, err := r.d.Addin(as(admin), "shared"); err != nil || a.State != "enabled" || len(a.Strikes) != 0 {
		t.Fatalf("the machine-wide add-in: %+v, %v; want enabled with no strikes", a, err)
	}
	if resp, err := r.d.StartActivation(as(user), localapi.ActivationRequest{AddinID: "shared", PID: pid}); err != nil || resp.MayActivate {
		t.Fatalf("the user's next activation: %+v, %v; want refused for this user", resp, err)
	}
	// Hosts asking for authorization decisions get the same answer per user.
	shared, _ := r.d.DB().Addin("shared")
	if st, _ := r.d.StateFor(user, shared); st != governance.StateDisabled {
		t.Fatalf("state for the user = %s, want disabled", st)
	}
	if st, _ := r.d.StateFor(admin, shared); st != governance.StateEnabled {
		t.Fatalf("state for an administrator = %s, want enabled", st)
	}
	// The user may turn their own use back on.
	if _, err := r.d.SetEnabled(as(user), mine, true, localapi.StateRequest{}); err != nil {
		t.Fatalf("the user re-enabling their own use: %v", err)
	}
	// An administrator's disable of the machine-wide add-in stops everyone.
	if _, err := r.d.SetEnabled(as(admin), "shared", false, localapi.StateRequest{Everyone: true}); err != nil {
		t.Fatal(err)
	}
	if resp, err := r.d.StartActivation(as(user), localapi.ActivationRequest{AddinID: "shared", PID: pid}); err != nil || resp.MayActivate {
		t.Fatalf("activation after the administrator's disable: %+v, %v; want refused", resp, err)
	}
}
