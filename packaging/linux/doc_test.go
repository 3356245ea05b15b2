// Package linux holds the Linux packaging files (the systemd unit, the XDG autostart
// entry of the agent, the sysusers.d group) and the tests that check them. It has no
// Go code of its own.
package linux
