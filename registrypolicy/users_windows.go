package registrypolicy

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"unsafe"

	"github.com/rs/zerolog"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// SessionUsers is the Windows UserSource: the users with an interactive session
// (WTSEnumerateSessions, then WTSQueryUserToken and the token's user SID) and every
// profile loaded under HKEY_USERS (subkeys named S-1-5-21-… or S-1-12-1-…, not the
// <SID>_Classes hives). Sessions need the service's LocalSystem rights; without them
// (a foreground daemon, Wine) the loaded profiles are the whole list.
type SessionUsers struct {
	log zerolog.Logger

	mu       sync.Mutex
	sessions map[string]uint32 // user SID → one of the user's sessions (for the user policy lock)
	warned   bool              // the sessions' failure was logged
}

var _ UserSource = (*SessionUsers)(nil)

// NewSessionUsers returns the live Windows user list.
func NewSessionUsers(log zerolog.Logger) *SessionUsers {
	return &SessionUsers{log: log, sessions: map[string]uint32{}}
}

// Users implements UserSource: session users and loaded profiles whose hive is
// loaded, sorted.
func (u *SessionUsers) Users() ([]string, error) {
	sessions, sessErr := sessionSIDs()
	u.mu.Lock()
	if sessErr == nil {
		u.sessions = sessions
		u.warned = false
	} else if !u.warned {
		u.warned = true
		u.log.Debug().Err(sessErr).Msg("cannot list the users' sessions (this needs LocalSystem); reading every loaded profile instead")
	}
	u.mu.Unlock()

	seen := map[string]bool{}
	var out []string
	for sid := range sessions {
		if !u.Loaded(sid) {
			u.log.Debug().Str("user", sid).Msg("a session's user has no loaded profile; machine policy applies to that user")
			continue
		}
		seen[sid] = true
		out = append(out, sid)
	}
	profiles, err := loadedProfiles()
	if err != nil {
		return nil, err
	}
	for _, sid := range profiles {
		if !seen[sid] {
			seen[sid] = true
			out = append(out, sid)
		}
	}
	sort.Strings(out)
	return out, nil
}

// WatchUsers are the users whose keys the notifier watches: those with a session when
// sessions can be listed, so that a watch never holds a logged-off user's hive open
// (the profile service then has to wait for it to unload); every loaded profile
// otherwise (also when no session has a user: Wine lists sessions without users).
// Polling covers loaded profiles without a session.
func (u *SessionUsers) WatchUsers() []string {
	if sessions, err := sessionSIDs(); err == nil && len(sessions) > 0 {
		var out []string
		for sid := range sessions {
			if u.Loaded(sid) {
				out = append(out, sid)
			}
		}
		sort.Strings(out)
		return out
	}
	users, err := loadedProfiles()
	if err != nil {
		u.log.Debug().Err(err).Msg("cannot list the loaded profiles to watch")
	}
	return users
}

// Loaded implements UserSource.
func (u *SessionUsers) Loaded(sid string) bool {
	k, err := registry.OpenKey(registry.USERS, UserKey(sid), registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	k.Close()
	return true
}

// sessionSIDs maps the SID of each user with an active or disconnected session to one
// of the user's session ids. Microsoft, "WTSQueryUserToken function": the caller must
// run as LocalSystem with SE_TCB_NAME, so elsewhere this fails.
func sessionSIDs() (map[string]uint32, error) {
	var info *windows.WTS_SESSION_INFO
	var count uint32
	if err := windows.WTSEnumerateSessions(0, 0, 1, &info, &count); err != nil {
		return nil, fmt.Errorf("WTSEnumerateSessions: %w", err)
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(info)))
	out := map[string]uint32{}
	var firstErr error
	for _, s := range unsafe.Slice(info, count) {
		if s.State != windows.WTSActive && s.State != windows.WTSDisconnected {
			continue
		}
		sid, err := sessionUser(s.SessionID)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if _, dup := out[sid]; !dup {
			out[sid] = s.SessionID
		}
	}
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func sessionUser(session uint32) (string, error) {
	var tok windows.Token
	if err := windows.WTSQueryUserToken(session, &tok); err != nil {
		return "", fmt.Errorf("WTSQueryUserToken(session %d): %w", session, err)
	}
	defer tok.Close()
	tu, err := tok.GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("session %d's token user: %w", session, err)
	}
	return UserKey(tu.User.Sid.String()), nil
}

// loadedProfiles lists the user hives loaded under HKEY_USERS.
func loadedProfiles() ([]string, error) {
	k, err := registry.OpenKey(registry.USERS, "", registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return nil, fmt.Errorf("open HKEY_USERS: %w", err)
	}
	defer k.Close()
	names, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil, fmt.Errorf("list HKEY_USERS: %w", err)
	}
	var out []string
	for _, n := range names {
		if IsUserSID(n) {
			out = append(out, UserKey(n))
		}
	}
	sort.Strings(out)
	return out, nil
}

var (
	userenv                    = windows.NewLazySystemDLL("userenv.dll")
	procEnterCriticalPolicy    = userenv.NewProc("EnterCriticalPolicySection")
	procLeaveCriticalPolicy    = userenv.NewProc("LeaveCriticalPolicySection")
	advapi32                   = windows.NewLazySystemDLL("advapi32.dll")
	procImpersonateLoggedOnUse = advapi32.NewProc("ImpersonateLoggedOnUser")
)

// ReadLocked implements UserSource with Group Policy's read locks. Microsoft,
// "EnterCriticalPolicySection function": it pauses the application of computer
// (bMachine TRUE) or user (FALSE) policy so that several values can be read safely; a
// lock is released after 10 minutes at most. The user lock is the impersonated user's,
// so it needs the user's session token; a profile without a session is read unlocked.
// A lock that cannot be taken is logged and the read goes ahead without it.
func (u *SessionUsers) ReadLocked(user string, read func()) {
	var unlock func()
	var err error
	if user == "" {
		unlock, err = enterPolicySection(true)
	} else {
		u.mu.Lock()
		session, ok := u.sessions[UserKey(user)]
		u.mu.Unlock()
		if ok {
			unlock, err = enterUserPolicySection(session)
		}
	}
	if err != nil {
		u.log.Debug().Err(err).Str("user", user).Msg("reading policy without Group Policy's read lock")
	}
	if unlock != nil {
		defer unlock()
	}
	read()
}

func enterPolicySection(machine bool) (func(), error) {
	if err := procEnterCriticalPolicy.Find(); err != nil {
		return nil, err
	}
	var arg uintptr
	if machine {
		arg = 1
	}
	h, _, err := procEnterCriticalPolicy.Call(arg)
	if h == 0 {
		return nil, fmt.Errorf("EnterCriticalPolicySection: %w", err)
	}
	return func() { procLeaveCriticalPolicy.Call(h) }, nil
}

// enterUserPolicySection takes the user policy lock of the user of session while
// impersonating that user, as the lock belongs to the calling thread's user. The
// impersonation happens on a thread of its own: should RevertToSelf fail, that thread
// stays locked to its goroutine and ends with it, so nothing else runs as the user.
func enterUserPolicySection(session uint32) (func(), error) {
	var tok windows.Token
	if err := windows.WTSQueryUserToken(session, &tok); err != nil {
		return nil, fmt.Errorf("WTSQueryUserToken(session %d): %w", session, err)
	}
	defer tok.Close()
	type result struct {
		unlock func()
		err    error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		if r, _, err := procImpersonateLoggedOnUse.Call(uintptr(tok)); r == 0 {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("ImpersonateLoggedOnUser: %w", err)}
			return
		}
		unlock, err := enterPolicySection(false)
		if rerr := windows.RevertToSelf(); rerr != nil {
			done <- result{unlock, errors.Join(err, fmt.Errorf("RevertToSelf: %w", rerr))}
			return // the thread is still locked: it exits with this goroutine
		}
		runtime.UnlockOSThread()
		done <- result{unlock, err}
	}()
	r := <-done
	return r.unlock, r.err
}
