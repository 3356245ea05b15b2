package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"addingov/governance"
	"addingov/governance/governancetest"
	"addingov/storage/storagetest"
)

// The damage tests build a state file with known records, damage it the way a disk or an
// interrupted copy would, and check what the daemon's Open and `addingovd recover` make
// of it. They use real bbolt files throughout.

// storeRecords is how many records buildDamageStore writes per bucket.
var storeRecords = map[string]int{bucketAddins: 40, bucketLog: 3000, bucketNotices: 30}

// damageTemplate is buildDamageStore's file, written once.
var damageTemplate struct {
	once sync.Once
	b    []byte
	err  error
}

// buildDamageStore returns a fresh copy of a state file big enough that the log has
// index (branch) pages.
func buildDamageStore(t testing.TB) string {
	t.Helper()
	damageTemplate.once.Do(func() {
		dir, err := os.MkdirTemp("", "addingov-damage")
		if err != nil {
			damageTemplate.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "addingov.db")
		if damageTemplate.err = writeDamageStore(path); damageTemplate.err == nil {
			damageTemplate.b, damageTemplate.err = os.ReadFile(path)
		}
	})
	if damageTemplate.err != nil {
		t.Fatal(damageTemplate.err)
	}
	path := filepath.Join(testDir(t), "addingov.db")
	if err := os.WriteFile(path, damageTemplate.b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeDamageStore(path string) (err error) {
	db, err := Open(path, Options{Clock: governancetest.NewClock(t0)})
	if err != nil {
		return err
	}
	for i := 0; i < storeRecords[bucketAddins]; i++ {
		if err := db.PutAddin(Addin{ID: fmt.Sprintf("addin-%02d", i), Name: "Add-in", State: governance.StateEnabled}); err != nil {
			return err
		}
	}
	var strikes []governance.Strike
	for i := 0; i < 100; i++ {
		strikes = append(strikes, strike(fmt.Sprintf("addin-%02d", i%4), t0.Add(time.Duration(i)*time.Second), float64(i)))
	}
	if err := db.AddStrikes(strikes); err != nil {
		return err
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		logB, idx := tx.Bucket([]byte(bucketLog)), tx.Bucket([]byte(bucketLogByAddin))
		for i := 0; i < storeRecords[bucketLog]; i++ {
			e := LogEntry{Time: t0.Add(time.Duration(i) * time.Minute), AddinID: fmt.Sprintf("addin-%02d", i%7), Action: "disable", Reason: "cpu", Detail: strings.Repeat("x", 100)}
			k := makeTimeKey(e.Time, 0)
			v, _ := json.Marshal(e)
			if err := logB.Put(k, v); err != nil {
				return err
			}
			if err := indexLogEntry(idx, e.AddinID, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := 0; i < storeRecords[bucketNotices]; i++ {
		if _, err := db.AppendNotice(Notice{Title: fmt.Sprintf("notice %d", i)}); err != nil {
			return err
		}
	}
	if err := db.AckNotices("alice", 12); err != nil {
		return err
	}
	return db.Close()
}

// treePage is one page of a state file's tree, as the page walk saw it.
type treePage struct {
	path []string
	id   uint64
	kind string
	keys [][]byte // the records' keys, for a leaf
}

// treePages lists the tree pages of the (healthy) file at path.
func treePages(t testing.TB, path string) (*storeFile, []treePage) {
	t.Helper()
	f, size, err := statFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sf, err := openStoreFile(f, size)
	if err != nil || !sf.metaOK {
		t.Fatalf("read meta pages: %v %v", err, sf.metaErrs)
	}
	var out []treePage
	w := newWalker(sf)
	w.onTree = func(p []string, pg page) {
		tp := treePage{path: append([]string(nil), p...), id: pg.id, kind: pg.kind()}
		if pg.flags == flagLeaf {
			elems, _ := pg.leafElems()
			for _, e := range elems {
				if !e.subBucket {
					tp.keys = append(tp.keys, e.key)
				}
			}
		}
		out = append(out, tp)
	}
	if err := w.walk(); err != nil || len(w.damage) > 0 {
		t.Fatalf("walk of a healthy file: %v %v", err, w.damage)
	}
	return sf, out
}

// findPage returns a page of the given kind in bucket, not its root (so it has siblings).
func findPage(t testing.TB, pages []treePage, bucket, kind string) treePage {
	t.Helper()
	var root uint64
	for _, p := range pages {
		if len(p.path) == 1 && p.path[0] == bucket {
			if root == 0 {
				root = p.id
			}
			if p.kind == kind && (p.id != root || kind == "branch") {
				return p
			}
		}
	}
	t.Fatalf("no %s page in bucket %s", kind, bucket)
	return treePage{}
}

// damageShapes are the ways a state file gets damaged; each returns the file's path.
// They are shared with the fuzz target's seeds.
var damageShapes = []struct {
	name   string
	cause  Cause
	phrase string // in the refusal
	damage func(t testing.TB, path string)
}{
	{"TruncatedHalf", CauseTruncated, "it was cut short", func(t testing.TB, path string) {
		fi, _ := os.Stat(path)
		if err := os.Truncate(path, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
	}},
	{"MetaOne", CauseMetaOne, "meta (header) page 0 is damaged", func(t testing.TB, path string) {
		storagetest.Scribble(t, path, pageHeaderSize+8, 32)
	}},
	{"MetaBoth", CauseMetaBoth, "both of its meta (header) pages are damaged", func(t testing.TB, path string) {
		sf, _ := treePages(t, path)
		storagetest.Scribble(t, path, pageHeaderSize, 48)
		storagetest.Scribble(t, path, int64(sf.pageSize)+pageHeaderSize, 48)
	}},
	{"BranchPage", CauseBranch, "an index (branch) page of bucket log is damaged", func(t testing.TB, path string) {
		sf, pages := treePages(t, path)
		p := findPage(t, pages, bucketLog, "branch")
		storagetest.Scribble(t, path, int64(p.id)*int64(sf.pageSize)+pageHeaderSize, 512)
	}},
	{"BranchPageWhole", CauseBranch, "an index (branch) page of bucket log is damaged", func(t testing.TB, path string) {
		// A branch page whose every byte is gone: its kind comes from its siblings.
		sf, pages := treePages(t, path)
		var branches []treePage
		for _, p := range pages {
			if p.kind == "branch" && len(p.path) == 1 && p.path[0] == bucketLog {
				branches = append(branches, p)
			}
		}
		if len(branches) < 3 {
			t.Fatalf("the log has %d index pages; this shape needs a root and two below it", len(branches))
		}
		storagetest.Scribble(t, path, int64(branches[1].id)*int64(sf.pageSize), sf.pageSize)
	}},
	{"LeafPage", CauseLeaf, "a page of records (leaf) of bucket log is damaged", func(t testing.TB, path string) {
		sf, pages := treePages(t, path)
		p := findPage(t, pages, bucketLog, "leaf")
		storagetest.Scribble(t, path, int64(p.id)*int64(sf.pageSize)+pageHeaderSize, 64)
	}},
	{"LeafPageWhole", CauseLeaf, "a page of records (leaf) of bucket log is damaged", func(t testing.TB, path string) {
		sf, pages := treePages(t, path)
		p := findPage(t, pages, bucketLog, "leaf")
		storagetest.Scribble(t, path, int64(p.id)*int64(sf.pageSize), sf.pageSize)
	}},
	{"FreelistPage", CauseFreelist, "its list of free pages is damaged", func(t testing.TB, path string) {
		sf, _ := treePages(t, path)
		storagetest.Scribble(t, path, int64(sf.meta.freelist)*int64(sf.pageSize), sf.pageSize)
	}},
	{"ZeroBytes", CauseZeroBytes, "the file is empty (0 bytes)", func(t testing.TB, path string) {
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
	}},
}

// TestIssue12_CorruptStore_Shapes: Open refuses each damaged file with its cause and
// advice, without a crash or a stack trace, and leaves every byte as it was.
func TestIssue12_CorruptStore_Shapes(t *testing.T) {
	for _, s := range damageShapes {
		t.Run(s.name, func(t *testing.T) {
			path := buildDamageStore(t)
			s.damage(t, path)
			before := storagetest.Hash(t, path)
			db, err := Open(path, Options{})
			if err == nil {
				db.Close()
				t.Fatal("Open accepted a damaged file")
			}
			assertRefusal(t, err, s.cause, s.phrase)
			if after := storagetest.Hash(t, path); after != before {
				t.Error("Open changed the damaged file")
			}
		})
	}
}

func assertRefusal(t testing.TB, err error, cause Cause, phrase string) {
	t.Helper()
	var ue *UnusableError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnusable) {
		t.Fatalf("error %v is no *UnusableError", err)
	}
	if ue.Diagnosis.Cause != cause {
		t.Errorf("cause %q, want %q (%v)", ue.Diagnosis.Cause, cause, err)
	}
	msg := err.Error()
	for _, want := range []string{phrase, "nothing was written to it", ue.Diagnosis.Advice} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q lacks %q", msg, want)
		}
	}
	for _, bad := range []string{"fatal error", "goroutine ", "panic"} {
		if strings.Contains(msg, bad) {
			t.Errorf("refusal %q contains %q", msg, bad)
		}
	}
}

// TestIssue12_CorruptStore_Directory: a directory where the file belongs is refused with
// advice that does not say to move it aside and start over.
func TestIssue12_CorruptStore_Directory(t *testing.T) {
	path := filepath.Join(testDir(t), "addingov.db")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "inside"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, Options{})
	assertRefusal(t, err, CauseDirectory, "it is a directory, not a file")
	if strings.Contains(err.Error(), "starts with an empty") {
		t.Errorf("the advice for a directory says to start over: %v", err)
	}
	if _, rerr := Recover(path, RecoverOptions{}); !errors.Is(rerr, ErrUnusable) {
		t.Errorf("Recover on a directory = %v, want a refusal", rerr)
	}
	if b, err := os.ReadFile(filepath.Join(path, "inside")); err != nil || string(b) != "x" {
		t.Errorf("the directory's content changed: %q %v", b, err)
	}
}

// TestIssue12_CorruptStore_BoltCheckFaultsInChild: bbolt's own check faults on a branch
// page that points far outside the file (a SIGSEGV Go cannot recover); run in the child,
// it costs only the child, and the verdict says so in words.
func TestIssue12_CorruptStore_BoltCheckFaultsInChild(t *testing.T) {
	path := buildDamageStore(t)
	sf, pages := treePages(t, path)
	p := findPage(t, pages, bucketLog, "branch")
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	// The first child's page id: 4 TiB into a mapping of a few hundred KiB.
	le.PutUint64(b, 1<<30)
	if _, err := f.WriteAt(b, int64(p.id)*int64(sf.pageSize)+pageHeaderSize+8); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res, err := boltCheckInChild(t.Context(), path, time.Second, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Crashed, "a memory fault reading the file") {
		t.Fatalf("bbolt's check in the child = %+v, want it to have faulted", res)
	}
	if strings.Contains(res.Crashed, "fatal error") || strings.Contains(res.Crashed, "goroutine") {
		t.Errorf("the verdict repeats the crash report: %q", res.Crashed)
	}
	t.Logf("bbolt's check in the child: %+v", res)
	// And the page walk names the page.
	_, err = Open(path, Options{})
	assertRefusal(t, err, CauseBranch, fmt.Sprintf("page %d", p.id))
}

// TestIssue12_CorruptStore_HealthyOpens: the check passes a healthy file, and one that
// another process holds is reported as held, not as damaged.
func TestIssue12_CorruptStore_HealthyOpens(t *testing.T) {
	path := buildDamageStore(t)
	d, err := CheckFile(path, CheckOptions{})
	if err != nil || !d.Healthy {
		t.Fatalf("CheckFile = %+v, %v", d, err)
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := CheckFile(path, CheckOptions{Timeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("CheckFile of a file in use = %v, want ErrLocked", err)
	}
}
