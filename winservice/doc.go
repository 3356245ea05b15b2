// Package winservice runs addingovd as the Windows service AddinGov and manages that
// service through the Service Control Manager: install (automatic start, LocalSystem,
// restart-on-failure recovery actions, the Event Log source), uninstall, start, stop and
// query, each idempotent, with a clear error when the caller is not elevated.
//
// Run hosts the daemon under the SCM: it reports StartPending, then Running once the
// daemon's API listens, StopPending on stop or shutdown, and Stopped when the daemon has
// returned, and it logs session changes. The service's command line always carries
// ServiceArg ("addingovd.exe service"): Wine's SCM runs services in session 1, where
// svc.IsWindowsService reports false, so the binary cannot tell it was started as a
// service by looking, only by being told.
//
// The shared definitions (names, recovery actions) build on every platform so that a test
// on Linux can check that the MSI source in packaging/windows says the same thing.
package winservice
