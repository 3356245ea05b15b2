//go:build linux

package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/catalog"
	"addingov/daemon"
	"addingov/governance"
	"addingov/localapi"
	"addingov/registrypolicy"
	"addingov/storage"
)

// The authorization matrix (daemon/authz.go, catalog's install rules), tested row by
// row over a real socket with the client running as a second user: the test binary
// re-executes itself as nobody (uid/gid 65534) and makes one API call.

const (
	nobodyID = 65534
	// Environment of the helper process.
	envHelper = "ADDINGOV_AUTHZ_HELPER"
	envSocket = "ADDINGOV_AUTHZ_SOCKET"
	envCall   = "ADDINGOV_AUTHZ_CALL"
	// childPID in a request body is replaced by the pid of a process the helper
	// starts as itself, so "its own process" is a real one.
	childPID = "CHILD_PID"
)

// apiCall is one request the helper makes.
type apiCall struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body,omitempty"`
}

// apiResult is what the helper reports back on stdout.
type apiResult struct {
	Status int             `json:"status"`
	Error  string          `json:"error,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"`
}

// TestAuthzHelperProcess is not a test: it is the client the matrix runs as another
// user. It does nothing unless started by callAs.
func TestAuthzHelperProcess(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		return
	}
	res := helperCall()
	_ = json.NewEncoder(os.Stdout).Encode(res)
	os.Exit(0)
}

func helperCall() apiResult {
	var call apiCall
	if err := json.Unmarshal([]byte(os.Getenv(envCall)), &call); err != nil {
		return apiResult{Status: -1, Error: "helper: bad call: " + err.Error()}
	}
	if bytes.Contains(call.Body, []byte(childPID)) {
		child := exec.Command("sleep", "60")
		if err := child.Start(); err != nil {
			return apiResult{Status: -1, Error: "helper: start child: " + err.Error()}
		}
		defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
		call.Body = withPID(call.Body, child.Process.Pid)
	}
	return doCall(localapi.NewClient(localapi.NewTransport(localapi.ListenOptions{}), os.Getenv(envSocket)), call)
}

// doCall makes one call with c; Status -1 means it could not be made.
func doCall(c *localapi.Client, call apiCall) apiResult {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var body any
	if len(call.Body) > 0 {
		body = call.Body
	}
	var out json.RawMessage
	err := c.Do(ctx, call.Method, call.Path, body, &out)
	var apiErr *localapi.Error
	switch {
	case err == nil:
		return apiResult{Status: 200, Body: out}
	case errors.As(err, &apiErr):
		return apiResult{Status: apiErr.Status, Error: apiErr.Msg}
	default:
		return apiResult{Status: -1, Error: err.Error()}
	}
}

// withPID replaces the childPID placeholder in a request body with pid.
func withPID(body json.RawMessage, pid int) json.RawMessage {
	if !bytes.Contains(body, []byte(childPID)) {
		return body
	}
	return bytes.ReplaceAll(body, []byte(`"`+childPID+`"`), []byte(strconv.Itoa(pid)))
}

// matrix is a daemon with the add-ins every row needs.
type matrix struct {
	t      *testing.T
	dir    string
	addr   string
	exe    string // a copy of the test binary nobody may execute
	d      *daemon.Daemon
	client *localapi.Client // root's client
	logs   *syncBuffer      // the daemon's log, as JSON lines
}

// Add-ins of the matrix: whose they are decides what nobody may do with them.
var matrixAddins = []storage.Addin{
	{ID: "root-addin", Name: "Root's add-in", Scope: "user", Owner: "0"},
	{ID: "nobody-addin", Name: "Nobody's add-in", Scope: "user", Owner: strconv.Itoa(nobodyID)},
	{ID: "machine-addin", Name: "Machine add-in", Scope: "machine"},
	{ID: "blocked-addin", Name: "Blocked add-in", Scope: "user", Owner: strconv.Itoa(nobodyID)},
}

func newMatrix(t *testing.T) *matrix {
	t.Helper()
	// World-traversable, so nobody reaches the socket and the binary copy.
	dir, err := os.MkdirTemp("", "authz")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m := &matrix{t: t, dir: dir, addr: filepath.Join(dir, "d.sock"), exe: filepath.Join(dir, "daemon.test"), logs: &syncBuffer{}}
	m.copyTestBinary()

	store := registrypolicy.NewMemoryStore()
	store.Set(registrypolicy.HKLM, registrypolicy.KeyAddinGov+`\`+registrypolicy.ManagedAddins, "blocked-addin", registrypolicy.DWord(uint32(governance.ManagedBlocked)))
	policy, err := registrypolicy.NewProvider(func() (registrypolicy.Store, error) { return store, nil }, zerolog.Nop(),
		registrypolicy.WithPollInterval(-1))
	if err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(daemon.Config{
		StateDir: filepath.Join(dir, "state"),
		Address:  m.addr,
		// 0660 with nobody's group: the socket admits the helper; the daemon, not
		// file permissions, then decides what it may do.
		Listen:  localapi.ListenOptions{Mode: 0o660, Group: nobodyID},
		Policy:  policy,
		Log:     zerolog.New(m.logs),
		Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	d.AddExtension(catalog.New(d.DB(), policy.Effective, d, zerolog.Nop()).Extension())
	for _, a := range matrixAddins {
		a.State, a.Since, a.By = governance.StateEnabled, time.Now(), "test"
		if err := d.DB().PutAddin(a); err != nil {
			t.Fatal(err)
		}
		d.Installed(a)
	}
	// A log entry about root's add-in, which nobody must not see.
	if _, err := d.DB().AppendLog(storage.LogEntry{Time: time.Now(), AddinID: "root-addin", AddinName: "Root's add-in",
		Action: "disable", Reason: "cpu", By: "governance"}); err != nil {
		t.Fatal(err)
	}
	m.d = d
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon: %v", err)
		}
	})
	m.client = d.Client()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := m.client.Status(context.Background()); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("daemon did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return m
}

// copyTestBinary puts the running test binary where nobody can execute it (the go
// tool's build directory is private to root).
func (m *matrix) copyTestBinary() {
	self, err := os.Executable()
	if err != nil {
		m.t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		m.t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(m.exe, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		m.t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		m.t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		m.t.Fatal(err)
	}
}

// callAs makes one API call as uid (0 or nobody).
func (m *matrix) callAs(uid int, call apiCall) apiResult {
	m.t.Helper()
	if uid == 0 {
		return m.callAsRoot(call)
	}
	spec, err := json.Marshal(call)
	if err != nil {
		m.t.Fatal(err)
	}
	cmd := exec.Command(m.exe, "-test.run=^TestAuthzHelperProcess$")
	cmd.Dir = m.dir
	cmd.Env = []string{envHelper + "=1", envSocket + "=" + m.addr, envCall + "=" + string(spec), "PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		m.t.Fatalf("helper as uid %d: %v\n%s", uid, err, stderr.String())
	}
	var res apiResult
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		m.t.Fatalf("helper output %q: %v\n%s", out, err, stderr.String())
	}
	if res.Status == -1 {
		m.t.Fatalf("helper as uid %d could not make the call: %s", uid, res.Error)
	}
	return res
}

func (m *matrix) callAsRoot(call apiCall) apiResult {
	call.Body = withPID(call.Body, os.Getpid())
	res := doCall(m.client, call)
	if res.Status == -1 {
		m.t.Fatalf("root's call %s %s: %s", call.Method, call.Path, res.Error)
	}
	return res
}

// snapshot is everything a refused call must leave as it was: the add-in records,
// the whole log and the notices.
func (m *matrix) snapshot() string {
	m.t.Helper()
	addins, err := m.d.DB().Addins()
	if err != nil {
		m.t.Fatal(err)
	}
	entries, _, err := m.d.DB().Log(storage.LogQuery{})
	if err != nil {
		m.t.Fatal(err)
	}
	notices, err := m.d.DB().Notices(0, 1000)
	if err != nil {
		m.t.Fatal(err)
	}
	states := map[string]governance.State{}
	for _, a := range addins {
		states[a.ID], _ = m.d.EffectiveState(a.ID)
	}
	b, err := json.Marshal(map[string]any{"addins": addins, "effective": states, "log": entries, "notices": notices})
	if err != nil {
		m.t.Fatal(err)
	}
	return string(b)
}

func (m *matrix) addin(id string) storage.Addin {
	m.t.Helper()
	a, err := m.d.DB().Addin(id)
	if err != nil {
		m.t.Fatalf("add-in %s: %v", id, err)
	}
	return a
}

// testManifest is a minimal Outlook mail add-in manifest for the install rows.
func testManifest(id string) json.RawMessage {
	xml := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp">
  <Id>%s</Id><Version>1.0.0.0</Version><ProviderName>Contoso</ProviderName><DefaultLocale>en-US</DefaultLocale>
  <DisplayName DefaultValue="Contoso machine add-in"/>
  <Hosts><Host Name="Mailbox"/></Hosts>
  <FormSettings><Form xsi:type="ItemRead"><DesktopSettings><SourceLocation DefaultValue="https://contoso.example/read.html"/><RequestedHeight>250</RequestedHeight></DesktopSettings></Form></FormSettings>
  <Permissions>ReadItem</Permissions>
  <Rule xsi:type="RuleCollection" Mode="Or"><Rule xsi:type="ItemIs" ItemType="Message" FormType="Read"/></Rule>
</OfficeApp>`, id)
	b, _ := json.Marshal(catalog.InstallRequest{Manifest: []byte(xml), Scope: catalog.ScopeMachine, Consent: true})
	return b
}

func post(path, body string) apiCall {
	c := apiCall{Method: "POST", Path: path}
	if body != "" {
		c.Body = json.RawMessage(body)
	}
	return c
}

func get(path string) apiCall { return apiCall{Method: "GET", Path: path} }

func TestAuthorizationMatrix(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the authorization matrix needs root: it runs its client as a second user (nobody) against a real socket; CI runs it as root")
	}
	m := newMatrix(t)
	const nobody = nobodyID
	const machineManifestID = "6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7"

	rows := []struct {
		name string
		uid  int
		call apiCall
		// wantStatus 403 rows must also leave every record unchanged.
		wantStatus int
		wantReason string // in the 403's error
		check      func(t *testing.T, res apiResult)
	}{
		// Only an administrator may enable an add-in blocked by policy.
		{name: "user enables an add-in blocked by policy", uid: nobody, call: post("/v1/addins/blocked-addin/enable", ""),
			wantStatus: 403, wantReason: "only an administrator"},
		{name: "administrator enables an add-in blocked by policy", uid: 0, call: post("/v1/addins/blocked-addin/enable", ""),
			wantStatus: 200, check: func(t *testing.T, _ apiResult) {
				if a := m.addin("blocked-addin"); a.State != governance.StateEnabled || a.By != "root" {
					t.Errorf("after root's enable: state %s by %q, want enabled by root", a.State, a.By)
				}
			}},

		// Only an administrator may install for every user of the machine.
		{name: "user installs machine-wide", uid: nobody, call: post("/v1/install", string(testManifest(machineManifestID))),
			wantStatus: 403, wantReason: "administrator"},
		{name: "administrator installs machine-wide", uid: 0, call: post("/v1/install", string(testManifest(machineManifestID))),
			wantStatus: 200, check: func(t *testing.T, _ apiResult) {
				if a := m.addin(machineManifestID); a.Scope != "machine" {
					t.Errorf("installed with scope %q, want machine", a.Scope)
				}
			}},

		// Only an administrator may disable for everyone, or change a machine add-in.
		{name: "user disables own add-in for everyone", uid: nobody, call: post("/v1/addins/nobody-addin/disable", `{"everyone":true}`),
			wantStatus: 403, wantReason: "administrator"},
		{name: "user disables a machine-wide add-in for everyone", uid: nobody, call: post("/v1/addins/machine-addin/disable", `{"everyone":true}`),
			wantStatus: 403, wantReason: "administrator"},
		// …but may turn it off for themselves (their per-user record), as Outlook allows.
		{name: "user disables a machine-wide add-in for themselves", uid: nobody, call: post("/v1/addins/machine-addin/disable", ""),
			wantStatus: 200, check: func(t *testing.T, _ apiResult) {
				if a := m.addin("machine-addin"); a.State != governance.StateEnabled {
					t.Errorf("machine-addin is %s for everyone, want enabled", a.State)
				}
				if a := m.addin("machine-addin@uid:65534"); a.State != governance.StateDisabled || a.Owner != "65534" {
					t.Errorf("nobody's record is %s owned by %q, want disabled, owned by 65534", a.State, a.Owner)
				}
			}},
		{name: "administrator disables a machine-wide add-in for everyone", uid: 0, call: post("/v1/addins/machine-addin/disable", `{"everyone":true}`),
			wantStatus: 200, check: func(t *testing.T, _ apiResult) {
				if a := m.addin("machine-addin"); a.State != governance.StateDisabled {
					t.Errorf("machine-addin is %s, want disabled", a.State)
				}
			}},
		{name: "user enables for themselves a machine-wide add-in disabled for everyone", uid: nobody, call: post("/v1/addins/machine-addin/enable", ""),
			wantStatus: 403, wantReason: "only an administrator"},

		// A host reports activations only for its own user's processes.
		{name: "host reports an activation for root's process", uid: nobody,
			call:       post("/v1/activations", fmt.Sprintf(`{"addin_id":"nobody-addin","pid":%d}`, os.Getpid())),
			wantStatus: 403, wantReason: "belongs to another user"},
		{name: "host reports an activation for its own child", uid: nobody,
			call:       post("/v1/activations", `{"addin_id":"nobody-addin","pid":"`+childPID+`"}`),
			wantStatus: 200, check: func(t *testing.T, res apiResult) {
				var r localapi.ActivationResponse
				if err := json.Unmarshal(res.Body, &r); err != nil || !r.MayActivate || r.ActivationID == "" {
					t.Errorf("answer %s: want may_activate with an activation id", res.Body)
				}
			}},

		// A user enables and disables their own add-ins and reads their own records.
		{name: "user disables own add-in", uid: nobody, call: post("/v1/addins/nobody-addin/disable", ""),
			wantStatus: 200, check: func(t *testing.T, _ apiResult) {
				if a := m.addin("nobody-addin"); a.State != governance.StateDisabled || a.By != "nobody" {
					t.Errorf("nobody-addin is %s by %q, want disabled by nobody", a.State, a.By)
				}
			}},
		{name: "user enables own add-in", uid: nobody, call: post("/v1/addins/nobody-addin/enable", ""),
			wantStatus: 200, check: func(t *testing.T, _ apiResult) {
				if a := m.addin("nobody-addin"); a.State != governance.StateEnabled {
					t.Errorf("nobody-addin is %s, want enabled", a.State)
				}
			}},
		{name: "user reads own add-in", uid: nobody, call: get("/v1/addins/nobody-addin"), wantStatus: 200,
			check: func(t *testing.T, res apiResult) {
				var a localapi.Addin
				if err := json.Unmarshal(res.Body, &a); err != nil || a.ID != "nobody-addin" {
					t.Errorf("answer %s: want nobody-addin", res.Body)
				}
			}},
		{name: "user reads another user's add-in", uid: nobody, call: get("/v1/addins/root-addin"),
			wantStatus: 403, wantReason: "another user"},
		{name: "user disables another user's add-in", uid: nobody, call: post("/v1/addins/root-addin/disable", ""),
			wantStatus: 403, wantReason: "belongs to another user"},
		{name: "user enables another user's add-in", uid: nobody, call: post("/v1/addins/root-addin/enable", ""),
			wantStatus: 403, wantReason: "belongs to another user"},
		{name: "user lists add-ins without another user's", uid: nobody, call: get("/v1/addins"), wantStatus: 200,
			check: func(t *testing.T, res apiResult) {
				var as []localapi.Addin
				if err := json.Unmarshal(res.Body, &as); err != nil {
					t.Fatal(err)
				}
				ids := map[string]bool{}
				for _, a := range as {
					ids[a.ID] = true
				}
				if ids["root-addin"] || !ids["nobody-addin"] || !ids["machine-addin"] {
					t.Errorf("nobody sees %v: want its own and machine-wide add-ins, not root's", ids)
				}
			}},
		{name: "user reads the log without another user's entries", uid: nobody, call: get("/v1/log"), wantStatus: 200,
			check: func(t *testing.T, res apiResult) {
				var p localapi.LogPage
				if err := json.Unmarshal(res.Body, &p); err != nil {
					t.Fatal(err)
				}
				own := false
				for _, e := range p.Entries {
					if e.AddinID == "root-addin" {
						t.Errorf("nobody sees root's log entry %+v", e)
					}
					own = own || e.AddinID == "nobody-addin"
				}
				if !own {
					t.Errorf("nobody does not see its own add-in's entries: %s", res.Body)
				}
			}},
		{name: "administrator reads another user's add-in", uid: 0, call: get("/v1/addins/nobody-addin"), wantStatus: 200},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before := m.snapshot()
			res := m.callAs(row.uid, row.call)
			if res.Status != row.wantStatus {
				t.Fatalf("%s %s as uid %d: status %d (%s), want %d", row.call.Method, row.call.Path, row.uid, res.Status, res.Error, row.wantStatus)
			}
			if row.wantStatus == 403 {
				if res.Error == "" || !strings.Contains(res.Error, row.wantReason) {
					t.Errorf("403 reason %q, want one containing %q", res.Error, row.wantReason)
				}
				if after := m.snapshot(); after != before {
					t.Errorf("a refused call changed the state:\nbefore %s\nafter  %s", before, after)
				}
			}
			if row.check != nil {
				row.check(t, res)
			}
		})
	}
}
