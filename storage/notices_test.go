package storage

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNotices(t *testing.T) {
	db, clock := openTestDB(t)
	if seq, err := db.LastNoticeSeq(); err != nil || seq != 0 {
		t.Fatalf("LastNoticeSeq of an empty database = %d, %v", seq, err)
	}
	clock.Set(t0.Add(time.Minute))
	var stored []Notice
	for i, n := range []Notice{
		{Seq: 77, Time: t0, AddinID: "a", AddinName: "A", Level: NoticeWarning, Title: "A was turned off", Text: "because", Action: "addingov enable a"},
		{Title: "only a title"},
		{Text: "only a text"},
	} {
		got, err := db.AppendNotice(n)
		if err != nil {
			t.Fatalf("AppendNotice %d: %v", i, err)
		}
		if got.Seq != uint64(i+1) {
			t.Errorf("notice %d got seq %d, want %d (the caller's Seq is ignored)", i, got.Seq, i+1)
		}
		stored = append(stored, got)
	}
	if stored[1].Level != NoticeInfo || !stored[1].Time.Equal(t0.Add(time.Minute)) {
		t.Errorf("defaults: level %q time %v, want info and the clock", stored[1].Level, stored[1].Time)
	}
	if seq, _ := db.LastNoticeSeq(); seq != 3 {
		t.Errorf("LastNoticeSeq = %d, want 3", seq)
	}

	tests := []struct {
		name  string
		after uint64
		limit int
		want  []uint64
	}{
		{"all", 0, 0, []uint64{1, 2, 3}},
		{"after 1", 1, 0, []uint64{2, 3}},
		{"limit", 0, 2, []uint64{1, 2}},
		{"after and limit", 1, 1, []uint64{2}},
		{"after the last", 3, 0, nil},
		{"far after", 1 << 40, 0, nil},
		{"negative limit means all", 0, -5, []uint64{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, err := db.Notices(tt.after, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []uint64
			for _, n := range ns {
				seqs = append(seqs, n.Seq)
			}
			if !slices.Equal(seqs, tt.want) {
				t.Errorf("Notices(%d, %d) = %v, want %v", tt.after, tt.limit, seqs, tt.want)
			}
		})
	}
	ns, _ := db.Notices(0, 1)
	if n := ns[0]; n.AddinID != "a" || n.AddinName != "A" || n.Level != NoticeWarning || n.Action != "addingov enable a" || !n.Time.Equal(t0) {
		t.Errorf("stored notice = %+v", n)
	}
	if ns, err := db.Notices(^uint64(0), 0); err != nil || len(ns) != 0 {
		t.Errorf("Notices(max) = %+v, %v", ns, err)
	}
}

func TestAppendNoticeRejectsBadInput(t *testing.T) {
	db, _ := openTestDB(t)
	tests := []struct {
		name string
		in   Notice
		want string
	}{
		{"empty", Notice{}, "neither title nor text"},
		{"bad level", Notice{Title: "x", Level: "error"}, `notice level "error": use warning or info`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.AppendNotice(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("AppendNotice = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if seq, _ := db.LastNoticeSeq(); seq != 0 {
		t.Errorf("rejected notices used up sequence numbers: %d", seq)
	}
}

func TestNoticeAcksNeverMoveBackwards(t *testing.T) {
	db, _ := openTestDB(t)
	for range 5 {
		if _, err := db.AppendNotice(Notice{Title: "n"}); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		user string
		ack  uint64
		want uint64
	}{
		{"alice", 2, 2},
		{"alice", 4, 4},
		{"alice", 3, 4}, // late, older acknowledgement: ignored
		{"alice", 0, 4},
		{"bob", 1, 1}, // users are independent
		{"alice", 99, 5},
		{"bob", 5, 5},
	}
	for i, s := range steps {
		if err := db.AckNotices(s.user, s.ack); err != nil {
			t.Fatalf("step %d: AckNotices(%s, %d): %v", i, s.user, s.ack, err)
		}
		if got, err := db.NoticeAck(s.user); err != nil || got != s.want {
			t.Errorf("step %d: after AckNotices(%s, %d), NoticeAck = %d, %v; want %d", i, s.user, s.ack, got, err, s.want)
		}
	}
	if got, err := db.NoticeAck("carol"); err != nil || got != 0 {
		t.Errorf("NoticeAck of a user who never acknowledged = %d, %v", got, err)
	}
	if err := db.AckNotices("", 1); err == nil {
		t.Error("AckNotices(\"\") accepted")
	}
	if _, err := db.NoticeAck(""); err == nil {
		t.Error("NoticeAck(\"\") accepted")
	}
	// A new notice after a clamped acknowledgement is still delivered.
	n, _ := db.AppendNotice(Notice{Title: "new"})
	if ack, _ := db.NoticeAck("alice"); n.Seq <= ack {
		t.Errorf("notice %d would never reach alice (ack %d)", n.Seq, ack)
	}
}

func TestNoticeAckCorruptIsReportedThenRepaired(t *testing.T) {
	db, _ := openTestDB(t)
	db.AppendNotice(Notice{Title: "n"})
	rawPut(t, db, []byte{1, 2, 3}, []byte("alice"), bucketNoticeAcks)
	if _, err := db.NoticeAck("alice"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("NoticeAck over a corrupt value = %v, want ErrCorrupt", err)
	}
	if err := db.AckNotices("alice", 1); err != nil {
		t.Fatalf("AckNotices over a corrupt value = %v, want a repair", err)
	}
	if got, err := db.NoticeAck("alice"); err != nil || got != 1 {
		t.Errorf("after repair: %d, %v", got, err)
	}
}

func TestPruneNotices(t *testing.T) {
	db, _ := openTestDB(t)
	for i := range 4 {
		db.AppendNotice(Notice{Title: "n", Time: t0.Add(time.Duration(i) * time.Hour)})
	}
	rawPut(t, db, []byte("{"), seqKey(100), bucketNotices) // undatable: kept
	n, err := db.PruneNotices(t0.Add(2 * time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PruneNotices = %d, %v; want 2", n, err)
	}
	if keys := rawKeys(t, db, bucketNotices); len(keys) != 3 {
		t.Errorf("%d notices left, want 3 (two recent, one unreadable)", len(keys))
	}
	if seq, _ := db.LastNoticeSeq(); seq != 4 {
		t.Errorf("LastNoticeSeq after prune = %d, want 4", seq)
	}
	if next, _ := db.AppendNotice(Notice{Title: "next"}); next.Seq != 5 {
		t.Errorf("numbering after prune: %d, want 5", next.Seq)
	}
}
