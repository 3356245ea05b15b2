package registrypolicy

import "strings"

// keyRef names a registry key.
type keyRef struct {
	Hive Hive
	Key  string
}

// watchedKeys are the keys whose changes can change the effective policy: every
// location's key, minus those already inside another listed key (watches cover their
// subtrees). Derived from the table, so a new location is watched without further
// work.
func watchedKeys() []keyRef {
	var all []keyRef
	for _, s := range settings {
		for _, l := range s.Locations {
			all = append(all, keyRef{l.Hive, cleanKey(l.Key)})
		}
	}
	var out []keyRef
	for i, k := range all {
		covered := false
		for j, other := range all {
			if i != j && k.Hive == other.Hive && keyWithin(k.Key, other.Key) && (foldKey(k.Key) != foldKey(other.Key) || j < i) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, k)
		}
	}
	return out
}

// keyWithin reports whether key is parent or below it.
func keyWithin(key, parent string) bool {
	k, p := foldKey(key), foldKey(parent)
	return k == p || p == "" || strings.HasPrefix(k, p+`\`)
}

// parentKey is key's parent ("" for a top-level key).
func parentKey(key string) string {
	key = cleanKey(key)
	if i := strings.LastIndexByte(key, '\\'); i >= 0 {
		return key[:i]
	}
	return ""
}

// userWatchedKeys are the keys to watch for a service that reads users' policy from
// their hives: the machine keys, and each user's keys under HKEY_USERS\<SID> (never
// the service's own HKEY_CURRENT_USER).
func userWatchedKeys(users []string) []keyRef {
	var out []keyRef
	for _, k := range watchedKeys() {
		if k.Hive != HKCU {
			out = append(out, k)
			continue
		}
		for _, u := range users {
			out = append(out, keyRef{HKU, UserKey(u) + `\` + k.Key})
		}
	}
	return out
}
