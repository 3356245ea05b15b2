// Package localapi is addingov's local API: HTTP with JSON over a Unix domain socket
// (Linux) or a named pipe (Windows), with the caller's identity taken from the
// connection itself (SO_PEERCRED, or the pipe's client process and token).
//
// The server maps HTTP requests onto a Backend, which the daemon implements; the Client
// is what the CLI, the user-session agent and hosts use. Every handler caps its body at
// 1 MiB, answers malformed JSON with 400, an unknown add-in with 404 and a wrong method
// with 405, and puts the reason in a JSON body {"error": "..."}.
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
// The catalog package adds the install, permissions, authorization, rule-evaluation
// and grant endpoints (see its documentation).
package localapi
