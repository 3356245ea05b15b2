// Package registrypolicy turns Group Policy registry values into addingov's effective
// policy, with the origin of every value and the error of every value it had to ignore.
//
// One definition table (Settings) names each setting once: canonical name, type, unit,
// range, default, scope and its registry locations in precedence order. Reading,
// validation, the effective-policy view (Effective, JSON), the ADMX/ADML templates in
// packaging/admx and the README's settings table (MarkdownTable) all derive from it.
//
// Precedence, highest first: our machine key HKLM\SOFTWARE\Policies\AddinGov, our user
// key HKCU\SOFTWARE\Policies\AddinGov, Microsoft's Outlook web-extension policy keys
// (Office 16.0, then 15.0), Microsoft's preference key for the two activation values,
// and the built-in default. A value of the wrong type, out of range or unparsable is
// ignored with its error kept, and the next source applies: nothing invalid reaches
// governance.
//
// The Windows registry provider reads user policy per user: every HKCU location is read
// from each signed-in user's (and each loaded profile's) hive under HKEY_USERS\<SID>,
// below machine policy, never from the service's own HKCU (SYSTEM's). Provider.For gives
// a user's effective policy; Effective is the machine view. See users.go.
//
// Sources sit behind the Store interface: the Windows registry (Windows only), a .reg
// file as regedit writes it (ParseRegFile, LoadRegFile; any platform) and an in-memory
// store for tests (MemoryStore). A Provider holds the current effective policy and
// reloads it when a Notifier reports a change: fsnotify on a .reg file's directory, or
// RegNotifyChangeKeyValue on the policy keys on Windows.
package registrypolicy

//go:generate go run ./internal/admxgen -out ../packaging/admx
