// Package localapi is addingov's local API: HTTP with JSON over a Unix domain socket
// (Linux) or a named pipe (Windows), with the caller's identity taken from the
// connection itself (SO_PEERCRED, or the pipe's client process and token).
//
// The server maps HTTP requests onto a Backend, which the daemon implements; the Client
// is what the CLI, the user-session agent and hosts use. Every handler caps its body at
// 1 MiB, and every answer other than 2xx carries its reason in a JSON body
// {"error": "..."}. Statuses are chosen in one place (StatusOf): 400 for the caller's
// mistakes (malformed JSON, bad query values, a log cursor no page handed out, a path
// with empty, "." or ".." segments: the API never cleans or redirects a path), 403
// refused, 404 unknown add-in, activation or endpoint, 405 wrong method (with Allow),
// 408 a body that did not arrive within Limits.BodyTimeout, 409 a state conflict, 413 a
// body over 1 MiB, 505 anything but HTTP/1.x (an HTTP/2 preface), and 500 only for
// internal failures.
//
// Connections are bounded in time (header, body, write and idle timeouts) and in
// number, per user at accept from the peer's identity: see Limits. A connection beyond
// a user's allowance is answered 429, one beyond the ordinary users' total 503; a reserve
// beyond that total admits only administrators, and the limits shrink to fit the
// process's descriptor limit (RLIMIT_NOFILE).
//
// On Unix, Listen takes PATH.lock beside the socket for as long as it serves, and
// replaces only a stale socket (connect says ECONNREFUSED): never a live one (connect
// succeeds or says EAGAIN), and never anything that is not a socket. Dial reports
// EACCES/EPERM (ERROR_ACCESS_DENIED on the pipe) as an AccessDeniedError, not as an
// UnreachableError.
//
// Endpoints (all under /v1):
//
//	GET  /v1/status                      daemon status
//	GET  /v1/addins                      add-ins visible to the caller
//	GET  /v1/addins/{id}                 one add-in
//	POST /v1/addins/{id}/enable          {"everyone":bool}
//	POST /v1/addins/{id}/disable         {"everyone":bool,"reason":string}
//	POST /v1/activations                 host: {"addin_id","pid","name"} → activation id, may_activate
//	POST /v1/activations/{id}/ready      host: the add-in is ready
//	POST /v1/activations/{id}/fail       host: {"reason"}
//	POST /v1/activations/{id}/end        host: the add-in was closed normally
//	GET  /v1/log?since&until&addin&reason&action&limit&cursor
//	GET  /v1/notices?after=N&limit=N     notices after a sequence number
//	GET  /v1/notices/stream?after=N      the same, then new ones as they come (JSON Lines)
//	POST /v1/notices/ack                 {"seq":N}: the caller has seen up to N
//	GET  /v1/notices/ack                 {"seq":N}: what the caller acknowledged last
//	GET  /v1/policy                      the effective policy with origins
//
// The daemon adds (package daemon):
//
//	GET  /v1/addins/{id}/details         history, activations and recent disables of one add-in
//	GET  /v1/diagnostics/log             administrators: the daemon's recent log lines
//	GET  /v1/diagnostics/commits         administrators: group commits and the writes they held
//
// The catalog package adds the install, permissions, authorization, rule-evaluation
// and grant endpoints (see its documentation).
package localapi
