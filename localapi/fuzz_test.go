package localapi

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"addingov/internal/apitest"
)

// FuzzHandlers sends arbitrary methods, paths and bodies through every localapi route
// (one seed per endpoint of the package documentation, plus hostile ones): the server
// must answer with a 4xx or 2xx, never redirect, never panic, and give a 405 its Allow.
func FuzzHandlers(f *testing.F) {
	eps, err := apitest.Endpoints("doc.go")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range eps {
		f.Add(e.Method, e.Example("contoso-crm"), `{}`)
		f.Add(e.Method, e.Example("act-1")+"?after=1&limit=2&cursor=00", ``)
	}
	for _, s := range apitest.HostileSeeds {
		f.Add(s.Method, s.Path, s.Body)
	}
	srv := NewServer(newFakeBackend(), zerolog.Nop())
	f.Fuzz(func(t *testing.T, method, path, body string) {
		apitest.CheckAnswer(t, srv, method, path, body)
	})
}

// FuzzParseLogQuery: any query string parses or fails with a 400, never panics.
func FuzzParseLogQuery(f *testing.F) {
	for _, s := range []string{"since=24h&until=1h", "since=2026-01-01T00:00:00Z", "limit=10&cursor=abc", "since=7d", "limit=x"} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if _, err := ParseLogQuery(v, now); err != nil && StatusOf(err) != http.StatusBadRequest {
			t.Fatalf("error %v has status %d, want 400", err, StatusOf(err))
		}
	})
}
