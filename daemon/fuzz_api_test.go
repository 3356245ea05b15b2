//go:build !windows

package daemon_test

import (
	"context"
	"net/http"
	"os"
	"testing"

	"addingov/daemon/daemontest"
	"addingov/internal/apitest"
	"addingov/localapi"
)

// FuzzAPI drives the real daemon's whole local API (its own routes and the catalog's)
// in-process with arbitrary methods, paths and bodies, as an administrator, an ordinary
// user or an unidentified caller: no answer may be a redirect, a 5xx or a panic.
func FuzzAPI(f *testing.F) {
	d := daemontest.Start(f, daemontest.Options{})
	if _, err := d.Client.StartActivation(context.Background(), localapi.ActivationRequest{AddinID: "contoso-crm", PID: int32(os.Getpid())}); err != nil {
		f.Fatal(err)
	}
	for _, doc := range []string{"../localapi/doc.go", "../catalog/doc.go"} {
		eps, err := apitest.Endpoints(doc)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range eps {
			for caller := uint8(0); caller < 3; caller++ {
				f.Add(caller, e.Method, e.Example("contoso-crm"), `{}`)
			}
			f.Add(uint8(1), e.Method, e.Example("x")+"?addin=contoso-crm&after=1&limit=2&cursor=00", `{"addin_id":"contoso-crm"}`)
		}
	}
	for _, s := range apitest.HostileSeeds {
		f.Add(uint8(0), s.Method, s.Path, s.Body)
	}
	callers := []localapi.Caller{
		{PID: 1, UID: "0", User: "root", Admin: true, Known: true},
		{PID: 2, UID: "65534", User: "nobody", Known: true},
		{},
	}
	api := d.APIHandler()
	f.Fuzz(func(t *testing.T, who uint8, method, path, body string) {
		caller := callers[int(who)%len(callers)]
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			api.ServeHTTP(w, r.WithContext(localapi.WithCaller(r.Context(), caller)))
		})
		apitest.CheckAnswer(t, h, method, path, body)
	})
}
