package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/governance"
	"addingov/localapi"
	"addingov/registrypolicy"
	"addingov/storage"
)

// corpusDir holds the shared real manifests, relative to this package.
const corpusDir = "../../shared/corpus/manifests"

// Callers as the transport would identify them.
var (
	alice = localapi.Caller{UID: "1000", User: "alice", Known: true}
	bob   = localapi.Caller{UID: "1001", User: "bob", Known: true}
	root  = localapi.Caller{UID: "0", User: "root", Known: true, Admin: true}
)

// fakeGov is a Governor that records what it is told.
type fakeGov struct {
	mu        sync.Mutex
	states    map[string]governance.State
	installed []string
	removed   []string
	observed  map[string][]time.Duration
}

func newFakeGov() *fakeGov {
	return &fakeGov{states: map[string]governance.State{}, observed: map[string][]time.Duration{}}
}

func (g *fakeGov) StateFor(_ localapi.Caller, a storage.Addin) (governance.State, string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if st, ok := g.states[a.ID]; ok && st != governance.StateEnabled {
		return st, "set by the test"
	}
	return governance.StateEnabled, ""
}

func (g *fakeGov) Installed(a storage.Addin) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.installed = append(g.installed, a.ID)
}

func (g *fakeGov) Removed(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.removed = append(g.removed, id)
}

func (g *fakeGov) ObserveEvaluation(id string, d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.observed[id] = append(g.observed[id], d)
}

func (g *fakeGov) set(id string, st governance.State) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.states[id] = st
}

// testCatalog is a catalog over a fresh database, with its handler.
type testCatalog struct {
	*Catalog
	db  *storage.DB
	gov *fakeGov
	mux *http.ServeMux
	pol *registrypolicy.Effective
}

func newTestCatalog(t testing.TB, policy *registrypolicy.Effective) *testCatalog {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "addingov.db"), storage.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tc := &testCatalog{db: db, gov: newFakeGov(), mux: http.NewServeMux(), pol: policy}
	tc.Catalog = New(db, func(localapi.Caller) *registrypolicy.Effective { return tc.pol }, tc.gov, zerolog.Nop())
	tc.Extension()(tc.mux)
	return tc
}

// do sends a request as caller through the catalog's endpoints and returns the status
// and body. body may be a []byte (sent as is) or a value (sent as JSON).
func (tc *testCatalog) do(t testing.TB, caller localapi.Caller, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, rd)
	req = req.WithContext(localapi.WithCaller(req.Context(), caller))
	rec := httptest.NewRecorder()
	tc.mux.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// decode unmarshals a response body, failing the test on error.
func decode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

// regPolicy evaluates a policy .reg file holding lines under our machine key.
func regPolicy(t testing.TB, lines ...string) *registrypolicy.Effective {
	t.Helper()
	text := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\AddinGov]\r\n" +
		strings.Join(lines, "\r\n") + "\r\n"
	path := filepath.Join(t.TempDir(), "policy.reg")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := registrypolicy.LoadRegFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return registrypolicy.Evaluate(store)
}

// mailManifest builds an Outlook mail add-in manifest with the given level, extra
// top-level rules (inside an Or collection) and source URL.
func mailManifest(id, tier, rules, sourceURL string) []byte {
	if rules == "" {
		rules = `<Rule xsi:type="ItemIs" ItemType="Message" FormType="Read"/>`
	}
	return []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp">
  <Id>%s</Id><Version>1.0.0.0</Version><ProviderName>Contoso</ProviderName><DefaultLocale>en-US</DefaultLocale>
  <DisplayName DefaultValue="Contoso %s"/>
  <Hosts><Host Name="Mailbox"/></Hosts>
  <FormSettings><Form xsi:type="ItemRead"><DesktopSettings><SourceLocation DefaultValue="%s"/><RequestedHeight>250</RequestedHeight></DesktopSettings></Form></FormSettings>
  <Permissions>%s</Permissions>
  <Rule xsi:type="RuleCollection" Mode="Or">%s</Rule>
</OfficeApp>`, id, tier, sourceURL, tier, rules))
}

// docManifest builds a task pane add-in manifest with the given level.
func docManifest(id, tier string) []byte {
	return []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="TaskPaneApp">
  <Id>%s</Id><Version>1.0.0.0</Version><ProviderName>Contoso</ProviderName><DefaultLocale>en-US</DefaultLocale>
  <DisplayName DefaultValue="Contoso pane"/>
  <Hosts><Host Name="Document"/></Hosts>
  <DefaultSettings><SourceLocation DefaultValue="https://contoso.example/pane.html"/></DefaultSettings>
  <Permissions>%s</Permissions>
</OfficeApp>`, id, tier))
}

// spManifest builds a SharePoint add-in manifest with the given request elements.
func spManifest(id string, appOnly bool, requests string) []byte {
	return []byte(fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<App xmlns="http://schemas.microsoft.com/sharepoint/2012/app/manifest" ProductID="%s" Version="1.0.0.0" SharePointMinVersion="16.0.0.0" Name="ContosoSP">
  <Properties><Title>Contoso SharePoint</Title><StartPage>https://contoso.example/start.aspx?{StandardTokens}</StartPage></Properties>
  <AppPrincipal><RemoteWebApplication ClientId="*"/></AppPrincipal>
  <AppPermissionRequests AllowAppOnlyPolicy="%t">%s</AppPermissionRequests>
</App>`, id, appOnly, requests))
}

const (
	spWeb      = "http://sharepoint/content/sitecollection/web"
	spList     = "http://sharepoint/content/sitecollection/web/list"
	spTenant   = "http://sharepoint/content/tenant"
	regexRule  = `<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="order" RegExValue="ORD-[0-9]{5}" PropertyName="BodyAsPlaintext"/>`
	attachRule = `<Rule xsi:type="ItemHasAttachment"/>`
)

// corpusFiles lists the shared corpus manifests, skipping the test when the corpus is
// absent.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("shared corpus not present at %s", corpusDir)
	}
	files, err := filepath.Glob(filepath.Join(corpusDir, "*", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus manifests under %s: %v", corpusDir, err)
	}
	return files
}
