//go:build windows

package winservice

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

// ErrNotElevated means the Service Control Manager refused the caller: managing services
// needs an elevated administrator.
var ErrNotElevated = errors.New("managing the AddinGov service needs administrator rights: run this from an elevated prompt (Run as administrator)")

// eventSourceKey is where Event Log sources are registered.
const eventSourceKey = `SYSTEM\CurrentControlSet\Services\EventLog\Application`

// connect opens the SCM with the rights installing and controlling services need.
func connect() (*mgr.Mgr, error) {
	m, err := mgr.Connect()
	if err != nil {
		return nil, elevationError("connect to the Service Control Manager", err)
	}
	return m, nil
}

// elevationError turns "access denied" into ErrNotElevated and gives other errors context.
func elevationError(op string, err error) error {
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return fmt.Errorf("%s: %w (%w)", op, ErrNotElevated, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// commandLine is the service's command line as the SCM stores it.
func commandLine(exe string, args []string) string {
	s := syscall.EscapeArg(exe)
	for _, a := range args {
		s += " " + syscall.EscapeArg(a)
	}
	return s
}

// Install creates the service, or brings an existing one back to spec (binary, command
// line, automatic start, LocalSystem, description), then sets its recovery actions and
// registers its Event Log source. created reports whether the service was new.
func Install(s Spec) (created bool, err error) {
	if s.Name == "" || s.Exe == "" {
		return false, errors.New("install: the service needs a name and an executable")
	}
	m, err := connect()
	if err != nil {
		return false, err
	}
	defer m.Disconnect()
	service, err := m.OpenService(s.Name)
	switch {
	case err == nil:
		if err := reconfigure(service, s); err != nil {
			service.Close()
			return false, err
		}
	case errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST):
		service, err = m.CreateService(s.Name, s.Exe, mgr.Config{
			ServiceType:  windows.SERVICE_WIN32_OWN_PROCESS,
			StartType:    mgr.StartAutomatic,
			ErrorControl: mgr.ErrorNormal,
			DisplayName:  s.DisplayName,
			Description:  s.Description,
			// An empty start name is LocalSystem.
		}, s.Args...)
		if err != nil {
			if errors.Is(err, windows.ERROR_SERVICE_MARKED_FOR_DELETE) {
				return false, fmt.Errorf("create service %s: it is being deleted; close the Services console (and anything else holding it open) and try again", s.Name)
			}
			return false, elevationError("create service "+s.Name, err)
		}
		created = true
	default:
		return false, elevationError("open service "+s.Name, err)
	}
	defer service.Close()
	if err := setRecovery(service); err != nil {
		return created, err
	}
	if s.EventSource != "" {
		if err := registerEventSource(s.EventSource); err != nil {
			return created, err
		}
	}
	return created, nil
}

// reconfigure makes an existing service match s. It uses ChangeServiceConfig directly
// rather than mgr's UpdateConfig, which also rewrites the SID type and delayed start:
// settings Wine does not implement and this service does not use.
func reconfigure(service *mgr.Service, s Spec) error {
	bin, err := windows.UTF16PtrFromString(commandLine(s.Exe, s.Args))
	if err != nil {
		return fmt.Errorf("update service %s: %w", s.Name, err)
	}
	display, err := windows.UTF16PtrFromString(s.DisplayName)
	if err != nil {
		return fmt.Errorf("update service %s: %w", s.Name, err)
	}
	localSystem, _ := windows.UTF16PtrFromString("LocalSystem")
	if err := windows.ChangeServiceConfig(service.Handle, windows.SERVICE_WIN32_OWN_PROCESS,
		windows.SERVICE_AUTO_START, windows.SERVICE_ERROR_NORMAL, bin, nil, nil, nil,
		localSystem, nil, display); err != nil {
		return elevationError("update service "+s.Name, err)
	}
	desc, err := windows.UTF16PtrFromString(s.Description)
	if err != nil {
		return fmt.Errorf("update service %s: %w", s.Name, err)
	}
	d := windows.SERVICE_DESCRIPTION{Description: desc}
	if err := windows.ChangeServiceConfig2(service.Handle, windows.SERVICE_CONFIG_DESCRIPTION, (*byte)(unsafe.Pointer(&d))); err != nil {
		return elevationError("set the description of service "+s.Name, err)
	}
	return nil
}

// RecoveryActions is RecoveryDelays as the SCM takes them: restart after each delay.
func RecoveryActions() []mgr.RecoveryAction {
	out := make([]mgr.RecoveryAction, len(RecoveryDelays))
	for i, d := range RecoveryDelays {
		out[i] = mgr.RecoveryAction{Type: mgr.ServiceRestart, Delay: d}
	}
	return out
}

// setRecovery sets the restart actions and applies them also when the service stops
// with an error exit code (the daemon returning an error), not only when it crashes.
func setRecovery(service *mgr.Service) error {
	if err := service.SetRecoveryActions(RecoveryActions(), uint32(RecoveryResetPeriod/time.Second)); err != nil {
		return elevationError("set the recovery actions of service "+service.Name, err)
	}
	// Windows has had this setting (level 4) since Vista; Wine's SCM answers "invalid
	// level" and stores no recovery actions at all, so there is nothing to apply it to.
	if err := service.SetRecoveryActionsOnNonCrashFailures(true); err != nil && !errors.Is(err, windows.ERROR_INVALID_LEVEL) {
		return elevationError("apply recovery actions to error exits of service "+service.Name, err)
	}
	return nil
}

// SetRecovery sets the recovery actions of the installed service name (the MSI, which
// cannot express them, runs `addingovd recovery` after installing the service).
func SetRecovery(name string) error {
	return withService(name, setRecovery)
}

// registerEventSource registers src with EventCreate.exe as its message file, the way
// the MSI does; an existing registration is kept.
func registerEventSource(src string) error {
	// InstallAsEventCreate needs the Application log's key. Windows always has it; under
	// Wine, uninstalling an MSI that wrote the last source in it deletes it.
	app, _, err := registry.CreateKey(registry.LOCAL_MACHINE, eventSourceKey, registry.CREATE_SUB_KEY)
	if err != nil {
		return elevationError("open the Application event log's key", err)
	}
	app.Close()
	err = eventlog.InstallAsEventCreate(src, eventlog.Error|eventlog.Warning|eventlog.Info)
	if err == nil || strings.Contains(err.Error(), "registry key already exists") {
		return nil
	}
	return elevationError("register Event Log source "+src, err)
}

// removeEventSource deletes src's registration; a missing one is fine.
func removeEventSource(src string) error {
	err := eventlog.Remove(src)
	if err == nil || errors.Is(err, registry.ErrNotExist) || errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		return nil
	}
	return elevationError("remove Event Log source "+src, err)
}

// Uninstall stops the service if it runs, deletes it, and removes its Event Log source.
// removed is false when there was no service to remove.
func Uninstall(name, eventSource string, timeout time.Duration) (removed bool, err error) {
	m, err := connect()
	if err != nil {
		return false, err
	}
	defer m.Disconnect()
	service, err := m.OpenService(name)
	switch {
	case err == nil:
		defer service.Close()
		if err := stopService(service, timeout); err != nil {
			return false, err
		}
		if err := service.Delete(); err != nil && !errors.Is(err, windows.ERROR_SERVICE_MARKED_FOR_DELETE) {
			return false, elevationError("delete service "+name, err)
		}
		removed = true
	case !errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST):
		return false, elevationError("open service "+name, err)
	}
	if eventSource != "" {
		if err := removeEventSource(eventSource); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// Start starts the service and waits until it reports Running; a running service is left
// alone.
func Start(name string, timeout time.Duration) error {
	return withService(name, func(service *mgr.Service) error {
		if err := service.Start(); err != nil && !errors.Is(err, windows.ERROR_SERVICE_ALREADY_RUNNING) {
			return elevationError("start service "+name, err)
		}
		st, err := waitFor(service, svc.Running, timeout)
		if err != nil {
			return fmt.Errorf("start service %s: %w", name, err)
		}
		if st.State != svc.Running {
			return fmt.Errorf("service %s did not start: it is %s (exit code %d, service exit code %d); see the Application event log, source %s",
				name, StateName(st.State), st.Win32ExitCode, st.ServiceSpecificExitCode, name)
		}
		return nil
	})
}

// Stop stops the service and waits until it has stopped; a stopped service is left alone.
func Stop(name string, timeout time.Duration) error {
	return withService(name, func(service *mgr.Service) error { return stopService(service, timeout) })
}

// withService connects to the service manager and runs f on the named service.
func withService(name string, f func(*mgr.Service) error) error {
	m, err := connect()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	service, err := m.OpenService(name)
	if err != nil {
		return notInstalled(name, err)
	}
	defer service.Close()
	return f(service)
}

func stopService(service *mgr.Service, timeout time.Duration) error {
	st, err := service.Query()
	if err != nil {
		return elevationError("query service "+service.Name, err)
	}
	if st.State == svc.Stopped {
		return nil
	}
	if st.State != svc.StopPending {
		if _, err := service.Control(svc.Stop); err != nil &&
			!errors.Is(err, windows.ERROR_SERVICE_NOT_ACTIVE) && !errors.Is(err, windows.ERROR_SERVICE_CANNOT_ACCEPT_CTRL) {
			return elevationError("stop service "+service.Name, err)
		}
	}
	st, err = waitFor(service, svc.Stopped, timeout)
	if err != nil {
		return fmt.Errorf("stop service %s: %w", service.Name, err)
	}
	if st.State != svc.Stopped {
		return fmt.Errorf("service %s did not stop within %s: it is %s", service.Name, timeout, StateName(st.State))
	}
	return nil
}

// Query returns the service's current status.
func Query(name string) (st svc.Status, err error) {
	err = withService(name, func(service *mgr.Service) error {
		if st, err = service.Query(); err != nil {
			return elevationError("query service "+name, err)
		}
		return nil
	})
	return st, err
}

// ErrNotInstalled means the named service does not exist.
var ErrNotInstalled = errors.New("the service is not installed: run `addingovd install` from an elevated prompt, or install the AddinGov MSI")

func notInstalled(name string, err error) error {
	if errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST) {
		return fmt.Errorf("service %s: %w", name, ErrNotInstalled)
	}
	return elevationError("open service "+name, err)
}

// waitFor polls until the service reaches want, leaves the pending state that leads to
// it, or timeout passes, and returns the last status seen.
func waitFor(service *mgr.Service, want svc.State, timeout time.Duration) (svc.Status, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	leftStopped := false
	for {
		st, err := service.Query()
		if err != nil {
			return st, elevationError("query service "+service.Name, err)
		}
		if st.State == want {
			return st, nil
		}
		// A service that was starting and is stopped again has failed to start. Right
		// after StartService it may still read Stopped for a moment: give it a few seconds.
		if st.State != svc.Stopped {
			leftStopped = true
		}
		if want == svc.Running && st.State == svc.Stopped && (leftStopped || time.Since(start) > 3*time.Second) {
			return st, nil
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("still %s after %s", StateName(st.State), timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// StateName is a service state as `sc query` prints it.
func StateName(s svc.State) string {
	switch s {
	case svc.Stopped:
		return "STOPPED"
	case svc.StartPending:
		return "START_PENDING"
	case svc.StopPending:
		return "STOP_PENDING"
	case svc.Running:
		return "RUNNING"
	case svc.ContinuePending:
		return "CONTINUE_PENDING"
	case svc.PausePending:
		return "PAUSE_PENDING"
	case svc.Paused:
		return "PAUSED"
	default:
		return fmt.Sprintf("state %d", s)
	}
}
