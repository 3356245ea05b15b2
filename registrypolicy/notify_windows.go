package registrypolicy

import (
	"context"
	"fmt"
	"runtime"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// RegistryNotifier reports changes to the policy keys with RegNotifyChangeKeyValue.
// A key that does not exist yet is watched through its nearest existing ancestor, so
// creating it (a first GPO) is noticed too; after each notification the watches are
// re-armed on the keys as they now are.
type RegistryNotifier struct {
	keys []keyRef
	log  zerolog.Logger
}

var _ Notifier = (*RegistryNotifier)(nil)

// NewRegistryNotifier watches every key the definition table reads.
func NewRegistryNotifier(log zerolog.Logger) *RegistryNotifier {
	return &RegistryNotifier{keys: watchedKeys(), log: log}
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

	for {
		watches, err := n.arm()
		if err != nil {
			closeWatches(watches)
			return err
		}
		handles := []windows.Handle{cancel}
		for _, w := range watches {
			handles = append(handles, w.event)
		}
		idx, err := windows.WaitForMultipleObjects(handles, false, windows.INFINITE)
		closeWatches(watches)
		if err != nil {
			return fmt.Errorf("watch policy keys: wait: %w", err)
		}
		if idx == windows.WAIT_OBJECT_0 || ctx.Err() != nil {
			return nil
		}
		if i := int(idx - windows.WAIT_OBJECT_0 - 1); i >= 0 && i < len(watches) {
			n.log.Debug().Str("key", watches[i].path).Msg("policy key changed")
		}
		signal(changed)
	}
}

// arm opens each watched key (or its nearest existing ancestor) and registers for
// changes to names and values in its subtree.
func (n *RegistryNotifier) arm() ([]regWatch, error) {
	var watches []regWatch
	armed := map[string]bool{}
	for _, ref := range n.keys {
		key, path, err := openNearest(ref)
		if err != nil {
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
