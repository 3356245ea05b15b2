// Command fakeoffice stands in for Microsoft Office in addingov's Windows end-to-end
// test; see main_windows.go. It does nothing elsewhere.
package main
