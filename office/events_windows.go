package office

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The Windows Event Log API (wevtapi.dll), as documented in Microsoft's "Windows Event
// Log Reference": EvtSubscribe (pull subscription with a signal event), EvtNext,
// EvtRender (EvtRenderEventXml), EvtOpenPublisherMetadata and EvtFormatMessage
// (EvtFormatMessageEvent). Under Wine these are stubs, so the source reports
// ErrEventLogUnavailable there; tests feed event text through Monitor.Event instead.
var (
	wevtapi               = windows.NewLazySystemDLL("wevtapi.dll")
	procEvtSubscribe      = wevtapi.NewProc("EvtSubscribe")
	procEvtNext           = wevtapi.NewProc("EvtNext")
	procEvtRender         = wevtapi.NewProc("EvtRender")
	procEvtClose          = wevtapi.NewProc("EvtClose")
	procEvtOpenPublisher  = wevtapi.NewProc("EvtOpenPublisherMetadata")
	procEvtFormatMessage  = wevtapi.NewProc("EvtFormatMessage")
	errNoMoreItems        = syscall.Errno(259) // ERROR_NO_MORE_ITEMS
	errInsufficientBuffer = syscall.Errno(122) // ERROR_INSUFFICIENT_BUFFER
)

const (
	evtSubscribeStartAtOldestRecord = 2
	evtRenderEventXML               = 1
	evtFormatMessageEvent           = 1
	eventQuery                      = "*[System[(Provider[@Name='Outlook'] and EventID=45) or (Provider[@Name='Application Error'] and EventID=1000)]]"
)

// WindowsEvents reads the Application log with the Event Log API.
type WindowsEvents struct{}

var _ EventSource = WindowsEvents{}

// Run implements EventSource.
func (WindowsEvents) Run(ctx context.Context, deliver func(Event)) error {
	if err := procEvtSubscribe.Find(); err != nil {
		return fmt.Errorf("%w: %v", ErrEventLogUnavailable, err)
	}
	signal, err := windows.CreateEvent(nil, 0, 0, nil)
	if err != nil {
		return fmt.Errorf("follow the Application log: %w", err)
	}
	defer windows.CloseHandle(signal)
	channel, _ := windows.UTF16PtrFromString("Application")
	query, _ := windows.UTF16PtrFromString(eventQuery)
	sub, _, callErr := procEvtSubscribe.Call(0, uintptr(signal), uintptr(unsafe.Pointer(channel)),
		uintptr(unsafe.Pointer(query)), 0, 0, 0, evtSubscribeStartAtOldestRecord)
	if sub == 0 {
		return fmt.Errorf("%w: EvtSubscribe: %v", ErrEventLogUnavailable, callErr)
	}
	defer procEvtClose.Call(sub)
	live := false
	handles := make([]uintptr, 16)
	for {
		var n uint32
		r, _, callErr := procEvtNext.Call(sub, uintptr(len(handles)), uintptr(unsafe.Pointer(&handles[0])), 0, 0, uintptr(unsafe.Pointer(&n)))
		if r == 0 {
			if !errors.Is(callErr, errNoMoreItems) {
				return fmt.Errorf("read the Application log: EvtNext: %v", callErr)
			}
			live = true
			for {
				w, err := windows.WaitForSingleObject(signal, 1000)
				if err != nil {
					return fmt.Errorf("follow the Application log: %w", err)
				}
				if ctx.Err() != nil {
					return nil
				}
				if w == windows.WAIT_OBJECT_0 {
					break
				}
			}
			continue
		}
		for _, h := range handles[:n] {
			if e, err := renderEvent(h); err == nil {
				e.Live = live
				deliver(e)
			}
			procEvtClose.Call(h)
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

type eventXML struct {
	System struct {
		Provider struct {
			Name string `xml:"Name,attr"`
		} `xml:"Provider"`
		EventID     uint32 `xml:"EventID"`
		RecordID    uint64 `xml:"EventRecordID"`
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		} `xml:"TimeCreated"`
		Security struct {
			UserID string `xml:"UserID,attr"`
		} `xml:"Security"`
	} `xml:"System"`
	Data []string `xml:"EventData>Data"`
}

func renderEvent(h uintptr) (Event, error) {
	text, err := render(h)
	if err != nil {
		return Event{}, err
	}
	var x eventXML
	if err := xml.Unmarshal([]byte(text), &x); err != nil {
		return Event{}, err
	}
	t, _ := time.Parse(time.RFC3339Nano, x.System.TimeCreated.SystemTime)
	e := Event{Provider: x.System.Provider.Name, ID: x.System.EventID, RecordID: x.System.RecordID, Time: t, User: x.System.Security.UserID}
	if msg, err := formatMessage(e.Provider, h); err == nil && msg != "" {
		e.Text = msg
	} else {
		e.Text = strings.Join(x.Data, "\n")
	}
	return e, nil
}

func render(h uintptr) (string, error) {
	var used, props uint32
	procEvtRender.Call(0, h, evtRenderEventXML, 0, 0, uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&props)))
	if used == 0 {
		return "", errors.New("EvtRender returned nothing")
	}
	buf := make([]uint16, used/2+1)
	r, _, err := procEvtRender.Call(0, h, evtRenderEventXML, uintptr(len(buf)*2), uintptr(unsafe.Pointer(&buf[0])),
		uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&props)))
	if r == 0 {
		return "", err
	}
	return windows.UTF16ToString(buf), nil
}

func formatMessage(provider string, h uintptr) (string, error) {
	p, _ := windows.UTF16PtrFromString(provider)
	pm, _, err := procEvtOpenPublisher.Call(0, uintptr(unsafe.Pointer(p)), 0, 0, 0)
	if pm == 0 {
		return "", err
	}
	defer procEvtClose.Call(pm)
	var used uint32
	r, _, err := procEvtFormatMessage.Call(pm, h, 0, 0, 0, evtFormatMessageEvent, 0, 0, uintptr(unsafe.Pointer(&used)))
	if r == 0 && !errors.Is(err, errInsufficientBuffer) {
		return "", err
	}
	buf := make([]uint16, used+1)
	r, _, err = procEvtFormatMessage.Call(pm, h, 0, 0, 0, evtFormatMessageEvent, uintptr(len(buf)), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&used)))
	if r == 0 {
		return "", err
	}
	return windows.UTF16ToString(buf), nil
}
