package registrypolicy

import (
	"strings"
	"testing"
)

// FuzzUserView: any HKEY_USERS subkey name either is a user SID or is not, and a
// user's view of a store never panics and only ever reads that user's hive for user
// policy: every origin outside HKLM names HKEY_USERS\<that SID>.
func FuzzUserView(f *testing.F) {
	for _, s := range []string{alice, alice + "_Classes", ".DEFAULT", "S-1-5-18", "S-1-12-1-1-2-3-4", `S-1-5-21-1\..\x`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sid string) {
		if IsUserSID(sid) && (strings.ContainsAny(sid, `\/ `) || strings.HasSuffix(UserKey(sid), "_CLASSES")) {
			t.Fatalf("IsUserSID(%q) accepted a name that is no SID", sid)
		}
		s := NewMemoryStore()
		s.Set(HKU, UserKey(sid)+`\`+wef16, "alertinterval", DWord(20))
		s.Set(HKU, `S-1-5-21-9-9-9-9\`+wef16, "activationretrylimit", DWord(5))
		e := Evaluate(UserView(s, sid))
		for _, sv := range e.Settings {
			if sv.Origin == OriginDefault || strings.HasPrefix(sv.Origin, string(HKLM)) {
				continue
			}
			if !strings.HasPrefix(sv.Origin, string(HKU)+`\`+UserKey(sid)+`\`) {
				t.Fatalf("user %q's %s comes from %q", sid, sv.Name, sv.Origin)
			}
		}
	})
}
