package registrypolicy

import (
	"fmt"
	"strings"

	"github.com/rs/zerolog"
)

// NewKeyNotifier watches the given keys (full paths such as
// `HKLM\Software\Microsoft\Office` or `HKU\S-1-5-21-…\Software\Microsoft\Office`) and
// their subtrees with RegNotifyChangeKeyValue, the same way the policy keys are
// watched: a key that does not exist yet is watched through its nearest ancestor.
func NewKeyNotifier(log zerolog.Logger, paths ...string) (*RegistryNotifier, error) {
	var keys []keyRef
	for _, p := range paths {
		root, key, _ := strings.Cut(strings.Trim(p, `\`), `\`)
		h, err := ParseHive(root)
		if err != nil {
			return nil, fmt.Errorf("watch %s: %w", p, err)
		}
		keys = append(keys, keyRef{Hive: h, Key: cleanKey(key)})
	}
	return &RegistryNotifier{keys: func() []keyRef { return keys }, log: log}, nil
}
