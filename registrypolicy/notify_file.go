package registrypolicy

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"
)

// FileNotifier reports changes to one file. It watches the file's directory, not the
// file: editors save by writing a new file and renaming it over the old one, which a
// watch on the old file would never see.
type FileNotifier struct {
	Path string
	Log  zerolog.Logger
}

var _ Notifier = FileNotifier{}

// Run implements Notifier.
func (n FileNotifier) Run(ctx context.Context, changed chan<- struct{}) error {
	abs, err := filepath.Abs(n.Path)
	if err != nil {
		return fmt.Errorf("watch policy file %s: %w", n.Path, err)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch policy file %s: %w", n.Path, err)
	}
	defer w.Close()
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("watch policy file %s: watch its folder %s: %w", n.Path, dir, err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if sameName(filepath.Base(ev.Name), base) && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename|fsnotify.Remove) != 0 {
				signal(changed)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// An overflow or a transient error may have hidden a change: re-read to be sure.
			n.Log.Debug().Err(err).Str("file", n.Path).Msg("policy file watch error")
			signal(changed)
		}
	}
}

// sameName compares file names as the platform does.
func sameName(a, b string) bool {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return strings.EqualFold(a, b)
	}
	return a == b
}
