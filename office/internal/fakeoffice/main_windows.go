// fakeoffice stands in for Microsoft Office in addingov's Windows end-to-end test
// (scripts/office-wine-test.sh): Office itself cannot run under Wine in CI. It does
// what Office does that addingov watches, against the real registry:
//
//	fakeoffice install DIR            register the office corpus at DIR (reg import / reg add)
//	fakeoffice clear                  remove what install and addingov wrote
//	fakeoffice start FILE PROGID=MS…  "start Outlook": append one event-45 text (Outlook's
//	                                  layout) with each add-in's boot time to FILE, the
//	                                  JSON Lines event file addingovd --office-events follows
//	fakeoffice load-error APP PROGID  "fail to load": turn the user's LoadBehavior 3 into 2
//	                                  (9 into 8), as Office does after a load error
//
// It is a test program, not part of addingov.

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"addingov/office"
	"addingov/office/officetest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fakeoffice:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: fakeoffice install DIR | clear | start FILE PROGID=MS... | load-error APP PROGID")
	}
	switch args[0] {
	case "install":
		if len(args) != 2 {
			return fmt.Errorf("usage: fakeoffice install DIR")
		}
		return officetest.ImportIntoRegistry(args[1])
	case "clear":
		officetest.ClearRegistry()
		return nil
	case "start":
		if len(args) < 3 {
			return fmt.Errorf("usage: fakeoffice start FILE PROGID=MS...")
		}
		return start(args[1], args[2:])
	case "load-error":
		if len(args) != 3 {
			return fmt.Errorf("usage: fakeoffice load-error APP PROGID")
		}
		return loadError(args[1], args[2])
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// start appends one Outlook start's event 45, in the layout of Microsoft support's
// example ("Outlook application event log entries for add-in load time").
func start(file string, addins []string) error {
	var b strings.Builder
	b.WriteString("Outlook loaded the following add-in(s):\r\n")
	for _, a := range addins {
		prog, ms, ok := strings.Cut(a, "=")
		n, err := strconv.Atoi(ms)
		if !ok || err != nil {
			return fmt.Errorf("%q: give PROGID=MILLISECONDS", a)
		}
		fmt.Fprintf(&b, "\r\nName: %s\r\nDescription: %s\r\nProgID: %s\r\nGUID: {00000000-0000-0000-0000-000000000000}\r\nLoad Behavior: 3\r\nHKLM: 0\r\nLocation: C:\\Addins\\%s.dll\r\nBoot Time (Milliseconds): %d\r\n",
			prog, prog, prog, prog, n)
	}
	line, err := json.Marshal(office.Event{Provider: office.ProviderOutlook, ID: office.EventAddinLoadTime, Time: time.Now().UTC(), Text: b.String()})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func loadError(app, progID string) error {
	reg := office.WindowsRegistry{}
	inv := office.Reader{Reg: reg}.Read(nil)
	a, ok := inv.Find(office.AddinID(office.CurrentUser, app, progID))
	if !ok || a.LoadBehavior == nil {
		return fmt.Errorf("%s add-in %s is not registered", app, progID)
	}
	off := map[office.LoadBehavior]office.LoadBehavior{3: 2, 9: 8}[*a.LoadBehavior]
	if off == 0 {
		return fmt.Errorf("LoadBehavior %d is not one Office turns off after a load error", *a.LoadBehavior)
	}
	return reg.SetDWORD(office.UserAddinKey(office.CurrentUser, app)+`\`+progID, "LoadBehavior", uint32(off))
}
