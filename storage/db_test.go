package storage

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"addingov/governance"
	bolt "go.etcd.io/bbolt"
)

func TestOpenCreatesCurrentSchemaAndPIDFile(t *testing.T) {
	path := filepath.Join(testDir(t), "state", "nested", "addingov.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := rawGet(t, db, []byte(keySchemaVersion), bucketMeta); !bytes.Equal(got, seqKey(schemaVersion())) {
		t.Errorf("schema version %x, want %d", got, schemaVersion())
	}
	for _, name := range []string{bucketMeta, bucketAddins, bucketStrikes, bucketLog, bucketLogByAddin, bucketNotices, bucketNoticeAcks, bucketGrants} {
		if !bucketExists(t, db, name) {
			t.Errorf("bucket %s missing", name)
		}
	}
	pid, _, err := readPIDFile(path + ".pid")
	if err != nil || pid != os.Getpid() {
		t.Errorf("pid file names %d (%v), want %d", pid, err, os.Getpid())
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(path + ".pid"); !os.IsNotExist(err) {
		t.Errorf("pid file still there after Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func bucketExists(t *testing.T, db *DB, name string) bool {
	t.Helper()
	var ok bool
	db.bolt.View(func(tx *bolt.Tx) error { ok = tx.Bucket([]byte(name)) != nil; return nil })
	return ok
}

func TestOpenTwiceInOneProcessIsRefused(t *testing.T) {
	db, _ := openTestDB(t)
	_, err := Open(db.Path(), Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("second Open: %#v, want a LockedError naming pid %d", err, os.Getpid())
	}
	want := fmt.Sprintf("this process (pid %d) already has it open", os.Getpid())
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), db.Path()) {
		t.Errorf("error %q lacks %q or the path", err, want)
	}
	// The first handle is unharmed.
	if err := db.PutAddin(Addin{ID: "still-works"}); err != nil {
		t.Errorf("first handle after the refused Open: %v", err)
	}
}

func TestLockedErrorText(t *testing.T) {
	other := os.Getpid() + 1000
	tests := []struct {
		name string
		err  LockedError
		want string
	}{
		{"named program", LockedError{Path: "/s/addingov.db", PID: other, Program: "addingovd", Waited: 2 * time.Second},
			fmt.Sprintf("open state database /s/addingov.db: another addingovd (pid %d) is using it (waited 2s for it to let go); stop it first or use a different --state-dir", other)},
		{"pid only", LockedError{Path: "x.db", PID: other, Waited: time.Second},
			fmt.Sprintf("open state database x.db: another process (pid %d) is using it (waited 1s for it to let go); stop it first or use a different --state-dir", other)},
		{"unknown holder", LockedError{Path: "x.db", Waited: time.Second},
			"open state database x.db: another process is using it (waited 1s for it to let go); stop it first or use a different --state-dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if !errors.Is(&tt.err, ErrLocked) {
				t.Error("errors.Is(LockedError, ErrLocked) is false")
			}
		})
	}
}

func TestParsePIDLine(t *testing.T) {
	tests := []struct {
		in      string
		pid     int
		prog    string
		wantErr bool
	}{
		{"1234 addingovd\n", 1234, "addingovd", false},
		{"42", 42, "", false},
		{"7 evil\x1b[31mname", 7, "evil[31mname", false},
		{"9 " + strings.Repeat("a", 100), 9, strings.Repeat("a", 64), false},
		{"", 0, "", true},
		{"abc addingovd", 0, "", true},
		{"-5 x", 0, "", true},
		{"0", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			pid, prog, err := parsePIDLine(tt.in)
			if (err != nil) != tt.wantErr || pid != tt.pid || prog != tt.prog {
				t.Errorf("parsePIDLine(%q) = %d, %q, %v; want %d, %q, error %v", tt.in, pid, prog, err, tt.pid, tt.prog, tt.wantErr)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := testDir(t)
	garbage := bytes.Repeat([]byte("not a bbolt file "), 1000)
	notDB := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(notDB, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "newer.db")
	{
		bdb, err := bolt.Open(newer, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		bdb.Update(func(tx *bolt.Tx) error {
			b, _ := tx.CreateBucket([]byte(bucketMeta))
			return b.Put([]byte(keySchemaVersion), seqKey(99))
		})
		bdb.Close()
	}
	tests := []struct {
		name, path, want string
	}{
		{"no path", "", "no path given"},
		{"not a database", notDB, "move it aside"},
		{"newer schema", newer, "schema version 99, newer than this build understands (3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(tt.path, Options{Timeout: 100 * time.Millisecond})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
		})
	}
	// A file Open refused keeps every byte it had. (On Windows bbolt grows the file to
	// its mapping size with zeros before it finds the file invalid; nothing is lost.)
	got, _ := os.ReadFile(notDB)
	if len(got) < len(garbage) || !bytes.Equal(got[:len(garbage)], garbage) || bytes.ContainsFunc(got[len(garbage):], func(r rune) bool { return r != 0 }) {
		t.Error("Open changed the content of a file it could not read")
	}
}

// TestRestartKeepsEverything writes one of each record, closes, reopens and reads it all.
func TestRestartKeepsEverything(t *testing.T) {
	db, _ := openTestDB(t)
	a := Addin{ID: "contoso", Name: "Contoso", Version: "1.2", Provider: "Contoso Ltd", Kind: "mail", Permission: "ReadItem",
		State: governance.StateEnabled, StateReason: "installed", Since: t0, By: "alice", Scope: ScopeUser, Owner: "1000",
		ManifestDigest: "sha256:ab", Manifest: []byte("<OfficeApp/>")}
	if err := db.PutAddin(a); err != nil {
		t.Fatal(err)
	}
	if err := db.AddStrikes([]governance.Strike{strike("contoso", t0, 95)}); err != nil {
		t.Fatal(err)
	}
	e, err := db.AppendLog(LogEntry{Time: t0, AddinID: "contoso", Action: "install", By: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.AppendNotice(Notice{Title: "hello", Text: "world"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AckNotices("alice", n.Seq); err != nil {
		t.Fatal(err)
	}
	if err := db.PutGrant("contoso", "g1", []byte(`{"right":"Read"}`)); err != nil {
		t.Fatal(err)
	}

	db = reopen(t, db)
	got, err := db.Addin("contoso")
	if err != nil || !addinEqual(got, a) {
		t.Errorf("add-in after restart: %+v, %v", got, err)
	}
	if ss, err := db.Strikes("contoso", time.Time{}); err != nil || len(ss) != 1 || ss[0].Value != 95 {
		t.Errorf("strikes after restart: %+v, %v", ss, err)
	}
	if es, _, err := db.Log(LogQuery{}); err != nil || len(es) != 1 || es[0].ID != e.ID {
		t.Errorf("log after restart: %+v, %v", es, err)
	}
	if ns, err := db.Notices(0, 0); err != nil || len(ns) != 1 || ns[0].Seq != n.Seq || ns[0].Title != "hello" {
		t.Errorf("notices after restart: %+v, %v", ns, err)
	}
	if seq, err := db.NoticeAck("alice"); err != nil || seq != n.Seq {
		t.Errorf("ack after restart: %d, %v", seq, err)
	}
	if gs, err := db.Grants("contoso"); err != nil || len(gs) != 1 || string(gs[0].Data) != `{"right":"Read"}` {
		t.Errorf("grants after restart: %+v, %v", gs, err)
	}
	if next, err := db.AppendNotice(Notice{Title: "again"}); err != nil || next.Seq != n.Seq+1 {
		t.Errorf("notice numbering after restart: %d, %v; want %d", next.Seq, err, n.Seq+1)
	}
	if err := db.Check(); err != nil {
		t.Error(err)
	}
}

// addinEqual compares records with time.Equal (a decoded time has its own location).
func addinEqual(a, b Addin) bool {
	if !a.Since.Equal(b.Since) {
		return false
	}
	a.Since, b.Since = time.Time{}, time.Time{}
	return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}
