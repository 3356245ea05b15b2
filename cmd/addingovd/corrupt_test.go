//go:build !windows

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"addingov/governance"
	"addingov/storage"
	"addingov/storage/storagetest"
)

// These tests run the real daemon (this test binary, re-run as addingovd: see TestMain)
// on real damaged bbolt files, as issue 12 item 15 found them: each must end with a clear
// refusal and exit status 3, no crash report, and the file's bytes as they were.

const mainEnv = "ADDINGOVD_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) != "" {
		os.Args = append([]string{"addingovd"}, strings.Fields(os.Getenv(mainEnv))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// template is a state file with records, written once and copied for each test.
var template struct {
	once sync.Once
	path string
	err  error
}

func storeWithRecords(t *testing.T, dir string) string {
	t.Helper()
	template.once.Do(func() {
		tdir, err := os.MkdirTemp("", "addingovd-corrupt")
		if err != nil {
			template.err = err
			return
		}
		template.path, template.err = writeTemplate(filepath.Join(tdir, storage.FileName))
	})
	if template.err != nil {
		t.Fatal(template.err)
	}
	b, err := os.ReadFile(template.path)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, storage.FileName)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeTemplate writes add-ins through the storage API and enough log entries (straight
// into bbolt, in one transaction) that the log has index pages.
func writeTemplate(path string) (string, error) {
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		return "", err
	}
	for i := 0; i < 5; i++ {
		if err := db.PutAddin(storage.Addin{ID: fmt.Sprintf("addin-%d", i), State: governance.StateEnabled}); err != nil {
			return "", err
		}
	}
	if err := db.Close(); err != nil {
		return "", err
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return "", err
	}
	defer bdb.Close()
	return path, bdb.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("log"))
		for i := 0; i < 3000; i++ {
			k := make([]byte, 12)
			k[0], k[6], k[7] = 0x18, byte(i>>8), byte(i)
			v, _ := json.Marshal(storage.LogEntry{Action: "disable", Reason: "cpu", Detail: strings.Repeat("x", 100)})
			if err := b.Put(k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// pageOf finds a page of the file by bbolt's own page listing: typ is "branch" (the log's
// root, an index page), "leaf" (one of the log's: no other page holds more than 10
// records) or "freelist".
func pageOf(t *testing.T, path, typ string) (id int64, size int64) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.View(func(tx *bolt.Tx) error {
		size = int64(tx.DB().Info().PageSize)
		if typ == "branch" {
			id = int64(tx.Bucket([]byte("log")).Root())
			if p, _ := tx.Page(int(id)); p == nil || p.Type != "branch" {
				return fmt.Errorf("the log's root is no branch page: %+v", p)
			}
			return nil
		}
		for i := 2; ; i++ {
			p, err := tx.Page(i)
			if err != nil || p == nil {
				return fmt.Errorf("no %s page: %v", typ, err)
			}
			if p.Type == typ && (typ != "leaf" || p.Count > 10) {
				id = int64(i)
				return nil
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, size
}

// runAddingovd runs this binary as addingovd with args, as uid when it is not 0.
func runAddingovd(t *testing.T, uid uint32, args ...string) (string, int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if uid != 0 {
		exe = executableCopy(t)
	}
	// A healthy store would make run serve until stopped; the deadline only ends a
	// test that has already failed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), mainEnv+"="+strings.Join(args, " "))
	if uid != 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

// executableCopy is this test binary in a directory any user may enter, for a child run
// as another user.
func executableCopy(t *testing.T) string {
	t.Helper()
	exe, _ := os.Executable()
	dir := worldDir(t)
	dst := filepath.Join(dir, "addingovd")
	src, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, src); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return dst
}

// worldDir is a temporary directory (and parents) any user may enter.
func worldDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// refuses damages a fresh state file, runs `addingovd run` on it and checks the refusal.
func refuses(t *testing.T, damage func(t *testing.T, path string), want string) {
	t.Helper()
	refusesAs(t, 0, damage, want)
}

func refusesAs(t *testing.T, uid uint32, damage func(t *testing.T, path string), want string) {
	t.Helper()
	dir := worldDir(t)
	path := storeWithRecords(t, dir)
	damage(t, path)
	before := storagetest.Hash(t, path)
	out, code := runAddingovd(t, uid, "run", "--state-dir", dir, "--socket", filepath.Join(dir, "api.sock"))
	if code != exitUnusable {
		t.Errorf("addingovd exited with %d, want %d; output:\n%s", code, exitUnusable, out)
	}
	if !strings.Contains(out, want) || !strings.Contains(out, "nothing was written to it") {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	for _, bad := range []string{"fatal error", "goroutine ", "panic:", "SIGSEGV"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	if after := storagetest.Hash(t, path); after != before {
		t.Error("the state file changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "api.sock")); err == nil {
		t.Error("the daemon started serving")
	}
}

func TestIssue12_CorruptStore_TruncatedHalf(t *testing.T) {
	refuses(t, func(t *testing.T, path string) {
		fi, _ := os.Stat(path)
		os.Truncate(path, fi.Size()/2)
	}, "it was cut short")
}

func TestIssue12_CorruptStore_MetaOne(t *testing.T) {
	refuses(t, func(t *testing.T, path string) { storagetest.Scribble(t, path, 24, 32) }, "meta (header) page 0 is damaged")
}

func TestIssue12_CorruptStore_MetaBoth(t *testing.T) {
	refuses(t, func(t *testing.T, path string) {
		_, size := pageOf(t, path, "leaf")
		storagetest.Scribble(t, path, 16, 48)
		storagetest.Scribble(t, path, size+16, 48)
	}, "both of its meta (header) pages are damaged")
}

func TestIssue12_CorruptStore_BranchPage(t *testing.T) {
	refuses(t, func(t *testing.T, path string) {
		id, size := pageOf(t, path, "branch")
		storagetest.Scribble(t, path, id*size+16, 512)
	}, "an index (branch) page of bucket log is damaged")
}

func TestIssue12_CorruptStore_LeafPage(t *testing.T) {
	refuses(t, func(t *testing.T, path string) {
		id, size := pageOf(t, path, "leaf")
		storagetest.Scribble(t, path, id*size+16, 64)
	}, "a page of records (leaf)")
}

func TestIssue12_CorruptStore_FreelistPage(t *testing.T) {
	refuses(t, func(t *testing.T, path string) {
		id, size := pageOf(t, path, "freelist")
		storagetest.Scribble(t, path, id*size, int(size))
	}, "its list of free pages is damaged")
}

func TestIssue12_CorruptStore_ZeroBytes(t *testing.T) {
	refuses(t, func(t *testing.T, path string) { os.Truncate(path, 0) }, "the file is empty (0 bytes)")
}

func TestIssue12_CorruptStore_Directory(t *testing.T) {
	refuses(t, func(t *testing.T, path string) {
		os.Remove(path)
		os.Mkdir(path, 0o700)
	}, "it is a directory, not a file")
}

// TestIssue12_CorruptStore_Unreadable runs the daemon as uid 65534 on a file mode 000
// (root would read it regardless): the refusal says permission, and not to start over.
func TestIssue12_CorruptStore_Unreadable(t *testing.T) {
	if os.Getuid() != 0 {
		t.Fatal("this test runs the daemon as another user and needs root (CI runs as root)")
	}
	refusesAs(t, 65534, func(t *testing.T, path string) {
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(filepath.Dir(path), 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}, "may not read it: open: permission denied")
}

// TestIssue12_CorruptStore_RecoverCommand: `addingovd recover --json` on a damaged leaf
// reports what it kept and lost, keeps the damaged file, and the daemon's check then
// passes the fresh one.
func TestIssue12_CorruptStore_RecoverCommand(t *testing.T) {
	dir := worldDir(t)
	path := storeWithRecords(t, dir)
	id, size := pageOf(t, path, "leaf")
	storagetest.Scribble(t, path, id*size, int(size))
	before := storagetest.Hash(t, path)
	out, code := runAddingovd(t, 0, "recover", "--json", "--state-dir", dir)
	if code != 0 {
		t.Fatalf("recover exited %d:\n%s", code, out)
	}
	var rep storage.RecoverReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("recover --json printed %q: %v", out, err)
	}
	if !rep.Recovered || rep.LostPages != 1 || storagetest.Hash(t, rep.DamagedCopy) != before {
		t.Errorf("report %+v", rep)
	}
	for _, b := range rep.Buckets {
		// One page of the log is lost (a page holds a few dozen entries); the rest is kept.
		if b.Bucket == "log" && (b.Kept < 2950 || b.Kept >= 3000 || b.LostPages != 1) {
			t.Errorf("log: %+v", b)
		}
	}
	out, code = runAddingovd(t, 0, "check", "--state-dir", dir)
	if code != 0 || !strings.Contains(out, "healthy") {
		t.Errorf("check after recover exited %d:\n%s", code, out)
	}
}
