//go:build linux

package daemon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// Issue 12's cross-user items, over the real socket, with clients running as two
// different unprivileged users: alice is nobody (uid 65534, the owner of the matrix's
// "nobody-addin"), mallory is uid 65533. Both run with nobody's group, which the
// matrix's socket (mode 0660) admits; the daemon, not file permissions, then decides
// what each may do. Each user is one long-lived helper process (the test binary
// re-executed with syscall.SysProcAttr.Credential) that runs a child process of its
// own, so its activations stay live between calls.

const (
	aliceID   = nobodyID
	malloryID = 65533
	// envSession starts the test binary as a user session.
	envSession = "ADDINGOV_AUTHZ_SESSION"
)

// syncBuffer collects the daemon's log lines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the log records with the given level.
func (b *syncBuffer) records(level string) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(b.buf.String(), "\n") {
		var r map[string]any
		if json.Unmarshal([]byte(line), &r) == nil && r["level"] == level {
			out = append(out, r)
		}
	}
	return out
}

// TestAuthzSessionProcess is not a test: it is a user session started by
// matrix.session. It reads calls from stdin, one JSON object each, and answers each
// on stdout, until stdin closes.
func TestAuthzSessionProcess(t *testing.T) {
	if os.Getenv(envSession) != "1" {
		return
	}
	os.Exit(runSession(os.Stdin, os.Stdout))
}

func runSession(in io.Reader, out io.Writer) int {
	child := exec.Command("sleep", "600")
	if err := child.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "session: start child:", err)
		return 1
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	c := localapi.NewClient(localapi.NewTransport(localapi.ListenOptions{}), os.Getenv(envSocket))
	dec, enc := json.NewDecoder(in), json.NewEncoder(out)
	for {
		var call apiCall
		if err := dec.Decode(&call); err != nil {
			return 0 // stdin closed: the test is done
		}
		call.Body = withPID(call.Body, child.Process.Pid)
		if err := enc.Encode(doCall(c, call)); err != nil {
			return 1
		}
	}
}

// session is one user's helper process.
type session struct {
	t      *testing.T
	uid    int
	enc    *json.Encoder
	dec    *json.Decoder
	stderr *syncBuffer
}

// session starts a helper process running as uid (with nobody's group).
func (m *matrix) session(uid int) *session {
	m.t.Helper()
	cmd := exec.Command(m.exe, "-test.run=^TestAuthzSessionProcess$")
	cmd.Dir = m.dir
	cmd.Env = []string{envSession + "=1", envSocket + "=" + m.addr, "PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: nobodyID}}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		m.t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		m.t.Fatal(err)
	}
	s := &session{t: m.t, uid: uid, enc: json.NewEncoder(stdin), dec: json.NewDecoder(stdout), stderr: &syncBuffer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("start a session as uid %d: %v", uid, err)
	}
	m.t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	return s
}

// call makes one call as the session's user.
func (s *session) call(c apiCall) apiResult {
	s.t.Helper()
	if err := s.enc.Encode(c); err != nil {
		s.t.Fatalf("session uid %d: send: %v\n%s", s.uid, err, s.stderr.buf.String())
	}
	var res apiResult
	if err := s.dec.Decode(&res); err != nil {
		s.t.Fatalf("session uid %d: no answer to %s %s: %v\n%s", s.uid, c.Method, c.Path, err, s.stderr.buf.String())
	}
	if res.Status == -1 {
		s.t.Fatalf("session uid %d could not make the call %s %s: %s", s.uid, c.Method, c.Path, res.Error)
	}
	return res
}

func (s *session) want(c apiCall, status int, reason string) apiResult {
	s.t.Helper()
	res := s.call(c)
	if res.Status != status || !strings.Contains(res.Error, reason) {
		s.t.Fatalf("%s %s as uid %d: %d %q, want %d with %q", c.Method, c.Path, s.uid, res.Status, res.Error, status, reason)
	}
	return res
}

// activate starts an activation of id in the session's own child process.
func (s *session) activate(id string) localapi.ActivationResponse {
	s.t.Helper()
	res := s.want(post("/v1/activations", `{"addin_id":"`+id+`","pid":"`+childPID+`"}`), 200, "")
	var r localapi.ActivationResponse
	if err := json.Unmarshal(res.Body, &r); err != nil {
		s.t.Fatal(err)
	}
	return r
}

func requireRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it runs its clients as two other users against a real socket; CI runs it as root")
	}
}

// Item 2: only the user whose host started an activation (or an administrator) may
// report its outcome; another user's attempt is refused with 403, changes nothing, and
// is logged with both identities.
func TestIssue12_ActivationOutcomeOtherUser403(t *testing.T) {
	requireRoot(t)
	m := newMatrix(t)
	alice, mallory := m.session(aliceID), m.session(malloryID)
	act := alice.activate("nobody-addin")
	if !act.MayActivate || act.ActivationID == "" {
		t.Fatalf("alice's activation: %+v", act)
	}
	before := m.snapshot()
	for _, outcome := range []string{"fail", "end", "ready"} {
		body := ""
		if outcome == "fail" {
			body = `{"reason":"struck by mallory"}`
		}
		mallory.want(post("/v1/activations/"+act.ActivationID+"/"+outcome, body), 403, "another user")
	}
	if after := m.snapshot(); after != before {
		t.Errorf("mallory's refused reports changed the state:\nbefore %s\nafter  %s", before, after)
	}
	logged := 0
	for _, r := range m.logs.records("warn") {
		if r["activation"] == act.ActivationID && r["caller_uid"] == strconv.Itoa(malloryID) && r["owner_uid"] == strconv.Itoa(aliceID) {
			logged++
		}
	}
	if logged != 3 {
		t.Errorf("%d warnings name mallory and alice for the activation, want 3 (one per attempt):\n%s", logged, m.logs.buf.String())
	}
	// The activation is still alice's to finish, and an administrator may end anyone's.
	alice.want(post("/v1/activations/"+act.ActivationID+"/ready", ""), 200, "")
	second := alice.activate("nobody-addin")
	if res := m.callAs(0, post("/v1/activations/"+second.ActivationID+"/end", "")); res.Status != 200 {
		t.Fatalf("root ending alice's activation: %d %s", res.Status, res.Error)
	}
}

// Item 3: no user can take the name of another user's per-user record. Caller-supplied
// ids may not hold the per-user separator, the daemon names the record from the
// caller's identity, and a record stored under that name by someone else is not reused.
func TestIssue12_PerUserRecordSquatting(t *testing.T) {
	requireRoot(t)
	alicesRecord := "machine-addin@uid:" + strconv.Itoa(aliceID)

	t.Run("mallory cannot register alice's per-user name", func(t *testing.T) {
		m := newMatrix(t)
		alice, mallory := m.session(aliceID), m.session(malloryID)
		mallory.want(post("/v1/activations", `{"addin_id":"`+alicesRecord+`","pid":"`+childPID+`"}`), 400, "'@' (U+0040)")
		mallory.want(post("/v1/addins/"+alicesRecord+"/disable", ""), 404, "no add-in")
		if act := alice.activate("machine-addin"); !act.MayActivate {
			t.Fatalf("alice may not use the machine-wide add-in: %+v", act)
		}
		if a := m.addin(alicesRecord); a.Owner != strconv.Itoa(aliceID) || a.State != governance.StateEnabled {
			t.Fatalf("alice's record: owner %q state %s, want alice's and enabled", a.Owner, a.State)
		}
		var listed []localapi.Addin
		if err := json.Unmarshal(alice.want(get("/v1/addins"), 200, "").Body, &listed); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range listed {
			found = found || a.ID == alicesRecord
		}
		if !found {
			t.Errorf("alice's add-ins do not list her record %s", alicesRecord)
		}
		mallory.want(post("/v1/addins/"+alicesRecord+"/disable", ""), 403, "another user")
		mallory.want(get("/v1/addins/"+alicesRecord), 403, "another user")
	})

	t.Run("a record squatted before the fix is not reused", func(t *testing.T) {
		m := newMatrix(t)
		alice := m.session(aliceID)
		squat := storage.Addin{ID: alicesRecord, Name: "squatted", Scope: storage.ScopeUser, Owner: strconv.Itoa(malloryID),
			State: governance.StateDisabled, Since: time.Now(), By: "uid 65533"}
		if err := m.d.DB().PutAddin(squat); err != nil {
			t.Fatal(err)
		}
		m.d.Installed(squat)
		if act := alice.activate("machine-addin"); !act.MayActivate {
			t.Fatalf("alice is locked out by mallory's squatted record: %+v", act)
		}
		if a := m.addin(alicesRecord); a.Owner != strconv.Itoa(aliceID) || a.State != governance.StateEnabled {
			t.Fatalf("the record after alice's activation: owner %q state %s, want alice's and enabled", a.Owner, a.State)
		}
	})
}

// Item 10: as the README says (and Outlook allows), a user may turn a machine-wide
// add-in off for themselves; it stays on for everyone else.
func TestIssue12_UserDisablesMachineWideAddinForThemselves(t *testing.T) {
	requireRoot(t)
	m := newMatrix(t)
	alice, mallory := m.session(aliceID), m.session(malloryID)
	alicesRecord := "machine-addin@uid:" + strconv.Itoa(aliceID)

	var got localapi.Addin
	if err := json.Unmarshal(alice.want(post("/v1/addins/machine-addin/disable", ""), 200, "").Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != alicesRecord || got.State != "disabled" || got.Owner != strconv.Itoa(aliceID) {
		t.Fatalf("alice's disable answered %+v, want her own record %s disabled", got, alicesRecord)
	}
	if act := alice.activate("machine-addin"); act.MayActivate {
		t.Fatalf("alice's host may still activate the add-in she turned off: %+v", act)
	}
	if act := mallory.activate("machine-addin"); !act.MayActivate {
		t.Fatalf("alice's disable turned the add-in off for mallory too: %+v", act)
	}
	if a := m.addin("machine-addin"); a.State != governance.StateEnabled {
		t.Fatalf("the machine-wide add-in is %s, want enabled for everyone", a.State)
	}
	alice.want(post("/v1/addins/machine-addin/enable", ""), 200, "")
	if act := alice.activate("machine-addin"); !act.MayActivate {
		t.Fatalf("after alice turned it back on her host may not activate it: %+v", act)
	}
	// What an administrator decided for everyone, a user cannot undo for themselves.
	if res := m.callAs(0, post("/v1/addins/machine-addin/disable", `{"everyone":true}`)); res.Status != 200 {
		t.Fatalf("root's disable for everyone: %d %s", res.Status, res.Error)
	}
	alice.want(post("/v1/addins/machine-addin/enable", ""), 403, "only an administrator")
}

// Item 8: one user cannot fill the disk. 50 disables and enables, each with a reason
// as large as a request body may be, store each reason cut to 512 bytes, and once the
// user's quota is spent the daemon answers 429 saying when to retry.
func TestIssue12_OneUserCannotFillTheDisk(t *testing.T) {
	requireRoot(t)
	m := newMatrix(t)
	alice := m.session(aliceID)
	size := func() int64 {
		fi, err := os.Stat(m.d.DB().Path())
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	reason := strings.Repeat("x", localapi.MaxBodyBytes-64)
	var ok, limited int
	var limitMsg string
	for i := 0; i < 50; i++ {
		verb := []string{"disable", "enable"}[i%2]
		res := alice.call(post("/v1/addins/nobody-addin/"+verb, `{"reason":"`+reason+`"}`))
		switch res.Status {
		case 200:
			ok++
		case 429:
			limited++
			limitMsg = res.Error
		default:
			t.Fatalf("request %d: %d %s", i, res.Status, res.Error)
		}
	}
	grown := size() - before
	t.Logf("%d stored, %d refused with 429; the store grew by %d bytes", ok, limited, grown)
	if grown > 1<<20 {
		t.Errorf("50 requests grew the store by %d bytes, want under 1 MiB", grown)
	}
	if limited == 0 || !strings.Contains(limitMsg, "retry in") {
		t.Errorf("no 429 saying when to retry after 50 writes in a row (last: %q)", limitMsg)
	}
	entries, _, err := m.d.DB().Log(storage.LogQuery{AddinID: "nobody-addin"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if len(e.Reason) > 512 {
			t.Fatalf("a log entry's reason is %d bytes, want at most 512", len(e.Reason))
		}
	}
	if a := m.addin("nobody-addin"); len(a.StateReason) > 512 {
		t.Fatalf("the stored state reason is %d bytes, want at most 512", len(a.StateReason))
	}
}
