package registrypolicy

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// RegistryNotifier reports changes to the policy keys with RegNotifyChangeKeyValue.
// A key that does not exist yet is watched through its nearest existing ancestor, so
// creating it (a first GPO) is noticed too; after each notification the watches are
// re-armed on the keys as they now are.
type RegistryNotifier struct {
	keys func() []keyRef
	log  zerolog.Logger
	// rescan is how often the keys are listed again (users log on and off); 0 never.
	rescan time.Duration
}

var _ Notifier = (*RegistryNotifier)(nil)

// NewRegistryNotifier watches every key the definition table reads, HKCU as this
// process sees it.
func NewRegistryNotifier(log zerolog.Logger) *RegistryNotifier {
	keys := watchedKeys()
	return &RegistryNotifier{keys: func() []keyRef { return keys }, log: log}
}

// DefaultUserRescan is how often the user notifier looks for users who logged on or
// off (or whose profile was loaded or unloaded), to watch their keys.
const DefaultUserRescan = 5 * time.Second

// NewUserRegistryNotifier watches the machine keys and, for each user users.WatchUsers
// names, that user's keys under HKEY_USERS\<SID>; the user list is taken again every
// DefaultUserRescan, and a change in it is reported as a possible policy change.
func NewUserRegistryNotifier(log zerolog.Logger, users *SessionUsers) *RegistryNotifier {
	return &RegistryNotifier{keys: func() []keyRef { return userWatchedKeys(users.WatchUsers()) }, log: log, rescan: DefaultUserRescan}
}

// regWatch is one armed notification.
type regWatch struct {
	key   registry.Key
	event windows.Handle
	path  string
}

// Run implements Notifier.
func (n *RegistryNotifier) Run(ctx context.Context, changed chan<- struct{}) error {
	// An asynchronous registration ends when the thread that made it exits; pin this
	// goroutine to its thread so the registrations live as long as Run.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	cancel, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return fmt.Errorf("watch policy keys: create event: %w", err)
	}
	defer windows.CloseHandle(cancel)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			windows.SetEvent(cancel)
		case <-stop:
		}
	}()

	timeout := uint32(windows.INFINITE)
	if n.rescan > 0 {
		timeout = uint32(n.rescan.Milliseconds())
	}
	keys := n.keys()
	for {
		watches, err := n.arm(keys)
		if err != nil {
			closeWatches(watches)
			return err
		}
		handles := []windows.Handle{cancel}
		for _, w := range watches {
			handles = append(handles, w.event)
		}
		for {
			idx, err := windows.WaitForMultipleObjects(handles, false, timeout)
			if err != nil {
				closeWatches(watches)
				return fmt.Errorf("watch policy keys: wait: %w", err)
			}
			if idx == uint32(windows.WAIT_TIMEOUT) {
				// Users logged on or off: watch their keys, and have their policy read.
				if now := n.keys(); !sameKeys(now, keys) {
					keys = now
					break
				}
				continue
			}
			if idx == windows.WAIT_OBJECT_0 || ctx.Err() != nil {
				closeWatches(watches)
				return nil
			}
			if i := int(idx - windows.WAIT_OBJECT_0 - 1); i >= 0 && i < len(watches) {
				n.log.Debug().Str("key", watches[i].path).Msg("policy key changed")
			}
			break
		}
		closeWatches(watches)
		signal(changed)
	}
}

func sameKeys(a, b []keyRef) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Hive != b[i].Hive || foldKey(a[i].Key) != foldKey(b[i].Key) {
			return false
		}
	}
	return true
}

// arm opens each watched key (or its nearest existing ancestor) and registers for
// changes to names and values in its subtree.
func (n *RegistryNotifier) arm(keys []keyRef) ([]regWatch, error) {
	var watches []regWatch
	armed := map[string]bool{}
	for _, ref := range keys {
		key, path, err := openNearest(ref)
		if err != nil {
			if ref.Hive == HKU {
				// A user's hive unloaded between listing and watching: the next
				// rescan drops it.
				n.log.Debug().Err(err).Str("key", ref.Key).Msg("cannot watch a user's policy key")
				continue
			}
			return watches, err
		}
		if armed[foldKey(path)] {
			key.Close()
			continue
		}
		armed[foldKey(path)] = true
		event, err := windows.CreateEvent(nil, 0, 0, nil)
		if err != nil {
			key.Close()
			return watches, fmt.Errorf("watch policy keys: create event: %w", err)
		}
		const filter = windows.REG_NOTIFY_CHANGE_NAME | windows.REG_NOTIFY_CHANGE_LAST_SET
		if err := windows.RegNotifyChangeKeyValue(windows.Handle(key), true, filter, event, true); err != nil {
			key.Close()
			windows.CloseHandle(event)
			return watches, fmt.Errorf("watch policy key %s: %w", path, err)
		}
		watches = append(watches, regWatch{key: key, event: event, path: path})
	}
	return watches, nil
}

// openNearest opens ref's key, or its nearest existing ancestor, for notification.
func openNearest(ref keyRef) (registry.Key, string, error) {
	key := cleanKey(ref.Key)
	for {
		k, ok, err := openKey(ref.Hive, key, registry.NOTIFY)
		if err != nil {
			return 0, "", fmt.Errorf("watch policy keys: %w", err)
		}
		if ok {
			return k, ref.Hive.String() + `\` + key, nil
		}
		if key == "" {
			return 0, "", fmt.Errorf("watch policy keys: cannot open %s", ref.Hive)
		}
		key = parentKey(key)
	}
}

func closeWatches(ws []regWatch) {
	for _, w := range ws {
		w.key.Close()
		windows.CloseHandle(w.event)
	}
}
