//go:build !windows

package daemon_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"addingov/daemon/daemontest"
	"addingov/internal/apitest"
	"addingov/localapi"
)

// rawHTTP writes req as it is (no client cleans its path) to the daemon's socket and
// reads one answer.
func rawHTTP(t *testing.T, addr, req string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("unix", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to %q: %v", firstLine(req), err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func firstLine(s string) string {
	if i := strings.Index(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// request is an HTTP/1.1 request with body as its Content-Length body.
func request(method, target, body string) string {
	return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: addingovd\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", method, target, len(body), body)
}

// Issue 12 item 7: a cursor no page handed out is the caller's mistake (400 with a
// message), not an internal failure (500).
func TestIssue12_BadCursorIs400(t *testing.T) {
	d := daemontest.Start(t, daemontest.Options{})
	for _, cursor := range []string{"zzz", "00ff", strings.Repeat("ab", 40)} {
		resp, body := rawHTTP(t, d.Address, request("GET", "/v1/log?cursor="+cursor, ""))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "cursor") {
			t.Errorf("cursor %q: %d %s; want 400 naming the cursor", cursor, resp.StatusCode, body)
		}
	}
}

// Issue 12 item 7: every route, given hostile input, answers a 4xx that says what was
// wrong: never a redirect, never a 500. The rows cover every endpoint documented in
// localapi's and catalog's package documentation.
func TestIssue12_HostileRequestsGetClearStatuses(t *testing.T) {
	d := daemontest.Start(t, daemontest.Options{})
	big := `{"reason":"` + strings.Repeat("x", localapi.MaxBodyBytes) + `"}`
	long := strings.Repeat("a", 5000)
	tests := []struct {
		route   string // the documented pattern the row exercises ("" for none)
		req     string
		status  int
		allow   string // the Allow header a 405 must carry
		mention string // the error must mention this
	}{
		{"", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "", "HTTP/1.1 only"},
		{"", request("OPTIONS", "*", ""), 400, "", "not absolute"},
		{"", request("GET", "/", ""), 404, "", "no endpoint"},
		{"", request("GET", "/v2/status", ""), 404, "", "no endpoint"},
		{"", request("GET", "/v1//status", ""), 400, "", "empty, . or .."},
		{"", request("GET", "/v1/./status", ""), 400, "", "empty, . or .."},
		{"", request("GET", "/v1/status/", ""), 404, "", "no endpoint"},
		{"GET /v1/status", request("PUT", "/v1/status", "{}"), 405, "GET", "not allowed"},
		{"GET /v1/addins", request("POST", "/v1/addins", "{}"), 405, "GET", "not allowed"},
		{"GET /v1/addins/{id}", request("GET", "/v1/addins/../../etc/passwd", ""), 400, "", "empty, . or .."},
		{"GET /v1/addins/{id}", request("GET", "/v1/addins/%2e%2e%2f%2e%2e%2fetc%2fpasswd", ""), 400, "", "empty, . or .."},
		{"GET /v1/addins/{id}", request("GET", "/v1/addins/"+long, ""), 400, "", "limit"},
		{"GET /v1/addins/{id}", request("GET", "/v1/addins/nope", ""), 404, "", "no add-in"},
		{"DELETE /v1/addins/{id}", request("DELETE", "/v1/addins/nope", ""), 404, "", "no add-in"},
		{"POST /v1/addins/{id}/enable", request("POST", "/v1/addins/nope/enable", ""), 404, "", "no add-in"},
		{"POST /v1/addins/{id}/enable", request("GET", "/v1/addins/nope/enable", ""), 405, "POST", "not allowed"},
		{"POST /v1/addins/{id}/disable", request("POST", "/v1/addins/nope/disable", `{"everyone":"yes"}`), 400, "", "everyone"},
		{"POST /v1/addins/{id}/disable", request("POST", "/v1/addins/nope/disable", big), 413, "", "larger than"},
		{"POST /v1/activations", request("POST", "/v1/activations", `[]`), 400, "", "malformed JSON"},
		{"POST /v1/activations", request("POST", "/v1/activations", `{"addin_id":"x","pid":0}`), 400, "", "pid"},
		{"POST /v1/activations", request("POST", "/v1/activations", `{"addin_id":"x","pid":1,"extra":1}`), 400, "", "unknown field"},
		{"POST /v1/activations/{id}/ready", request("POST", "/v1/activations/nope/ready", ""), 404, "", "no activation"},
		{"POST /v1/activations/{id}/fail", request("POST", "/v1/activations/nope/fail", `{"reason":`), 400, "", "malformed JSON"},
		{"POST /v1/activations/{id}/end", request("POST", "/v1/activations/nope/end", ""), 404, "", "no activation"},
		{"GET /v1/log", request("GET", "/v1/log?cursor=zzz", ""), 400, "", "cursor"},
		{"GET /v1/log", request("GET", "/v1/log?since=sometime", ""), 400, "", "since"},
		{"GET /v1/log", request("GET", "/v1/log?limit=1e9", ""), 400, "", "limit"},
		{"GET /v1/log", request("GET", "/v1/log?addin="+long, ""), 400, "", "limit"},
		{"GET /v1/notices", request("GET", "/v1/notices?after=-1", ""), 400, "", "after"},
		{"GET /v1/notices", request("GET", "/v1/notices?limit=0", ""), 400, "", "limit"},
		{"GET /v1/notices/stream", request("GET", "/v1/notices/stream?after=x", ""), 400, "", "after"},
		{"POST /v1/notices/ack", request("POST", "/v1/notices/ack", `{"seq":-1}`), 400, "", "seq"},
		{"POST /v1/notices/ack", request("POST", "/v1/notices/ack", ""), 400, "", "empty body"},
		{"GET /v1/notices/ack", request("DELETE", "/v1/notices/ack", ""), 405, "GET", "not allowed"},
		{"GET /v1/policy", request("POST", "/v1/policy", "{}"), 405, "GET", "not allowed"},
		{"POST /v1/install/preview", request("POST", "/v1/install/preview", `{}`), 400, "", "manifest"},
		{"POST /v1/install", request("POST", "/v1/install", `{"manifest":"not base64!"}`), 400, "", "malformed JSON"},
		{"GET /v1/permissions/{id}", request("GET", "/v1/permissions/nope", ""), 404, "", "no add-in"},
		{"POST /v1/authorize", request("POST", "/v1/authorize", `{}`), 400, "", "required"},
		{"POST /v1/evaluate", request("POST", "/v1/evaluate", `{"addin_id":1}`), 400, "", "addin_id"},
		{"GET /v1/grants", request("GET", "/v1/grants?addin=nope", ""), 404, "", "no add-in"},
		{"POST /v1/grants/regrant", request("POST", "/v1/grants/regrant", `{}`), 400, "", "required"},
		{"POST /v1/grants/onthefly", request("POST", "/v1/grants/onthefly", `{`), 400, "", "malformed JSON"},
		{"POST /v1/objects/{id}/{action}", request("POST", "/v1/objects/list-1/explode", `{}`), 400, "", "explode"},
		{"GET /v1/addins/{id}/details", request("GET", "/v1/addins/nope/details", ""), 404, "", "no add-in"},
		{"GET /v1/addins/{id}/details", request("GET", "/v1/addins/"+long+"/details", ""), 400, "", "limit"},
		{"GET /v1/diagnostics/log", request("POST", "/v1/diagnostics/log", ""), 405, "GET", "not allowed"},
		{"GET /v1/diagnostics/commits", request("DELETE", "/v1/diagnostics/commits", ""), 405, "GET", "not allowed"},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.route] = true
		t.Run(firstLine(tt.req), func(t *testing.T) {
			resp, body := rawHTTP(t, d.Address, tt.req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("answer carries Location %q: the API never redirects", loc)
			}
			var eb localapi.ErrorBody
			if err := json.Unmarshal([]byte(body), &eb); err != nil || eb.Error == "" {
				t.Fatalf("error body %q is not {\"error\": ...}", body)
			}
			if !strings.Contains(eb.Error, tt.mention) {
				t.Errorf("error %q does not mention %q", eb.Error, tt.mention)
			}
			if tt.allow != "" && !strings.Contains(resp.Header.Get("Allow"), tt.allow) {
				t.Errorf("Allow = %q, want it to list %s", resp.Header.Get("Allow"), tt.allow)
			}
		})
	}
	for _, doc := range []string{"../localapi/doc.go", "../catalog/doc.go"} {
		eps, err := apitest.Endpoints(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range eps {
			if !covered[e.Pattern()] {
				t.Errorf("no hostile-input row for %s (documented in %s)", e.Pattern(), doc)
			}
		}
	}
}
