// Package notify brings the daemon's notices (an add-in was turned off, and why) to the
// user's desktop: it is the engine of `addingov agent`, the per-user process started at
// logon.
//
// The Agent follows the daemon's notice stream and hands each notice to a Notifier: a
// freedesktop notification over the D-Bus session bus on Linux, a session message on
// Windows, or text on the terminal when there is no desktop. It delivers each notice once
// per user, also across restarts of the agent and of the daemon: after a notice is shown
// the agent records its sequence number in a small per-user state file and acknowledges
// it to the daemon (POST /v1/notices/ack). On start it resumes after the larger of the
// two records (GET /v1/notices/ack when the daemon has it, and the file), so losing
// either one does not redeliver.
//
// Only one agent runs per user: a second one exits with an error naming the first, so
// two logon sessions of one user do not each show every notice.
//
// The state file is JSON, keyed by the daemon's address so that one user talking to two
// daemons (their own test daemon and the system's) keeps two positions:
//
//	{"version":1,"seqs":{"/run/addingov/addingovd.sock":42}}
package notify
