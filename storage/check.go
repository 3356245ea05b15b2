package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// Cause says why a state file cannot be used; each has its own advice (Diagnosis.Advice).
type Cause string

// The causes CheckFile tells apart.
const (
	CauseZeroBytes    Cause = "zero-bytes"        // the file is empty
	CauseDirectory    Cause = "directory"         // a directory (or another non-file) is where the file belongs
	CauseUnreadable   Cause = "unreadable"        // the file cannot be read (permission denied, I/O error)
	CauseTruncated    Cause = "truncated"         // the file is shorter than its own header says
	CauseMetaOne      Cause = "damaged-meta"      // one of the two meta (header) pages is damaged
	CauseMetaBoth     Cause = "damaged-meta-both" // both meta pages are damaged (or it is no bbolt file)
	CauseBranch       Cause = "damaged-branch"    // an index page is damaged
	CauseLeaf         Cause = "damaged-leaf"      // a page of records is damaged
	CausePage         Cause = "damaged-page"      // a tree page is damaged and it cannot be told which kind
	CauseFreelist     Cause = "damaged-freelist"  // the list of free pages is damaged
	CauseInconsistent Cause = "inconsistent"      // bbolt's own check found problems (or crashed)
)

// ErrUnusable is returned (wrapped, as an *UnusableError) when the state file is damaged
// or cannot be read; Open then has not written to it.
var ErrUnusable = errors.New("state database unusable")

// Diagnosis is what CheckFile found out about a state file.
type Diagnosis struct {
	Path    string       `json:"path"`
	Healthy bool         `json:"healthy"`
	Cause   Cause        `json:"cause,omitempty"`
	Summary string       `json:"summary,omitempty"` // what is wrong, in a sentence
	Advice  string       `json:"advice,omitempty"`  // what to do about it
	Size    int64        `json:"size"`
	Pages   uint64       `json:"pages,omitempty"` // the file's high-water mark, when a meta page says it
	Damage  []PageDamage `json:"damaged_pages,omitempty"`
	// BoltCheck is what bbolt's own consistency check said, run in a child process.
	BoltCheck []string `json:"bolt_check,omitempty"`
}

// UnusableError says the state file is damaged or unreadable, why, and what to do.
type UnusableError struct{ Diagnosis Diagnosis }

func (e *UnusableError) Error() string {
	d := e.Diagnosis
	return fmt.Sprintf("state database %s cannot be used: %s; nothing was written to it. %s", d.Path, d.Summary, d.Advice)
}

// Is makes errors.Is(err, ErrUnusable) true.
func (e *UnusableError) Is(target error) bool { return target == ErrUnusable }

// CheckOptions tune CheckFile.
type CheckOptions struct {
	// Timeout bounds the wait for another process's lock; zero or less means DefaultTimeout.
	Timeout time.Duration
	// NoChild skips bbolt's own check in a child process (the page walk still runs).
	NoChild bool
	Log     zerolog.Logger
}

// CheckFile checks the state file at path without writing to it and without any way for
// damage to take this process down: the file is read page by page with every offset
// checked (a page walk of bbolt's format), and bbolt's own Tx.Check, which reads through
// a memory map and faults on some damage, runs on a read-only open in a child process
// (this program re-run; see the package's init). A fault in the child costs only the
// child: Go cannot recover one in-process (debug.SetPanicOnFault applies only to the
// calling goroutine, and bbolt's check runs on a goroutine of its own; stack overflow from
// a page loop and out-of-memory are fatal regardless).
//
// It returns the Diagnosis, or an error when the file does not exist (fs.ErrNotExist) or
// another process holds it (*LockedError).
func CheckFile(path string, opts CheckOptions) (Diagnosis, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	d := Diagnosis{Path: path}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return d, err
	case err != nil:
		return unreadable(d, err), nil
	case fi.IsDir():
		return d.unusable(CauseDirectory, "it is a directory, not a file"), nil
	case !fi.Mode().IsRegular():
		return d.unusable(CauseDirectory, fmt.Sprintf("it is a %s, not a regular file", fileType(fi.Mode()))), nil
	}
	d.Size = fi.Size()
	if d.Size == 0 {
		return d.unusable(CauseZeroBytes, "the file is empty (0 bytes)"), nil
	}
	f, size, err := statFile(path)
	if err != nil {
		return unreadable(d, err), nil
	}
	defer f.Close()
	d.Size = size
	sf, err := openStoreFile(f, size)
	if err != nil {
		return unreadable(d, err), nil
	}
	if d, done := d.checkHeader(sf); done {
		return d, nil
	}
	// Hold bbolt's shared lock while reading, so a daemon writing the file is reported
	// as that, not as damage. With the meta pages and size checked, bbolt's read-only
	// open touches only the meta pages.
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: opts.Timeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return d, lockedError(path, opts.Timeout)
	}
	if err != nil {
		return d.unusable(CauseInconsistent, fmt.Sprintf("bbolt cannot open it read-only: %v", err)), nil
	}
	defer bdb.Close()
	if d, done := d.checkPages(sf); done {
		return d, nil
	}
	if opts.NoChild {
		d.Healthy = true
		return d, nil
	}
	res, err := boltCheckInChild(context.Background(), path, opts.Timeout, childTimeout(size))
	if err != nil {
		// The child could not be started (the binary is gone, say); the walk above
		// already read every page, so this is a warning, not a reason to refuse.
		opts.Log.Warn().Err(err).Str("event", "storage-problem").Msg("bbolt's consistency check could not run; relying on the page walk")
		d.Healthy = true
		return d, nil
	}
	switch {
	case res.Locked:
		return d, lockedError(path, opts.Timeout)
	case res.Crashed != "":
		d.BoltCheck = []string{res.Crashed}
		return d.unusable(CauseInconsistent, "bbolt's own consistency check crashed on it ("+res.Crashed+")"), nil
	case res.OpenError != "":
		d.BoltCheck = []string{res.OpenError}
		return d.unusable(CauseInconsistent, "bbolt cannot open it: "+res.OpenError), nil
	case len(res.Problems) > 0:
		d.BoltCheck = res.Problems
		return d.unusable(CauseInconsistent, "bbolt's consistency check reports: "+strings.Join(first(res.Problems, 5), "; ")), nil
	}
	d.Healthy = true
	return d, nil
}

// checkHeader checks the meta pages and the file's length; done means d is the verdict.
func (d Diagnosis) checkHeader(sf *storeFile) (Diagnosis, bool) {
	if !sf.metaOK {
		return d.unusable(CauseMetaBoth, fmt.Sprintf("both of its meta (header) pages are damaged (page 0: %v; page 1: %v), or it is not a state file at all", sf.metaErrs[0], sf.metaErrs[1])), true
	}
	d.Pages = sf.meta.hwm
	if sf.meta.hwm > uint64(sf.size)/uint64(sf.pageSize) {
		return d.unusable(CauseTruncated, fmt.Sprintf("the file is %d bytes but its header says it holds %d pages of %d bytes: it was cut short", sf.size, sf.meta.hwm, sf.pageSize)), true
	}
	return d, false
}

// checkPages walks every page; done means d is the verdict (damage was found).
func (d Diagnosis) checkPages(sf *storeFile) (Diagnosis, bool) {
	w := newWalker(sf)
	_ = w.walk() // without callbacks it cannot fail
	if len(w.damage) > 0 {
		return d.damaged(w), true
	}
	for i, err := range sf.metaErrs {
		if err != nil {
			return d.unusable(CauseMetaOne, fmt.Sprintf("meta (header) page %d is damaged (%v); the other one and every page of data are intact", i, err)), true
		}
	}
	return d, false
}

// childTimeout bounds bbolt's check in the child: generous (a hang is the only thing it
// catches), growing with the file. BENCHMARKS.md has the measured speed.
func childTimeout(size int64) time.Duration {
	return time.Minute + time.Duration(size/(1<<20))*time.Second
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
	}
	return s
}

// damaged fills d from the walk's findings: the first damaged page decides the cause.
func (d Diagnosis) damaged(w *walker) Diagnosis {
	d.Damage = w.damage
	for i := range d.Damage {
		if d.Damage[i].Kind == "" {
			d.Damage[i].Kind = "page"
		}
	}
	first := d.Damage[0]
	cause := map[string]Cause{"branch": CauseBranch, "leaf": CauseLeaf, "freelist": CauseFreelist}[first.Kind]
	if cause == "" {
		cause = CausePage
	}
	n := len(d.Damage) + w.unlisted
	what := map[Cause]string{
		CauseBranch:   "an index (branch) page",
		CauseLeaf:     "a page of records (leaf)",
		CauseFreelist: "its list of free pages",
		CausePage:     "a page of its tree",
	}[cause]
	where := ""
	if first.Bucket != "" {
		where = " of bucket " + first.Bucket
	}
	summary := fmt.Sprintf("%s%s is damaged (page %d: %s)", what, where, first.Page, first.Problem)
	if n > 1 {
		summary += fmt.Sprintf(", and %d more pages", n-1)
	}
	return d.unusable(cause, summary)
}

func unreadable(d Diagnosis, err error) Diagnosis {
	if errors.Is(err, fs.ErrPermission) {
		return d.unusable(CauseUnreadable, fmt.Sprintf("this process (%s) may not read it: %v", processUser(), unwrapPath(err)))
	}
	return d.unusable(CauseUnreadable, fmt.Sprintf("it cannot be read: %v", unwrapPath(err)))
}

// unwrapPath drops the path a *PathError repeats (the message names it already).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

func (d Diagnosis) unusable(c Cause, summary string) Diagnosis {
	d.Healthy, d.Cause, d.Summary, d.Advice = false, c, summary, advice(c, d.Path)
	return d
}

// advice is what to do about each cause. The recover command keeps the damaged file, so
// it is the advice wherever records can still be read; where the file may be intact
// (unreadable, a directory) the advice never says to move it aside.
func advice(c Cause, path string) string {
	const rec = "Run `addingovd recover` (with the same --state-dir): it copies every record that can still be read into a fresh state file, keeps this one beside it as addingov.db.damaged-<time>, and prints what it kept and what was lost."
	switch c {
	case CauseZeroBytes:
		return "An empty file holds no records: it was created but never written (a crash while the daemon first started) or something emptied it. Restore addingov.db from a backup if you have one; otherwise run `addingovd recover` (or delete the empty file) and addingovd starts with an empty state."
	case CauseDirectory:
		return "Something put this where the state file belongs. Look inside first (the real state file may have been moved into it), then move it out of the way or rename it; do not delete it unread. Or point --state-dir somewhere else. `addingovd recover` will not touch it."
	case CauseUnreadable:
		return fmt.Sprintf("The file itself may be intact: do NOT move it aside or run recover, which would start over without its records. Fix its owner and mode so the daemon's account can read and write it (for example chown and chmod 600 %s), or run addingovd as the account that owns it; for an I/O error, copy the file off the failing disk and run recover on the copy.", path)
	case CauseTruncated:
		return "The end of the file is missing (a full disk, or an interrupted copy or restore). If it was copied or restored, copy it again from the source. Otherwise: " + rec + " Records that were in the missing part are lost."
	case CauseMetaOne:
		return "This is what an interrupted write or a disk error leaves. " + rec + " Nothing should be lost."
	case CauseMetaBoth:
		return "Without a meta page the file cannot say where its records are. Restore addingov.db from a backup; otherwise run `addingovd recover`, which sets this file aside (keep it for support) and starts an empty state."
	case CauseBranch:
		return "The records below that index page cannot be reached. " + rec + " Restore from a backup if the lost records matter."
	case CauseLeaf, CausePage:
		return "The records on that page are lost; the others are intact. " + rec
	case CauseFreelist:
		return "Every record still reads, but writing would reuse pages that hold data, so the daemon will not write to it. " + rec + " Nothing should be lost."
	}
	return rec + " Restore from a backup if the lost records matter."
}
