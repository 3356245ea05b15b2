package storage

import (
	"errors"
	"strings"
	"testing"
	"time"

	"addingov/governance"
)

func cpuDecision(id string, action governance.Action, at time.Time) governance.Decision {
	return governance.Decision{AddinID: id, Action: action, Reason: governance.MetricCPU, Time: at, Value: 97, Threshold: 90,
		Unit: "% of one core", Evidence: []governance.Evidence{{Time: at, Value: 97, Unit: "%"}},
		Summary: "used 97% of a processor core for 15 seconds"}
}

func TestApplyDecision(t *testing.T) {
	tests := []struct {
		name       string
		known      bool // the add-in has a record before the decision
		action     governance.Action
		notice     *Notice
		wantState  governance.State
		wantName   string
		wantNotice bool
	}{
		{"disable a known add-in", true, governance.ActionDisable, &Notice{Level: NoticeWarning, Title: "Contoso was turned off", Text: "t"}, governance.StateDisabled, "Contoso", true},
		{"disable without notice", true, governance.ActionDisable, nil, governance.StateDisabled, "Contoso", false},
		{"exempt keeps the state", true, governance.ActionExempt, nil, governance.StateEnabled, "Contoso", false},
		{"disable an unknown add-in creates its record", false, governance.ActionDisable, &Notice{AddinName: "Fabrikam", Title: "t"}, governance.StateDisabled, "Fabrikam", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openTestDB(t)
			if tt.known {
				if err := db.PutAddin(Addin{ID: "x", Name: "Contoso", State: governance.StateEnabled, Since: t0.Add(-time.Hour), By: "alice", Scope: ScopeUser, Owner: "1000"}); err != nil {
					t.Fatal(err)
				}
			}
			at := t0.Add(time.Minute)
			strikes := []governance.Strike{strike("x", at.Add(-time.Second), 95), strike("x", at, 97)}
			entry, notice, err := db.ApplyDecision(cpuDecision("x", tt.action, at), strikes, tt.notice)
			if err != nil {
				t.Fatalf("ApplyDecision: %v", err)
			}

			a, err := db.Addin("x")
			if !tt.known && tt.action == governance.ActionExempt {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("exempt created a record: %+v, %v", a, err)
				}
			} else if err != nil || a.State != tt.wantState || a.Name != tt.wantName {
				t.Errorf("add-in after decision = %+v, %v; want state %s, name %s", a, err, tt.wantState, tt.wantName)
			}
			if tt.action == governance.ActionDisable {
				if !a.Since.Equal(at) || a.By != ByGovernance || a.StateReason != "cpu: used 97% of a processor core for 15 seconds" {
					t.Errorf("disable bookkeeping = since %v, by %q, reason %q", a.Since, a.By, a.StateReason)
				}
				if tt.known && (a.Owner != "1000" || a.Scope != ScopeUser) {
					t.Errorf("disable lost the record's other fields: %+v", a)
				}
			}

			wantStrikes := 2
			if tt.action == governance.ActionExempt {
				wantStrikes = 0 // settled: governance no longer counts them
			}
			if ss, _ := db.Strikes("x", time.Time{}); len(ss) != wantStrikes {
				t.Errorf("strikes stored = %d, want %d", len(ss), wantStrikes)
			}
			es, _, _ := db.Log(LogQuery{AddinID: "x"})
			if len(es) != 1 || es[0].ID != entry.ID {
				t.Fatalf("log = %+v, want the returned entry %s", es, entry.ID)
			}
			e := es[0]
			if e.Action != string(tt.action) || e.Reason != "cpu" || e.Value != 97 || e.Threshold != 90 || e.Unit != "% of one core" ||
				len(e.Evidence) != 1 || e.By != ByGovernance || e.AddinName != tt.wantName || !e.Time.Equal(at) ||
				e.Detail != "used 97% of a processor core for 15 seconds" {
				t.Errorf("log entry = %+v", e)
			}

			ns, _ := db.Notices(0, 0)
			if tt.wantNotice {
				if notice == nil || len(ns) != 1 || ns[0].Seq != notice.Seq || ns[0].AddinID != "x" || !ns[0].Time.Equal(at) {
					t.Errorf("notice = %+v, stored %+v; want one for x at the decision's time", notice, ns)
				}
			} else if notice != nil || len(ns) != 0 {
				t.Errorf("notice = %+v, stored %+v; want none", notice, ns)
			}
		})
	}
}

func TestApplyDecisionIsAllOrNothing(t *testing.T) {
	tests := []struct {
		name    string
		d       governance.Decision
		strikes []governance.Strike
		notice  *Notice
		corrupt bool // plant an unreadable record for the add-in first
		want    string
	}{
		{"no add-in", cpuDecision("", governance.ActionDisable, t0), nil, nil, false, "decision's add-in id is empty"},
		{"unknown action", cpuDecision("x", "explode", t0), nil, nil, false, `unknown action "explode"`},
		{"bad strike", cpuDecision("x", governance.ActionDisable, t0), []governance.Strike{strike("x", t0, 1), {AddinID: "x"}}, nil, false, "has no metric"},
		{"bad notice", cpuDecision("x", governance.ActionDisable, t0), []governance.Strike{strike("x", t0, 1)}, &Notice{}, false, "neither title nor text"},
		{"exempt over a corrupt record", cpuDecision("x", governance.ActionExempt, t0), []governance.Strike{strike("x", t0, 1)}, &Notice{Title: "t"}, true, "corrupt record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openTestDB(t)
			if tt.corrupt {
				rawPut(t, db, []byte("{"), []byte("x"), bucketAddins)
			}
			_, n, err := db.ApplyDecision(tt.d, tt.strikes, tt.notice)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ApplyDecision = %v, want an error containing %q", err, tt.want)
			}
			if n != nil {
				t.Errorf("a failed decision returned a notice: %+v", n)
			}
			if ss, _ := db.Strikes("x", time.Time{}); len(ss) != 0 {
				t.Errorf("a failed decision stored strikes: %+v", ss)
			}
			if es, _, _ := db.Log(LogQuery{}); len(es) != 0 {
				t.Errorf("a failed decision stored a log entry: %+v", es)
			}
			if seq, _ := db.LastNoticeSeq(); seq != 0 {
				t.Errorf("a failed decision stored a notice (seq %d)", seq)
			}
			if tt.corrupt {
				if got := rawGet(t, db, []byte("x"), bucketAddins); string(got) != "{" {
					t.Errorf("a failed decision changed the corrupt record: %q", got)
				}
			}
		})
	}
}

// TestApplyDecisionDisablesOverCorruptRecord: an unreadable record must not stop a
// disable; it is rewritten with what is known.
func TestApplyDecisionDisablesOverCorruptRecord(t *testing.T) {
	db, _ := openTestDB(t)
	rawPut(t, db, []byte("{"), []byte("x"), bucketAddins)
	if _, _, err := db.ApplyDecision(cpuDecision("x", governance.ActionDisable, t0), nil, nil); err != nil {
		t.Fatalf("ApplyDecision: %v", err)
	}
	if a, err := db.Addin("x"); err != nil || a.State != governance.StateDisabled {
		t.Errorf("add-in after disable = %+v, %v", a, err)
	}
}

func TestSetState(t *testing.T) {
	steps := []struct {
		state      governance.State
		wantAction string
	}{
		{governance.StateDisabled, ActionDisable},
		{governance.StateEnabled, ActionEnable},
		{governance.StateBlocked, ActionBlock},
		{governance.StateEnabled, ActionUnblock},
		{governance.StateBlocked, ActionBlock},
		{governance.StateDisabled, ActionDisable},
		{governance.StateEnabled, ActionEnable},
	}
	db, clock := openTestDB(t)
	if err := db.PutAddin(Addin{ID: "x", Name: "X", Owner: "1000"}); err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		t.Run(string(s.state), func(t *testing.T) {
			at := t0.Add(time.Duration(i) * time.Minute)
			clock.Set(at)
			e, err := db.SetState("x", s.state, "because "+string(s.state), "alice", nil)
			if err != nil {
				t.Fatalf("SetState: %v", err)
			}
			if e.Action != s.wantAction || e.AddinID != "x" || e.AddinName != "X" || e.Reason != ReasonManual || e.Detail != "because "+string(s.state) || e.By != "alice" || !e.Time.Equal(at) {
				t.Errorf("log entry = %+v, want action %s", e, s.wantAction)
			}
			a, _ := db.Addin("x")
			if a.State != s.state || a.StateReason != "because "+string(s.state) || a.By != "alice" || !a.Since.Equal(at) || a.Owner != "1000" {
				t.Errorf("add-in = %+v", a)
			}
		})
	}
	if es, _, _ := db.Log(LogQuery{AddinID: "x"}); len(es) != len(steps) {
		t.Errorf("%d log entries, want %d", len(es), len(steps))
	}

	t.Run("with a notice", func(t *testing.T) {
		if _, err := db.SetState("x", governance.StateBlocked, "policy", "policy", &Notice{Title: "X blocked"}); err != nil {
			t.Fatal(err)
		}
		ns, _ := db.Notices(0, 0)
		if len(ns) != 1 || ns[0].AddinID != "x" || ns[0].Title != "X blocked" {
			t.Errorf("notices = %+v", ns)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		before, _, _ := db.Log(LogQuery{})
		cases := []struct {
			id    string
			state governance.State
			n     *Notice
			is    error
			want  string
		}{
			{"nope", governance.StateDisabled, nil, ErrNotFound, "not found"},
			{"", governance.StateDisabled, nil, nil, "add-in id is empty"},
			{"x", "gone", nil, nil, `unknown state "gone"`},
			{"x", governance.StateDisabled, &Notice{Level: "loud", Title: "t"}, nil, `notice level "loud"`},
		}
		for _, c := range cases {
			_, err := db.SetState(c.id, c.state, "r", "alice", c.n)
			if err == nil || !strings.Contains(err.Error(), c.want) || (c.is != nil && !errors.Is(err, c.is)) {
				t.Errorf("SetState(%q, %q) = %v, want %q", c.id, c.state, err, c.want)
			}
		}
		if after, _, _ := db.Log(LogQuery{}); len(after) != len(before) {
			t.Errorf("failed SetState calls logged %d entries", len(after)-len(before))
		}
		if a, _ := db.Addin("x"); a.State != governance.StateBlocked {
			t.Errorf("failed SetState calls changed the state to %s", a.State)
		}
	})
}

// An exempt decision deletes the strikes of its metric up to its time, and nothing else,
// so that a restart does not count settled strikes again.
func TestApplyExemptSettlesOnlyItsMetricUpToItsTime(t *testing.T) {
	db, _ := openTestDB(t)
	at := t0.Add(time.Minute)
	mem := strike("x", at.Add(-time.Second), 600)
	mem.Metric, mem.Unit = governance.MetricMemory, "MB"
	later := strike("x", at.Add(time.Second), 99)
	if err := db.AddStrikes([]governance.Strike{strike("x", at.Add(-2*time.Second), 95), mem, later}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.ApplyDecision(cpuDecision("x", governance.ActionExempt, at), []governance.Strike{strike("x", at, 97)}, nil); err != nil {
		t.Fatal(err)
	}
	ss, err := db.Strikes("x", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].Metric != governance.MetricMemory || !ss[1].Time.Equal(later.Time) {
		t.Fatalf("strikes after exempt = %+v; want the memory strike and the cpu strike after the decision", ss)
	}
}

func TestChangeStateOptionsApplyInTheSameTransaction(t *testing.T) {
	tests := []struct {
		name         string
		state        governance.State
		opts         StateOptions
		wantStrikes  int
		wantOverride bool
	}{
		{"enable clearing strikes", governance.StateEnabled, StateOptions{ClearStrikes: true}, 0, false},
		{"enable keeping strikes", governance.StateEnabled, StateOptions{}, 1, false},
		{"administrator's override", governance.StateEnabled, StateOptions{ClearStrikes: true, PolicyOverride: true}, 0, true},
		{"a disable never keeps an override", governance.StateDisabled, StateOptions{PolicyOverride: true}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openTestDB(t)
			if err := db.PutAddin(Addin{ID: "x", Name: "X", State: governance.StateDisabled, Since: t0}); err != nil {
				t.Fatal(err)
			}
			if err := db.AddStrikes([]governance.Strike{strike("x", t0, 95)}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ChangeState("x", tt.state, "why", "root", nil, tt.opts); err != nil {
				t.Fatal(err)
			}
			a, _ := db.Addin("x")
			ss, _ := db.Strikes("x", time.Time{})
			if a.State != tt.state || len(ss) != tt.wantStrikes || a.PolicyOverride != tt.wantOverride {
				t.Fatalf("after ChangeState: state %s, %d strikes, override %v; want %s, %d, %v",
					a.State, len(ss), a.PolicyOverride, tt.state, tt.wantStrikes, tt.wantOverride)
			}
		})
	}
}

func TestAppendLogNoticeStoresBoth(t *testing.T) {
	db, _ := openTestDB(t)
	e, n, err := db.AppendLogNotice(LogEntry{Time: t0, AddinID: "x", Action: ActionBlock, By: "policy"},
		&Notice{Level: NoticeWarning, Title: "X was turned off by your administrator", Text: "t"})
	if err != nil || n == nil || n.Seq != 1 || n.AddinID != "x" || e.ID == "" {
		t.Fatalf("AppendLogNotice = %+v, %+v, %v", e, n, err)
	}
	if _, _, err := db.AppendLogNotice(LogEntry{Time: t0, AddinID: "x", Action: ActionBlock}, &Notice{Level: "shout"}); err == nil {
		t.Fatal("a bad notice was accepted")
	}
	es, _, _ := db.Log(LogQuery{})
	if len(es) != 1 {
		t.Fatalf("log has %d entries, want 1: a refused notice must not leave its entry behind", len(es))
	}
}
