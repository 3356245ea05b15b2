package daemon

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shirou/gopsutil/v4/process"

	"addingov/addinid"
	"addingov/governance"
	"addingov/localapi"
	"addingov/storage"
)

// Who may do what on the local API. The caller's identity comes from the transport
// (SO_PEERCRED, or the pipe's client token), never from the request.
//
//	action                                          who
//	read an add-in, its log entries                 its owner, anyone for machine-wide ones, administrators
//	enable/disable a user add-in                    its owner, administrators
//	enable/disable a machine add-in for oneself     any identified user (their per-user record)
//	disable for everyone / change a machine add-in  administrators
//	enable an add-in blocked by policy              administrators
//	report activations                              a host, for processes of its own user
//	report an activation's ready/fail/end           the user whose host started it, administrators

// authorizeStateChange decides whether caller may enable or disable a.
func authorizeStateChange(c localapi.Caller, a storage.Addin, enable, everyone bool, effective governance.State, why string) error {
	if c.Admin {
		return nil
	}
	if enable && effective == governance.StateBlocked {
		return localapi.Forbidden("%s is blocked by policy (%s): only an administrator can enable it", a.ID, why)
	}
	if everyone || a.Scope == "machine" {
		verb := "disable"
		if enable {
			verb = "enable"
		}
		return localapi.Forbidden("to %s %s for every user of this machine you need to be an administrator (root)", verb, a.ID)
	}
	if !c.Known || (a.Owner != "" && a.Owner != c.UID) {
		return localapi.Forbidden("%s belongs to another user: you can enable or disable only your own add-ins", a.ID)
	}
	return nil
}

// authorizeHostProcess checks that pid runs as the calling host's user.
func authorizeHostProcess(c localapi.Caller, pid int32) error {
	if c.Admin {
		return nil
	}
	if !c.Known {
		return localapi.Forbidden("the daemon could not identify you, so it cannot check that process %d is yours", pid)
	}
	owner, err := processOwner(pid)
	if err != nil {
		return localapi.BadRequest("process %d: %v (report the add-in's own process id)", pid, err)
	}
	if owner != c.UID {
		return localapi.Forbidden("process %d belongs to another user (uid %s): a host may report activations only for its own processes", pid, owner)
	}
	return nil
}

// processOwner returns the uid (SID on Windows) a process runs as.
func processOwner(pid int32) (string, error) {
	p, err := process.NewProcess(pid)
	if err != nil {
		return "", err
	}
	return ownerOf(p)
}

// maxIDBytes is the longest add-in id the daemon looks up (storage's limit).
const maxIDBytes = 1024

// checkNewAddinID refuses, as a 400 naming the character, an id a caller asks the
// daemon to record (addinid's alphabet: GUIDs, ProgIDs, short names).
func checkNewAddinID(id string) error {
	if err := addinid.Check(id); err != nil {
		return localapi.BadRequest("%v", err)
	}
	return nil
}

// checkAddinID refuses ids the database would refuse, as a 400 rather than a 500. It
// is for looking up records, which may include per-user records ("ID@uid:UID") and
// records stored before ids were checked; new ids go through checkNewAddinID.
func checkAddinID(id string) error {
	switch {
	case id == "":
		return localapi.BadRequest("the add-in id is empty")
	case len(id) > maxIDBytes:
		return localapi.BadRequest("the add-in id is %d bytes; the limit is %d", len(id), maxIDBytes)
	}
	return nil
}

// maxNameRunes bounds a host-reported add-in name.
const maxNameRunes = 128

// cleanName makes a host-reported name safe to show: no control characters (terminal
// escapes), at most maxNameRunes runes.
func cleanName(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			continue
		}
		if n == maxNameRunes {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}
