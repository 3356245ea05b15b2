package apitest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// HostileSeeds are requests every handler-layer fuzz target starts from besides one
// seed per documented endpoint.
var HostileSeeds = []struct{ Method, Path, Body string }{
	{"POST", "/v1/activations", `{"addin_id":"a","pid":1}`},
	{"POST", "/v1/activations/act-1/fail", `{"reason":"boom"}`},
	{"POST", "/v1/addins/contoso-crm/enable", `{"everyone":true}`},
	{"GET", "/v1/log?since=24h&limit=5", ``},
	{"GET", "/v1/log?cursor=zzz", ``},
	{"GET", "/v1/notices?after=3", ``},
	{"POST", "/v1/notices/ack", `{"seq":2}`},
	{"PUT", "/v1/status", `[]`},
	{"GET", "/v1/addins/../../etc/passwd", ``},
	{"GET", "/v1//status", ``},
	{"GET", "/v1/addins/%2e%2e", ``},
	{"PRI", "*", "SM\r\n\r\n"},
	{"OPTIONS", "*", ``},
}

// CheckAnswer sends one request to h in-process and fails t on an answer the API
// must never give. Notice streams are cut off after a moment.
func CheckAnswer(t testing.TB, h http.Handler, method, path, body string) {
	t.Helper()
	if method == "" || strings.ContainsAny(method, " \r\n\t/()<>@,;:\\\"[]?={}") || strings.ContainsAny(path, " \r\n\t") {
		return
	}
	req, err := http.NewRequest(method, "http://addingovd/", strings.NewReader(body))
	if err != nil {
		return
	}
	// Set the target as a server would read it from the request line, so paths the
	// client side would refuse or clean ("*", "..") reach the handler as sent.
	u, err := url.ParseRequestURI(path)
	if err != nil {
		return
	}
	req.URL, req.RequestURI = u, path
	if method == "PRI" {
		req.Proto, req.ProtoMajor, req.ProtoMinor = "HTTP/2.0", 2, 0
	}
	ctx, cancel := context.WithTimeout(req.Context(), 5*time.Millisecond)
	defer cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req.WithContext(ctx))
	switch {
	case rec.Code < 200 || rec.Code > 599:
		t.Fatalf("%s %s → status %d", method, path, rec.Code)
	case rec.Code/100 == 3:
		t.Fatalf("%s %s → redirect %d (Location %q): the API never redirects", method, path, rec.Code, rec.Header().Get("Location"))
	case rec.Code >= 500 && rec.Code != http.StatusHTTPVersionNotSupported && rec.Code != http.StatusServiceUnavailable:
		t.Fatalf("%s %s %q → %d: %s", method, path, body, rec.Code, rec.Body)
	case rec.Code == http.StatusMethodNotAllowed && rec.Header().Get("Allow") == "":
		t.Fatalf("%s %s → 405 without Allow", method, path)
	}
}
