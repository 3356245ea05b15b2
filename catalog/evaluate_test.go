package catalog

import (
	"net/http"
	"strings"
	"testing"

	"addingov/governance"
	"addingov/localapi"
)

func TestEvaluate(t *testing.T) {
	tc := newTestCatalog(t, nil)
	rules := `<Rule xsi:type="ItemIs" ItemType="Message" FormType="Read"/>` + regexRule
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("m1", "ReadItem", rules, httpsURL), Consent: true})
	tc.mustInstall(t, alice, InstallRequest{Manifest: docManifest("d1", "ReadDocument"), Consent: true})

	tests := []struct {
		name        string
		req         EvaluateRequest
		activates   bool
		wantMatches int
	}{
		{"order number in the body", EvaluateRequest{AddinID: "m1", Item: Item{Type: "message", FormType: "Edit", BodyText: "see ORD-12345 and ORD-67890"}}, true, 2},
		{"read form matches", EvaluateRequest{AddinID: "m1", Item: Item{Type: "message", FormType: "Read"}}, true, 0},
		{"no match", EvaluateRequest{AddinID: "m1", Item: Item{Type: "appointment", BodyText: "nothing here"}}, false, 0},
		{"IRM item under the default policy", EvaluateRequest{AddinID: "m1", Item: Item{Type: "message", FormType: "Read", IRMProtected: true}}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := tc.do(t, alice, http.MethodPost, "/v1/evaluate", tt.req)
			if status != http.StatusOK {
				t.Fatalf("status %d %s", status, body)
			}
			got := decode[EvaluateResponse](t, body)
			if got.Activates != tt.activates || len(got.Matches["order"]) != tt.wantMatches || got.Reason == "" || got.DurationMs < 0 {
				t.Errorf("got %+v, want activates %v with %d match(es)", got, tt.activates, tt.wantMatches)
			}
		})
	}
	if n := len(tc.gov.observed["m1"]); n != len(tests) {
		t.Errorf("governance observed %d evaluations, want %d", n, len(tests))
	}

	t.Run("AllowActivationOnIRMItems lets IRM items activate", func(t *testing.T) {
		tc.pol = regPolicy(t, `"AllowActivationOnIRMItems"=dword:00000001`)
		defer func() { tc.pol = nil }()
		_, body := tc.do(t, alice, http.MethodPost, "/v1/evaluate", EvaluateRequest{AddinID: "m1", Item: Item{Type: "message", FormType: "Read", IRMProtected: true}})
		if got := decode[EvaluateResponse](t, body); !got.Activates {
			t.Errorf("IRM item did not activate under the policy: %+v", got)
		}
	})
	t.Run("a disabled add-in does not activate", func(t *testing.T) {
		tc.gov.set("m1", governance.StateDisabled)
		defer tc.gov.set("m1", governance.StateEnabled)
		before := len(tc.gov.observed["m1"])
		_, body := tc.do(t, alice, http.MethodPost, "/v1/evaluate", EvaluateRequest{AddinID: "m1", Item: Item{Type: "message", FormType: "Read"}})
		if got := decode[EvaluateResponse](t, body); got.Activates || !strings.Contains(got.Reason, "disabled") {
			t.Errorf("got %+v", got)
		}
		if len(tc.gov.observed["m1"]) != before {
			t.Error("a skipped evaluation was counted toward slow activation")
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			body   any
			status int
		}{
			{"document add-in", EvaluateRequest{AddinID: "d1", Item: Item{Type: "message"}}, http.StatusConflict},
			{"unknown add-in", EvaluateRequest{AddinID: "zz", Item: Item{Type: "message"}}, http.StatusNotFound},
			{"bad item type", EvaluateRequest{AddinID: "m1", Item: Item{Type: "fax"}}, http.StatusBadRequest},
			{"malformed", []byte(`[]`), http.StatusBadRequest},
		} {
			if status, body := tc.do(t, alice, http.MethodPost, "/v1/evaluate", tt.body); status != tt.status {
				t.Errorf("%s: status %d (%s), want %d", tt.name, status, body, tt.status)
			}
		}
	})
}

// Only the add-in's own user (or an administrator) feeds evaluation time to governance:
// another user must not be able to slow-start someone's add-in into a disable.
func TestEvaluationTimeCountsOnlyForTheOwner(t *testing.T) {
	tc := newTestCatalog(t, nil)
	tc.mustInstall(t, root, InstallRequest{Manifest: mailManifest("shared", "ReadItem", regexRule, httpsURL), Scope: ScopeMachine, Consent: true})
	tc.mustInstall(t, alice, InstallRequest{Manifest: mailManifest("mine", "ReadItem", regexRule, httpsURL), Consent: true})
	tests := []struct {
		name   string
		caller localapi.Caller
		id     string
		counts bool
	}{
		{"owner", alice, "mine", true},
		{"administrator", root, "shared", true},
		{"a user on a machine-wide add-in", bob, "shared", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(tc.gov.observed[tt.id])
			status, body := tc.do(t, tt.caller, http.MethodPost, "/v1/evaluate", EvaluateRequest{AddinID: tt.id, Item: Item{Type: "message", BodyText: "ORD-12345"}})
			if status != http.StatusOK {
				t.Fatalf("status %d %s", status, body)
			}
			if counted := len(tc.gov.observed[tt.id]) > before; counted != tt.counts {
				t.Fatalf("evaluation time counted = %v, want %v", counted, tt.counts)
			}
		})
	}
}
