//go:build !windows

package daemon

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"addingov/localapi"
	"addingov/registrypolicy"
)

// FuzzPolicyUser: any --user value, from an ordinary user or an administrator, gets a
// policy, a 403 or a 404, never a panic or a 500; an ordinary user never sees another
// user's policy.
func FuzzPolicyUser(f *testing.F) {
	for _, s := range []string{"", "1000", "1001", "root", "no-such-user", "S-1-5-21-1-2-3-4", "-1", "99999999999", "1000\x00", " 1000 "} {
		f.Add(s, false)
		f.Add(s, true)
	}
	p, _ := perUserProvider(f)
	dir := tempDir(f)
	d, err := New(Config{StateDir: dir, Address: filepath.Join(dir, "api.sock"), Policy: p, Log: zerolog.Nop()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { d.db.Close() })
	f.Fuzz(func(t *testing.T, user string, admin bool) {
		ctx := localapi.WithCaller(context.Background(), localapi.Caller{UID: "1001", Known: true, Admin: admin})
		raw, err := d.Policy(ctx, user)
		if err != nil {
			if st := localapi.StatusOf(err); st != 403 && st != 404 {
				t.Fatalf("user %q: status %d: %v", user, st, err)
			}
			return
		}
		var v registrypolicy.View
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("user %q: %v", user, err)
		}
		if !admin && v.User != "" && !strings.EqualFold(v.User, "1001") {
			t.Fatalf("an ordinary user asking for %q saw %q's policy", user, v.User)
		}
	})
}
