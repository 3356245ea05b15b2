// Package office governs the add-ins Microsoft Office itself runs on a Windows desktop:
// the COM and VSTO add-ins of Outlook, Word, Excel and PowerPoint, and the web add-ins
// a user has sideloaded. Office never calls addingov's local API, so this package works
// from Office's own records and switches:
//
//   - Inventory reads the registrations Office loads add-ins from
//     (Software\Microsoft\Office\<App>\Addins\<ProgID> in each user's hive and the
//     machine's, the 32-bit view and the Click-to-Run hive), resolves a COM add-in's DLL
//     through its ProgID, CLSID and InprocServer32, and lists the sideloaded web add-ins
//     (Software\Microsoft\Office\16.0\WEF\Developer).
//   - Observations come from what Office records: the load times of Outlook's
//     Application-log event 45 (judged by Outlook's own rule: the median of the last 5
//     starts above the threshold), LoadBehavior turned from 3 to 2 (9 to 8) by Office
//     after a load error, Resiliency\CrashingAddinList entries, and Application Error
//     1000 events whose faulting module is an add-in's DLL.
//   - Enforcement uses Office's own switch: a user's HKCU LoadBehavior, which overrides
//     the machine's for that user. The previous value is kept so that enabling the
//     add-in restores it exactly.
//
// What cannot be observed from outside Office, and so is not governed here:
//   - an in-process COM or VSTO add-in's own CPU and memory: it runs inside the host's
//     process and shares its figures;
//   - which WebView2 (msedgewebview2.exe) process serves which web add-in: the
//     user-data folder is shared across add-ins and hosts, so per-add-in CPU and memory
//     of web add-ins need the host's own report through the local API;
//   - the binary AddInLoadTimes and AddinEventTimes values Office keeps under
//     HKCU\...\16.0\<App>: they have no public decoding and are not read.
//
// The registry and the event log sit behind small interfaces (Registry, EventSource),
// so the logic is tested on any platform; the real implementations are in the
// _windows.go files. A LocalSystem service's HKCU is SYSTEM's own, so every per-user
// location is read from a UserHive: HKEY_USERS\<SID>, or HKCU for the current user.
package office
