package catalog

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"addingov/governance"
	"addingov/localapi"
	"addingov/manifest"
)

func (c *Catalog) serveEvaluate(r *http.Request) (any, error) {
	var req EvaluateRequest
	if err := localapi.Decode(r, &req); err != nil {
		return nil, err
	}
	return c.Evaluate(localapi.CallerFrom(r.Context()), req)
}

// Evaluate runs an installed mail add-in's activation rules against an item, with
// IRM-protected items allowed only when policy says so, and counts the time spent
// toward the add-in's slow-activation threshold. The evaluation is cut off at that
// threshold (a backtracking expression can take exponential time), so a cut-off
// evaluation is itself a slow activation: a strike.
func (c *Catalog) Evaluate(caller localapi.Caller, req EvaluateRequest) (EvaluateResponse, error) {
	it := req.Item
	switch strings.ToLower(strings.TrimSpace(it.Type)) {
	case "message", "appointment":
	default:
		return EvaluateResponse{}, localapi.BadRequest("item.type %q: use message or appointment", it.Type)
	}
	a, err := c.record(caller, req.AddinID)
	if err != nil {
		return EvaluateResponse{}, err
	}
	m, err := c.storedManifest(a)
	if err != nil {
		return EvaluateResponse{}, err
	}
	if m.Kind != manifest.KindMail {
		return EvaluateResponse{}, localapi.Conflict("%s is a %s add-in: only mail add-ins have activation rules", a.ID, m.Kind)
	}
	if c.gov != nil {
		if st, why := c.gov.StateFor(caller, a); st != governance.StateEnabled {
			reason := fmt.Sprintf("does not activate: %s is %s", a.ID, st)
			if why != "" {
				reason += " (" + why + ")"
			}
			return EvaluateResponse{Reason: reason}, nil
		}
	}
	pol := PolicyFrom(c.policy())
	res := manifest.Evaluate(activationRules(m), manifest.Item{
		Type: it.Type, FormType: it.FormType, MessageClass: it.MessageClass,
		Subject: it.Subject, BodyText: it.BodyText, BodyHTML: it.BodyHTML, SenderAddress: it.Sender,
		Attachments: it.Attachments, IRMProtected: it.IRMProtected,
	}, manifest.EvalOptions{AllowIRM: pol.AllowActivationOnIRMItems, Timeout: pol.RuleEvaluationLimit})
	// Evaluation time counts toward the slow-activation threshold only when the add-in's
	// own user (or an administrator) asks: otherwise any user could slow-start a
	// machine-wide add-in into a disable.
	if c.gov != nil && (caller.Admin || (a.Owner != "" && a.Owner == caller.UID)) {
		c.gov.ObserveEvaluation(a.ID, res.Duration)
	}
	return EvaluateResponse{
		Activates: res.Activates, Reason: res.Reason, Matches: res.Matches, Entities: res.Entities,
		Unsupported: res.Unsupported, DurationMs: float64(res.Duration) / float64(time.Millisecond), TimedOut: res.TimedOut,
	}, nil
}

// activationRules is the rule tree a client evaluates: the manifest's own <Rule>, or,
// for a manifest whose rules live only in VersionOverrides, those rules with any one
// activating the add-in (each extension point activates it on its own).
func activationRules(m *manifest.Manifest) *manifest.Rule {
	if m.Rules != nil {
		return m.Rules
	}
	var rules []*manifest.Rule
	for _, set := range m.RuleSets() {
		rules = append(rules, set...)
	}
	switch len(rules) {
	case 0:
		return nil
	case 1:
		return rules[0]
	}
	return &manifest.Rule{Type: manifest.RuleCollection, Mode: "Or", Rules: rules}
}
