package storage

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// FuzzDecodeLogEntry feeds arbitrary keys and values to the log decoder: it must never
// panic, must call every failure ErrCorrupt, and what it accepts must re-encode and
// decode to the same entry.
func FuzzDecodeLogEntry(f *testing.F) {
	f.Add(makeTimeKey(t0, 0), []byte(`{"time":"2026-03-01T09:00:00Z","addin_id":"a","action":"disable","reason":"cpu","value":97,"threshold":90,"unit":"%","evidence":[{"time":"2026-03-01T09:00:00Z","value":97,"unit":"%"}],"by":"governance"}`))
	f.Add(makeTimeKey(t0, 7), []byte(`{"action":"policy-changed","detail":"x"}`))
	f.Add([]byte("short"), []byte(`{}`))
	f.Add(makeTimeKey(t0, 0), []byte(`{"time":"not a time"}`))
	f.Add(makeTimeKey(t0, 0), []byte(`{"evidence":[{"value":"x"}]}`))
	f.Add(makeTimeKey(t0, 0), []byte(`null`))
	f.Fuzz(func(t *testing.T, key, value []byte) {
		e, err := decodeLogEntry(key, value)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode error %v is not ErrCorrupt", err)
			}
			return
		}
		if e.ID != formatCursor(key) {
			t.Fatalf("ID %q, want the key %x", e.ID, key)
		}
		e.ID = ""
		again, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("an accepted entry does not re-encode: %v", err)
		}
		e2, err := decodeLogEntry(key, again)
		if err != nil {
			t.Fatalf("a re-encoded entry does not decode: %v", err)
		}
		e2.ID = ""
		if third, _ := json.Marshal(e2); !bytes.Equal(third, again) {
			t.Fatalf("encoding is not stable:\n%s\n%s", again, third)
		}
	})
}

// FuzzDecodeRecords does the same for the other record decoders.
func FuzzDecodeRecords(f *testing.F) {
	f.Add(uint8(0), []byte("a"), []byte(`{"id":"a","name":"A","state":"enabled","since":"2026-03-01T09:00:00Z","manifest":"PE9mZmljZUFwcC8+"}`))
	f.Add(uint8(0), []byte("a"), []byte(`{"id":"b"}`))
	f.Add(uint8(0), []byte("a"), []byte(`{"manifest":"!!"}`))
	f.Add(uint8(1), seqKey(3), []byte(`{"seq":9,"title":"t","text":"x","level":"warning"}`))
	f.Add(uint8(1), []byte{1}, []byte(`{}`))
	f.Add(uint8(2), makeTimeKey(t0, 0), []byte(`{"addin_id":"a","metric":"cpu","time":"2026-03-01T09:00:00Z","value":1}`))
	f.Add(uint8(2), makeTimeKey(t0, 0), []byte(`{"addin_id":"z"}`))
	f.Fuzz(func(t *testing.T, kind uint8, key, value []byte) {
		var err error
		switch kind % 3 {
		case 0:
			var a Addin
			if a, err = decodeAddin(key, value); err == nil && a.ID != string(key) {
				t.Fatalf("accepted add-in %q under key %q", a.ID, key)
			}
		case 1:
			var n Notice
			if n, err = decodeNotice(key, value); err == nil {
				if seq, _ := decodeUint64(key); n.Seq != seq {
					t.Fatalf("notice seq %d under key %x", n.Seq, key)
				}
			}
		case 2:
			_, err = decodeStrike("a", key, value)
		}
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("decode error %v is not ErrCorrupt", err)
		}
	})
}

// FuzzParseCursor: a cursor comes from API callers; parsing must not panic and must
// accept exactly the 12-byte keys, printed back in canonical form.
func FuzzParseCursor(f *testing.F) {
	f.Add(formatCursor(makeTimeKey(t0, 0)))
	f.Add("")
	f.Add("zz")
	f.Add(strings.ToUpper(formatCursor(makeTimeKey(t0, 5))))
	f.Add("ffffffffffffffffffffffff")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := parseCursor(s)
		if err != nil {
			return
		}
		if len(k) != timeKeyLen {
			t.Fatalf("accepted %q as a %d-byte key", s, len(k))
		}
		if formatCursor(k) != strings.ToLower(s) {
			t.Fatalf("cursor %q prints back as %q", s, formatCursor(k))
		}
	})
}

// FuzzTimeKey: keys round-trip and sort exactly as (time, seq) do.
func FuzzTimeKey(f *testing.F) {
	f.Add(int64(0), uint32(0), int64(1), uint32(0))
	f.Add(t0.UnixNano(), uint32(5), t0.UnixNano(), uint32(4))
	f.Add(int64(1<<62), uint32(1<<31), int64(255), uint32(1<<32-1))
	f.Fuzz(func(t *testing.T, n1 int64, s1 uint32, n2 int64, s2 uint32) {
		if n1 < 0 || n2 < 0 {
			if err := checkKeyTime(time.Unix(0, min(n1, n2))); err == nil {
				t.Fatalf("a time before 1970 passed checkKeyTime")
			}
			return
		}
		k1, k2 := makeTimeKey(time.Unix(0, n1), s1), makeTimeKey(time.Unix(0, n2), s2)
		gn, gs, ok := splitTimeKey(k1)
		if !ok || gn != n1 || gs != s1 {
			t.Fatalf("split(make(%d, %d)) = %d, %d, %v", n1, s1, gn, gs, ok)
		}
		if back, err := parseCursor(formatCursor(k1)); err != nil || !bytes.Equal(back, k1) {
			t.Fatalf("cursor round trip of %x: %x, %v", k1, back, err)
		}
		want := cmp.Or(cmp.Compare(n1, n2), cmp.Compare(s1, s2))
		if got := bytes.Compare(k1, k2); got != want {
			t.Fatalf("keys (%d,%d) vs (%d,%d) compare %d, want %d", n1, s1, n2, s2, got, want)
		}
	})
}

// FuzzParsePIDLine: the pid file may be written by anyone who can write the state
// directory; what ends up in an error message must be a positive pid and a clean name.
func FuzzParsePIDLine(f *testing.F) {
	f.Add("1234 addingovd\n")
	f.Add("")
	f.Add("99999999999999999999999 x")
	f.Add("5 \x1b]0;evil\x07")
	f.Fuzz(func(t *testing.T, s string) {
		pid, prog, err := parsePIDLine(s)
		if err != nil {
			return
		}
		if pid <= 0 {
			t.Fatalf("accepted pid %d", pid)
		}
		if len([]rune(prog)) > 64 {
			t.Fatalf("program name of %d runes", len([]rune(prog)))
		}
		for _, r := range prog {
			if !unicode.IsPrint(r) || unicode.IsSpace(r) {
				t.Fatalf("program name %q has %U", prog, r)
			}
		}
	})
}

// FuzzLogQuery runs arbitrary API queries against a small log: no panic, and every
// answer honours its filters, its limit and time order.
func FuzzLogQuery(f *testing.F) {
	db, _ := openTestDB(f)
	entries := seedLog(f, db)
	f.Add("", "", "", "", 0, int64(0), int64(0))
	f.Add(entries[3].ID, "a", "cpu", "disable", 2, t0.UnixNano(), t0.Add(time.Hour).UnixNano())
	f.Add("zz", "b", "", "", -1, int64(-1), int64(0))
	f.Add(strings.ToUpper(entries[0].ID), "", "memory", "", 1, int64(0), t0.Add(4*time.Minute).UnixNano())
	f.Add("", "a", "MEMORY", "disABle", 2, t0.UnixNano(), t0.Add(time.Hour).UnixNano()) // reason and action match in any case
	f.Fuzz(func(t *testing.T, cursor, addin, reason, action string, limit int, since, until int64) {
		q := LogQuery{Cursor: cursor, AddinID: addin, Reason: reason, Action: action, Limit: limit}
		if since != 0 {
			q.Since = time.Unix(0, since)
		}
		if until != 0 {
			q.Until = time.Unix(0, until)
		}
		es, next, err := db.Log(q)
		if err != nil {
			return
		}
		if limit > 0 && len(es) > limit {
			t.Fatalf("%d entries for limit %d", len(es), limit)
		}
		if next != "" && (len(es) == 0 || next != es[len(es)-1].ID) {
			t.Fatalf("next %q is not the last entry's ID", next)
		}
		for i, e := range es {
			if (addin != "" && e.AddinID != addin) || (reason != "" && !strings.EqualFold(e.Reason, reason)) || (action != "" && !strings.EqualFold(e.Action, action)) ||
				(!q.Since.IsZero() && e.Time.Before(q.Since)) || (!q.Until.IsZero() && !e.Time.Before(q.Until)) {
				t.Fatalf("entry %+v does not match %+v", e, q)
			}
			if cursor != "" && e.ID <= strings.ToLower(cursor) {
				t.Fatalf("entry %s is not after cursor %s", e.ID, cursor)
			}
			if i > 0 && e.ID <= es[i-1].ID {
				t.Fatalf("entries out of order: %s after %s", e.ID, es[i-1].ID)
			}
		}
	})
}

// FuzzDamagedStoreFile damages a small real state file (bytes written over it at an
// offset, then optionally cut short) and runs what CheckFile and Recover do with a file
// in-process: read the meta pages, check the header, walk every page, collect the
// records. None of it may panic or read outside the file; a verdict names a cause, a
// summary and advice; records come only from a file with a valid meta page. The input is
// the damage, not the file, so it stays small and the fuzzer fast.
func FuzzDamagedStoreFile(f *testing.F) {
	healthy := smallStoreBytes(f)
	ps := 512
	f.Add(uint32(0), []byte{}, uint32(0))
	f.Add(uint32(0), []byte{}, uint32(len(healthy)/2))
	f.Add(uint32(0), []byte{}, uint32(1))
	for _, off := range []int{16, ps + 16, 2 * ps, 3 * ps, 4*ps + 16, 6 * ps, 8*ps + 40} {
		f.Add(uint32(off), bytes.Repeat([]byte{0xA5}, 64), uint32(0))
	}
	f.Add(uint32(3*ps+8), []byte{0xff, 0xff, 0, 0, 0, 0, 0, 0}, uint32(0))
	f.Fuzz(func(t *testing.T, off uint32, patch []byte, cut uint32) {
		b := bytes.Clone(healthy)
		if o := int(off % uint32(len(b))); len(patch) > 0 {
			copy(b[o:], patch)
		}
		if cut > 0 {
			b = b[:cut%uint32(len(b))]
		}
		sf, err := openStoreFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("reading from memory failed: %v", err)
		}
		d := Diagnosis{Path: "fuzz.db", Size: int64(len(b))}
		verdict, done := d.checkHeader(sf)
		records := 0
		if sf.metaOK {
			w := newWalker(sf)
			w.onRecord = func(path []string, k, v []byte) error {
				if len(path) == 0 {
					t.Fatal("a record handed on from outside every bucket")
				}
				records++
				return nil
			}
			if err := w.walk(); err != nil {
				t.Fatal(err)
			}
			if len(w.damage) > maxDamageListed {
				t.Fatalf("%d damaged pages listed, more than the cap", len(w.damage))
			}
		}
		if !done {
			verdict, done = d.checkPages(sf)
		}
		if done && (verdict.Healthy || verdict.Cause == "" || verdict.Advice == "" || verdict.Summary == "") {
			t.Fatalf("an incomplete verdict: %+v", verdict)
		}
		if !sf.metaOK && records > 0 {
			t.Fatal("records read from a file without a valid meta page")
		}
	})
}

// smallStoreBytes is a small real bbolt file laid out like a state file (512-byte pages,
// to keep it small): every top-level bucket, nested buckets both inline and
// on pages of their own, and a log of several pages. It ends at its high-water mark.
func smallStoreBytes(f *testing.F) []byte {
	path := filepath.Join(testDir(f), "s.db")
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: 512})
	if err != nil {
		f.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		if _, _, err := migrate(tx, migrations, zerolog.Nop()); err != nil {
			return err
		}
		put := func(v string, k []byte, path ...string) {
			b := tx.Bucket([]byte(path[0]))
			for _, p := range path[1:] {
				b, _ = b.CreateBucketIfNotExists([]byte(p))
			}
			b.Put(k, []byte(v))
		}
		put(`{"id":"a"}`, []byte("a"), bucketAddins)
		put(`{}`, []byte("g"), bucketGrants, "a")
		for i := 0; i < 20; i++ {
			k := makeTimeKey(t0.Add(time.Duration(i)*time.Second), 0)
			put(`{"addin_id":"a","action":"disable","detail":"`+strings.Repeat("d", 40)+`"}`, k, bucketLog)
			put("", k, bucketLogByAddin, "a")
			put(`{"addin_id":"a","metric":"cpu"}`, k, bucketStrikes, "a")
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	bdb.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	sf, err := openStoreFile(bytes.NewReader(b), int64(len(b)))
	if err != nil || !sf.metaOK {
		f.Fatalf("the seed file does not read: %v", err)
	}
	return b[:sf.meta.hwm*uint64(sf.pageSize)]
}
