package localapi

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// checkRequestLine refuses, before any routing, what the API never serves: another
// protocol than HTTP/1.x (an HTTP/2 preface arrives as "PRI * HTTP/2.0") and paths that
// are not canonical. Go's ServeMux would answer a path with "." or ".." segments or
// doubled slashes with a redirect to its cleaned form; the API does not redirect, so
// such a path is the caller's error.
func checkRequestLine(r *http.Request) error {
	if r.ProtoMajor != 1 || r.Method == "PRI" {
		return newError(http.StatusHTTPVersionNotSupported, "this API speaks HTTP/1.1 only (the request used %s %s): use an HTTP/1.1 client", r.Method, r.Proto)
	}
	// The decoded path: an escaped "%2e%2e" or "%2F%2F" is refused like its plain form.
	return checkPath(r.URL.Path)
}

// checkPath accepts an absolute path without empty, "." or ".." segments; a trailing
// slash is left to routing (no endpoint has one, so it is a 404).
func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return BadRequest("request path %q is not absolute: API paths start with /v1/", clip(p))
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		if seg == "." || seg == ".." || (seg == "" && !last) {
			return BadRequest("request path %q has an empty, . or .. segment: the API does not clean or redirect paths; send the endpoint's path as documented", clip(p))
		}
	}
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// withBodyDeadline bounds the time the request's body may take to arrive: the
// connection's read deadline is set now and cleared once the body has been read, so the
// server's own read that watches for a client going away is not cut off while a handler
// works.
func withBodyDeadline(w http.ResponseWriter, body io.ReadCloser, d time.Duration) io.ReadCloser {
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(d)) != nil {
		return body
	}
	return &deadlineBody{ReadCloser: body, rc: rc}
}

type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// httpErrorLog sends net/http's own messages (accept errors, broken requests) to the
// daemon's structured log instead of stderr.
func httpErrorLog(l zerolog.Logger) *log.Logger {
	return log.New(logWriter{l}, "", 0)
}

type logWriter struct{ l zerolog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.l.Debug().Str("event", "api-transport").Msg(string(bytes.TrimSpace(p)))
	return len(p), nil
}
