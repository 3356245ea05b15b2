package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"addingov/storage"
)

// MaxBodyBytes caps every request body.
const MaxBodyBytes = 1 << 20

// Backend is what the server needs from the daemon. Every method finds the caller
// with CallerFrom(ctx) and decides what that caller may do.
type Backend interface {
	Status(ctx context.Context) (Status, error)
	Addins(ctx context.Context) ([]Addin, error)
	Addin(ctx context.Context, id string) (Addin, error)
	SetEnabled(ctx context.Context, id string, enable bool, req StateRequest) (Addin, error)

	StartActivation(ctx context.Context, req ActivationRequest) (ActivationResponse, error)
	ReadyActivation(ctx context.Context, activationID string) (ActivationResult, error)
	FailActivation(ctx context.Context, activationID, reason string) (ActivationResult, error)
	EndActivation(ctx context.Context, activationID string) (ActivationResult, error)

	Log(ctx context.Context, q storage.LogQuery) (LogPage, error)
	Notices(ctx context.Context, after uint64, limit int) ([]storage.Notice, error)
	// NoticeSignal returns a channel closed when the next notice is stored.
	NoticeSignal() <-chan struct{}
	AckNotices(ctx context.Context, seq uint64) error
	// NoticeAck is the last notice the calling user acknowledged (0 when never).
	NoticeAck(ctx context.Context) (uint64, error)

	Policy(ctx context.Context) (json.RawMessage, error)
}

// Extension registers further endpoints on the server's mux (install, authorize, …);
// the packages that own those features provide them.
type Extension func(mux *http.ServeMux)

// Server serves a Backend over a Transport.
type Server struct {
	// cancel ends the contexts of requests in flight at Shutdown, so that notice
	// streams return instead of holding the shutdown open.
	cancel  context.CancelFunc
	backend Backend
	log     zerolog.Logger
	mux     *http.ServeMux
	http    *http.Server
	limits  Limits
	// lim counts the connections Serve admitted (for tests: nil before Serve).
	lim atomic.Pointer[connLimiter]
}

// NewServer builds the HTTP handler for b.
func NewServer(b Backend, log zerolog.Logger, ext ...Extension) *Server {
	s := &Server{backend: b, log: log, mux: http.NewServeMux()}
	s.routes()
	for _, e := range ext {
		e(s.mux)
	}
	base, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	// HTTP/1.1 only: the API has no use for HTTP/2, and an HTTP/2 preface is answered
	// with 505 by ServeHTTP.
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	s.http = &http.Server{
		BaseContext: func(net.Listener) context.Context { return base },
		Handler:     s,
		ConnContext: connContext,
		Protocols:   &protocols,
		ErrorLog:    httpErrorLog(log),
		// "OPTIONS *" reaches ServeHTTP, which refuses it like every other non-path.
		DisableGeneralOptionsHandler: true,
	}
	s.SetLimits(DefaultLimits)
	return s
}

// SetLimits replaces the server's time and connection limits; call it before Serve.
// Zero fields keep DefaultLimits' values.
func (s *Server) SetLimits(l Limits) {
	s.limits = l.withDefaults()
	s.http.ReadHeaderTimeout = s.limits.HeaderTimeout
	s.http.IdleTimeout = s.limits.IdleTimeout
	s.http.WriteTimeout = s.limits.WriteTimeout
	s.http.MaxHeaderBytes = s.limits.MaxHeaderBytes
}

// Limits returns the limits Serve enforces.
func (s *Server) Limits() Limits { return s.limits }

// ServeHTTP implements http.Handler; it recovers from handler panics so none reaches a
// caller as a dropped connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error().Interface("panic", v).Str("path", r.URL.Path).Msg("api handler panicked")
			WriteError(w, fmt.Errorf("internal error: %v", v))
		}
	}()
	if err := checkRequestLine(r); err != nil {
		if StatusOf(err) == http.StatusHTTPVersionNotSupported {
			w.Header().Set("Connection", "close")
		}
		WriteError(w, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if r.ContentLength != 0 && s.limits.BodyTimeout > 0 {
		r.Body = withBodyDeadline(w, r.Body, s.limits.BodyTimeout)
	}
	if h, pattern := s.mux.Handler(r); pattern == "" {
		// No route: the mux answers 404, or 405 with an Allow header when the path
		// exists for other methods. Keep its status and headers, but answer in JSON.
		// The mux never redirects here: checkRequestLine refused every path it would
		// clean, and any other redirect it might answer becomes a 404.
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
			WriteError(w, newError(http.StatusMethodNotAllowed, "method %s is not allowed on %s: use %s", r.Method, r.URL.Path, allow))
			return
		}
		if rec.status == 0 || rec.status/100 == 3 {
			rec.status = http.StatusNotFound
		}
		WriteError(w, newError(rec.status, "no endpoint %s %s: see the localapi package documentation for the endpoints", r.Method, r.URL.Path))
		return
	}
	// Routed: let the mux dispatch, so the handler sees the pattern's path values.
	s.mux.ServeHTTP(w, r)
}

// statusRecorder captures the mux's own answer for unrouted requests.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(status int)      { r.status = status }

// Serve accepts connections on l until Shutdown, admitting each one only within the
// per-user and total connection limits (see Limits).
func (s *Server) Serve(l net.Listener) error {
	lim := newConnLimiter(s.limits.fitToDescriptors(), s.log)
	s.lim.Store(lim)
	s.log.Debug().Int("per_user", lim.limits.PerUser).Int("total", lim.limits.Total).
		Int("admin_reserve", lim.limits.AdminReserve).Msg("local API connection limits")
	err := s.http.Serve(&limitListener{Listener: l, lim: lim})
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits for requests in flight (streams end with ctx).
func (s *Server) Shutdown(ctx context.Context) error {
	s.cancel()
	return s.http.Shutdown(ctx)
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /v1/status", s.handle(func(r *http.Request) (any, error) { return s.backend.Status(r.Context()) }))
	m.HandleFunc("GET /v1/addins", s.handle(func(r *http.Request) (any, error) { return s.backend.Addins(r.Context()) }))
	m.HandleFunc("GET /v1/addins/{id}", s.handle(func(r *http.Request) (any, error) {
		return s.backend.Addin(r.Context(), r.PathValue("id"))
	}))
	for _, action := range []string{"enable", "disable"} {
		enable := action == "enable"
		m.HandleFunc("POST /v1/addins/{id}/"+action, s.handle(func(r *http.Request) (any, error) {
			var req StateRequest
			if err := DecodeOptional(r, &req); err != nil {
				return nil, err
			}
			return s.backend.SetEnabled(r.Context(), r.PathValue("id"), enable, req)
		}))
	}
	m.HandleFunc("POST /v1/activations", s.handle(func(r *http.Request) (any, error) {
		var req ActivationRequest
		if err := Decode(r, &req); err != nil {
			return nil, err
		}
		if req.AddinID == "" {
			return nil, BadRequest("addin_id is required")
		}
		if req.PID <= 0 {
			return nil, BadRequest("pid must be the add-in process's id (a positive number), got %d", req.PID)
		}
		return s.backend.StartActivation(r.Context(), req)
	}))
	m.HandleFunc("POST /v1/activations/{id}/ready", s.handle(func(r *http.Request) (any, error) {
		return s.backend.ReadyActivation(r.Context(), r.PathValue("id"))
	}))
	m.HandleFunc("POST /v1/activations/{id}/fail", s.handle(func(r *http.Request) (any, error) {
		var req FailRequest
		if err := DecodeOptional(r, &req); err != nil {
			return nil, err
		}
		if req.Reason == "" {
			req.Reason = "failed"
		}
		return s.backend.FailActivation(r.Context(), r.PathValue("id"), req.Reason)
	}))
	m.HandleFunc("POST /v1/activations/{id}/end", s.handle(func(r *http.Request) (any, error) {
		return s.backend.EndActivation(r.Context(), r.PathValue("id"))
	}))
	m.HandleFunc("GET /v1/log", s.handle(func(r *http.Request) (any, error) {
		q, err := ParseLogQuery(r.URL.Query(), time.Now())
		if err != nil {
			return nil, err
		}
		return s.backend.Log(r.Context(), q)
	}))
	m.HandleFunc("GET /v1/notices", s.handle(func(r *http.Request) (any, error) {
		after, limit, err := parseNoticeQuery(r)
		if err != nil {
			return nil, err
		}
		return s.backend.Notices(r.Context(), after, limit)
	}))
	m.HandleFunc("GET /v1/notices/stream", s.streamNotices)
	m.HandleFunc("POST /v1/notices/ack", s.handle(func(r *http.Request) (any, error) {
		var req AckRequest
		if err := Decode(r, &req); err != nil {
			return nil, err
		}
		return map[string]uint64{"seq": req.Seq}, s.backend.AckNotices(r.Context(), req.Seq)
	}))
	m.HandleFunc("GET /v1/notices/ack", s.handle(func(r *http.Request) (any, error) {
		seq, err := s.backend.NoticeAck(r.Context())
		return AckRequest{Seq: seq}, err
	}))
	m.HandleFunc("GET /v1/policy", s.handle(func(r *http.Request) (any, error) { return s.backend.Policy(r.Context()) }))
}

// handle adapts a function returning a value or an error to an http.HandlerFunc.
func (s *Server) handle(f func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := f(r)
		if err != nil {
			if StatusOf(err) >= 500 {
				s.log.Error().Err(err).Str("path", r.URL.Path).Msg("api request failed")
			}
			WriteError(w, err)
			return
		}
		WriteJSON(w, http.StatusOK, v)
	}
}

func (s *Server) streamNotices(w http.ResponseWriter, r *http.Request) {
	after, _, err := parseNoticeQuery(r)
	if err != nil {
		WriteError(w, err)
		return
	}
	// A stream lives as long as its reader: the server's WriteTimeout would cut it, so
	// each burst of writes gets its own deadline instead, and a reader that stops
	// reading is dropped after WriteTimeout.
	rc := http.NewResponseController(w)
	burst := func() { _ = rc.SetWriteDeadline(time.Now().Add(s.limits.WriteTimeout)) }
	idle := func() { _ = rc.SetWriteDeadline(time.Time{}) }
	burst()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	if rc.Flush() != nil {
		return
	}
	idle()
	enc := json.NewEncoder(w)
	ctx := r.Context()
	for {
		signal := s.backend.NoticeSignal() // taken before reading, so no notice slips between
		ns, err := s.backend.Notices(ctx, after, 100)
		if err != nil {
			s.log.Error().Err(err).Msg("notice stream: read notices")
			return
		}
		burst()
		for _, n := range ns {
			if err := enc.Encode(n); err != nil {
				return
			}
			after = n.Seq
		}
		if len(ns) > 0 && rc.Flush() != nil {
			return
		}
		idle()
		if len(ns) == 100 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-signal:
		}
	}
}

func parseNoticeQuery(r *http.Request) (after uint64, limit int, err error) {
	q := r.URL.Query()
	if v := q.Get("after"); v != "" {
		after, err = strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0, BadRequest("after=%q: give a notice sequence number (0 for all)", v)
		}
	}
	limit = 100
	if v := q.Get("limit"); v != "" {
		limit, err = strconv.Atoi(v)
		if err != nil || limit < 1 || limit > 1000 {
			return 0, 0, BadRequest("limit=%q: give a number from 1 to 1000", v)
		}
	}
	return after, limit, nil
}

// ParseLogQuery reads the log endpoint's query parameters. since and until take what
// ParseTimeFlag accepts; order=desc asks for the newest entries first (with limit, the
// newest limit entries); reason and action match case-insensitively.
func ParseLogQuery(v map[string][]string, now time.Time) (storage.LogQuery, error) {
	get := func(k string) string {
		if vs := v[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	var q storage.LogQuery
	var err error
	if s := get("since"); s != "" {
		if q.Since, err = ParseTimeFlag(s, now); err != nil {
			return q, BadRequest("since: %v", err)
		}
	}
	if s := get("until"); s != "" {
		if q.Until, err = ParseTimeFlag(s, now); err != nil {
			return q, BadRequest("until: %v", err)
		}
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Since.After(q.Until) {
		return q, BadRequest("since (%s) is after until (%s): swap them", q.Since.Format(time.RFC3339), q.Until.Format(time.RFC3339))
	}
	q.AddinID = get("addin")
	q.Reason = strings.ToLower(get("reason"))
	q.Action = strings.ToLower(get("action"))
	q.Cursor = get("cursor")
	if q.Cursor != "" {
		if err := storage.ValidateCursor(q.Cursor); err != nil {
			return q, BadRequest("cursor: %v", err)
		}
	}
	switch o := get("order"); o {
	case "", "asc":
	case "desc":
		q.Newest = true
	default:
		return q, BadRequest("order=%q: use asc (oldest first) or desc (newest first)", o)
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100000 {
			return q, BadRequest("limit=%q: give a number from 0 (no limit) to 100000", s)
		}
		q.Limit = n
	}
	return q, nil
}

// Decode reads a JSON body into v, rejecting malformed JSON, unknown fields and
// trailing data with a 400 that names the problem.
func Decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return BadRequest("malformed JSON body: more than one JSON value; send exactly one object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return BadRequest("malformed JSON body: trailing data after the object")
	}
	return nil
}

// DecodeOptional is Decode for endpoints whose body may be empty.
func DecodeOptional(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	err := Decode(r, v)
	var e *Error
	if errors.As(err, &e) && strings.Contains(e.Msg, "empty body") {
		return nil
	}
	return err
}

func decodeError(err error) error {
	var maxErr *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return newError(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", maxErr.Limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return newError(http.StatusRequestTimeout, "the request body did not arrive in time: send the whole body at once")
	case errors.Is(err, io.EOF):
		return BadRequest("malformed JSON body: empty body; send a JSON object")
	case errors.As(err, &syn):
		return BadRequest("malformed JSON body at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		return BadRequest("malformed JSON body: field %q must be %v, not %s", typ.Field, typ.Type, typ.Value)
	default:
		return BadRequest("malformed JSON body: %v", err)
	}
}

// WriteJSON writes v as the response body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// WriteError writes err with its status as {"error": "..."}.
func WriteError(w http.ResponseWriter, err error) {
	WriteJSON(w, StatusOf(err), ErrorBody{Error: err.Error()})
}
