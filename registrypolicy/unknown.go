package registrypolicy

import (
	"fmt"
	"strings"
)

// KeyLister is the optional part of a Store that lists a key's subkeys; the policy
// view uses it to report unknown subkeys (a misspelt list, or a misspelt AddinGov key).
type KeyLister interface {
	// ListKeys returns the names of hive\key's direct subkeys; a missing key has none.
	ListKeys(hive Hive, key string) ([]string, error)
}

// Unknown is a value or key under our policy keys that matches no setting: most often
// a typo, which would otherwise be ignored without a word.
type Unknown struct {
	Path string `json:"path"` // hive\key or hive\key\value
	Kind string `json:"kind"` // "value" or "key"
	Hint string `json:"hint"`
}

// findUnknown lists the values under our keys that are no setting, their subkeys that
// are no list setting, and sibling keys of ours whose names are one typo away.
func findUnknown(s Store) []Unknown {
	var scalars, lists []string
	for _, def := range settings {
		if def.Kind == KindList || def.Name == ManagedAddins {
			lists = append(lists, def.Name)
		} else {
			scalars = append(scalars, def.Name)
		}
	}
	var out []Unknown
	for _, h := range []Hive{HKLM, HKCU} {
		names, _ := s.ListValues(h, KeyAddinGov)
		for _, n := range names {
			if n == "" || containsFold(scalars, n) {
				continue
			}
			out = append(out, Unknown{Path: s.Origin(h, KeyAddinGov, n), Kind: "value", Hint: hint("setting", n, append(scalars, lists...))})
		}
		kl, ok := s.(KeyLister)
		if !ok {
			continue
		}
		subs, _ := kl.ListKeys(h, KeyAddinGov)
		for _, k := range subs {
			if !containsFold(lists, k) {
				out = append(out, Unknown{Path: fmt.Sprintf(`%s\%s\%s`, h, KeyAddinGov, k), Kind: "key", Hint: hint("list", k, lists)})
			}
		}
		parent := KeyAddinGov[:strings.LastIndex(KeyAddinGov, `\`)]
		ours := KeyAddinGov[len(parent)+1:]
		siblings, _ := kl.ListKeys(h, parent)
		for _, k := range siblings {
			if !strings.EqualFold(k, ours) && distance(strings.ToLower(k), strings.ToLower(ours)) <= 2 {
				out = append(out, Unknown{Path: fmt.Sprintf(`%s\%s\%s`, h, parent, k), Kind: "key",
					Hint: fmt.Sprintf("not read: addingov's policy key is %s\\%s", parent, ours)})
			}
		}
	}
	return out
}

// hint suggests the closest known name, if one is close.
func hint(what, name string, known []string) string {
	best, bestD := "", 4
	for _, k := range known {
		if d := distance(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("no such %s: did you mean %s? (ignored)", what, best)
	}
	return fmt.Sprintf("no such %s (ignored): `addingov policy` lists every name", what)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// distance is the Levenshtein distance between a and b, in bytes (names are ASCII).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
