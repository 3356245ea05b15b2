//go:build !windows

package daemon

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"addingov/addinid"
	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// FuzzPerUserParts: a per-user id splits back into the add-in and user it was made
// from, and no id addinid accepts (what a caller may supply) is ever a per-user id.
func FuzzPerUserParts(f *testing.F) {
	for _, s := range []string{"shared@uid:1000", "x@uid:", "@uid:1", "a@uid:b@uid:c", "plain", "S@uid:S-1-5-21-1-2-3-1001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		base, uid, ok := perUserParts(id)
		if ok && perUserID(base, uid) != id {
			t.Fatalf("perUserParts(%q) = %q, %q: they do not make the id again", id, base, uid)
		}
		if ok && addinid.Valid(id) {
			t.Fatalf("%q is both a per-user id and an id a caller may supply", id)
		}
	})
}

// FuzzActivationAndStateHandlers drives the handlers issue 12 changed with hostile
// input: activation reports with any id, outcome reports from any user with any
// reason, and state changes with any id and reason. None may panic or answer other
// than the documented statuses; another user's outcome report is always refused;
// nothing stored holds a caller's text longer than the cap.
func FuzzActivationAndStateHandlers(f *testing.F) {
	dir, err := os.MkdirTemp("", "addingovd-fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	d, err := New(Config{StateDir: dir, Address: filepath.Join(dir, "api.sock"), Policy: testPolicy{fastPolicy()}, Log: zerolog.Nop()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { d.db.Close() })
	self := strconv.Itoa(os.Getuid())
	for _, a := range []storage.Addin{
		{ID: "mine", Name: "Mine", State: governance.StateEnabled, Scope: storage.ScopeUser, Owner: self},
		{ID: "shared", Name: "Shared", State: governance.StateEnabled, Scope: storage.ScopeMachine},
	} {
		if err := d.db.PutAddin(a); err != nil {
			f.Fatal(err)
		}
		d.Installed(a)
	}
	owner := localapi.Caller{UID: self, Known: true} // an ordinary user who owns this process
	as := func(c localapi.Caller) context.Context { return localapi.WithCaller(context.Background(), c) }
	pid := int32(os.Getpid())

	f.Add("mine", "1001", "script error", false)
	f.Add("shared", self, strings.Repeat("x", 4096), true)
	f.Add("\x1b[31m", "0", "\u202e", true)
	f.Add("shared@uid:1001", "", "", false)
	f.Fuzz(func(t *testing.T, id, otherUID, reason string, admin bool) {
		other := localapi.Caller{UID: otherUID, Known: otherUID != "", Admin: admin}
		allowed := map[int]bool{0: true, http.StatusBadRequest: true, http.StatusForbidden: true, http.StatusNotFound: true,
			http.StatusConflict: true, http.StatusTooManyRequests: true}
		status := func(err error) int {
			if err == nil {
				return 0
			}
			return localapi.StatusOf(err)
		}

		resp, err := d.StartActivation(as(owner), localapi.ActivationRequest{AddinID: id, PID: pid, Name: reason})
		if s := status(err); !allowed[s] {
			t.Fatalf("StartActivation(%q): %v", id, err)
		} else if s == 0 && !addinid.Valid(id) {
			t.Fatalf("StartActivation accepted id %q", id)
		}
		if err == nil && resp.ActivationID != "" {
			_, err := d.FailActivation(as(other), resp.ActivationID, reason)
			mayReport := admin || (other.Known && otherUID == self)
			if s := status(err); !allowed[s] || (!mayReport && s != http.StatusForbidden) {
				t.Fatalf("FailActivation by uid %q (admin %v) of uid %s's activation: %v", otherUID, admin, self, err)
			}
			_, _ = d.EndActivation(as(owner), resp.ActivationID)
		}

		a, err := d.SetEnabled(as(other), id, len(reason)%2 == 0, localapi.StateRequest{Reason: reason})
		if s := status(err); !allowed[s] {
			t.Fatalf("SetEnabled(%q) by uid %q: %v", id, otherUID, err)
		}
		if err == nil {
			if rec, err := d.db.Addin(a.ID); err == nil && len(rec.StateReason) > maxStoredText+len("enabled by an administrator despite policy ()") {
				t.Fatalf("stored a %d-byte reason", len(rec.StateReason))
			}
		}
	})
}
