package manifest

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Microsoft's limits on how Outlook applies regular expressions and known entities
// ("Limits for activation and JavaScript API for Outlook add-ins", tables for
// Outlook on the web and on Windows): the plain-text body is examined only in its
// first 1 MB and the HTML body in its first 512 KB; a match longer than 1,536
// characters (3,072 against the HTML body) is dropped; at most 50 matches are kept.
const (
	MaxPlainBodyBytes   = 1 << 20
	MaxHTMLBodyBytes    = 512 << 10
	MaxPlainMatchLength = 1536
	MaxHTMLMatchLength  = 3072
	MaxMatches          = 50
)

// Item is the mail item an add-in might activate on.
type Item struct {
	Type          string // "message" or "appointment"
	FormType      string // "Read", "Edit" or "ReadOrEdit" (unknown: any form type matches)
	MessageClass  string // e.g. IPM.Note, IPM.Schedule.Meeting.Request
	Subject       string
	BodyText      string
	BodyHTML      string
	SenderAddress string
	Attachments   []string // attachment names
	IRMProtected  bool
}

// DefaultEvalTimeout is how long evaluating an add-in's rules may take when
// EvalOptions.Timeout is not set: Microsoft's default threshold for Outlook to evaluate
// all regular expressions of an add-in, 1,000 ms ("Resource limits and performance
// optimization for Office Add-ins"), which is also the default activation threshold.
const DefaultEvalTimeout = 1000 * time.Millisecond

// EvalOptions adjusts evaluation.
type EvalOptions struct {
	// AllowIRM evaluates IRM-protected items normally. By default they never
	// activate, as in Outlook unless the organisation enables it.
	AllowIRM bool
	// Timeout bounds the whole evaluation (DefaultEvalTimeout when zero). An expression
	// on the backtracking engine still running then is cut off, and the add-in does not
	// activate (EvalResult.TimedOut): Outlook likewise gives up on a slow evaluation and
	// counts it against the add-in.
	Timeout time.Duration
}

// EvalResult is the outcome of evaluating an activation rule tree against an item.
type EvalResult struct {
	Activates bool
	// Reason explains the outcome in words, naming the deciding rules.
	Reason string
	// Matches maps each ItemHasRegularExpressionMatch rule's RegExName to its matches.
	Matches map[string][]string
	// Entities maps each ItemHasKnownEntity rule's FilterName (its EntityType when it
	// has none) to the entities found, after its RegExFilter.
	Entities map[string][]string
	// Unsupported lists entity types the rules asked for that this package does not
	// extract (EmailAddress, MeetingSuggestion, TaskSuggestion, Contact); such rules
	// never match.
	Unsupported []string
	// Duration is the time spent evaluating, which the daemon counts toward the
	// slow-activation threshold as Outlook counts regular-expression time.
	Duration time.Duration
	// TimedOut: the evaluation ran past EvalOptions.Timeout and was cut off; Reason
	// names the rule that was running. Duration is then over the timeout.
	TimedOut bool
}

// Evaluate decides whether an add-in with these activation rules activates on item.
//
// Every rule in the tree is evaluated (a RuleCollection does not stop at the first
// deciding member) so Matches and Entities are complete, as Outlook's
// getRegExMatches expects. Regular expressions have JavaScript's meaning and run over
// the body prefixes Microsoft's limits allow, on RE2 where it gives the same answer and
// otherwise on a backtracking engine bounded by opts.Timeout (see compileRuleRegex). A
// rule whose expression does not compile (possible only for a Rule built by hand; Parse
// refuses them) does not match, and the Reason says why.
func Evaluate(rules *Rule, item Item, opts EvalOptions) EvalResult {
	start := time.Now()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultEvalTimeout
	}
	res := EvalResult{}
	switch {
	case rules == nil:
		res.Reason = "the add-in has no activation rules"
	case item.IRMProtected && !opts.AllowIRM:
		res.Reason = "the item is IRM-protected, and add-ins do not activate on IRM-protected items unless that is allowed"
	default:
		ev := evaluator{
			item:     item,
			plain:    truncateUTF8(item.BodyText, MaxPlainBodyBytes),
			html:     truncateUTF8(item.BodyHTML, MaxHTMLBodyBytes),
			res:      &res,
			deadline: start.Add(timeout),
		}
		ok, why := ev.eval(rules)
		res.Activates = ok
		switch {
		case ev.cutAt != "":
			res.Activates, res.TimedOut = false, true
			res.Reason = fmt.Sprintf("does not activate: evaluating its regular expressions took longer than the %v limit and was cut off at %s", timeout, ev.cutAt)
		case ok:
			res.Reason = "activates: " + why
		default:
			res.Reason = "does not activate: " + why
		}
	}
	res.Duration = time.Since(start)
	return res
}

type evaluator struct {
	item        Item
	plain, html string
	entityText  *string // subject and body as text, built on first use
	res         *EvalResult
	deadline    time.Time
	cutAt       string // the rule running when the deadline passed
}

// cutOff records that the deadline passed while rule ran; later expressions are not
// run.
func (ev *evaluator) cutOff(rule string) (bool, string) {
	if ev.cutAt == "" {
		ev.cutAt = rule
	}
	return false, rule + " was cut off: the evaluation took longer than its limit"
}

func (ev *evaluator) eval(r *Rule) (bool, string) {
	switch r.Type {
	case RuleCollection:
		return ev.evalCollection(r)
	case RuleItemIs:
		return ev.evalItemIs(r)
	case RuleItemHasAttachment:
		if n := len(ev.item.Attachments); n > 0 {
			return true, fmt.Sprintf("the item has %d attachment(s)", n)
		}
		return false, "the item has no attachments"
	case RuleItemHasRegularExpressionMatch:
		return ev.evalRegex(r)
	case RuleItemHasKnownEntity:
		return ev.evalEntity(r)
	}
	return false, fmt.Sprintf("rule type %q is unknown", r.Type)
}

func (ev *evaluator) evalCollection(r *Rule) (bool, string) {
	if len(r.Rules) == 0 {
		return false, "an empty RuleCollection matches nothing"
	}
	var trues, falses []string
	for _, sub := range r.Rules {
		ok, why := ev.eval(sub)
		if ok {
			trues = append(trues, why)
		} else {
			falses = append(falses, why)
		}
	}
	if strings.EqualFold(r.Mode, "And") {
		if len(falses) == 0 {
			return true, "all of (" + strings.Join(trues, "; ") + ")"
		}
		return false, falses[0]
	}
	if len(trues) > 0 {
		return true, trues[0]
	}
	return false, "none of (" + strings.Join(falses, "; ") + ")"
}

func (ev *evaluator) evalItemIs(r *Rule) (bool, string) {
	want := strings.ToLower(r.ItemType)
	got := strings.ToLower(ev.item.Type)
	if want != got {
		return false, fmt.Sprintf("the item is not a %s", want)
	}
	if !formMatches(r.FormType, ev.item.FormType) {
		return false, fmt.Sprintf("the %s is not in %s form", want, r.FormType)
	}
	if r.ItemClass != "" && !classMatches(r.ItemClass, ev.item.MessageClass, r.IncludeSubClasses) {
		if r.IncludeSubClasses {
			return false, fmt.Sprintf("message class %q is not %s or a subclass of it", ev.item.MessageClass, r.ItemClass)
		}
		return false, fmt.Sprintf("message class %q is not %s", ev.item.MessageClass, r.ItemClass)
	}
	why := "the item is a " + want
	if r.FormType != "" {
		why += " in " + r.FormType + " form"
	}
	if r.ItemClass != "" {
		why += " of class " + ev.item.MessageClass
	}
	return true, why
}

// formMatches: an empty or ReadOrEdit rule form matches any item; an item whose form
// is ReadOrEdit (unknown) matches any rule form.
func formMatches(rule, item string) bool {
	return rule == "" || strings.EqualFold(rule, "ReadOrEdit") || strings.EqualFold(item, "ReadOrEdit") || strings.EqualFold(rule, item)
}

// classMatches compares message classes without case; with subclasses, IPM.Note.X
// matches IPM.Note (but IPM.NoteX does not).
func classMatches(want, got string, subclasses bool) bool {
	if strings.EqualFold(want, got) {
		return true
	}
	return subclasses && len(got) > len(want) && strings.EqualFold(got[:len(want)], want) && got[len(want)] == '.'
}

func (ev *evaluator) evalRegex(r *Rule) (bool, string) {
	re, err := ruleRegexp(r, r.RegExValue)
	if err != nil {
		return false, fmt.Sprintf("rule %q cannot run: %v", r.RegExName, err)
	}
	label := fmt.Sprintf("rule %q", r.RegExName)
	if ev.cutAt != "" {
		return ev.cutOff(label)
	}
	text, maxLen := ev.property(r.PropertyName)
	matches, err := re.findAll(text, maxLen, MaxMatches, ev.deadline)
	if err != nil {
		return ev.cutOff(label)
	}
	if len(matches) == 0 {
		return false, fmt.Sprintf("%s has no match for %q", r.PropertyName, r.RegExName)
	}
	if ev.res.Matches == nil {
		ev.res.Matches = map[string][]string{}
	}
	ev.res.Matches[r.RegExName] = appendCapped(ev.res.Matches[r.RegExName], matches)
	return true, fmt.Sprintf("%s matches %q (%d match(es))", r.PropertyName, r.RegExName, len(matches))
}

// property returns the item text a regular-expression rule tests and the longest
// match Outlook keeps for it.
func (ev *evaluator) property(name string) (string, int) {
	switch name {
	case PropertySubject:
		return ev.item.Subject, MaxPlainMatchLength
	case PropertyBodyAsHTML:
		return ev.html, MaxHTMLMatchLength
	case PropertySenderSMTPAddress:
		return ev.item.SenderAddress, MaxPlainMatchLength
	}
	return ev.plain, MaxPlainMatchLength
}

func (ev *evaluator) evalEntity(r *Rule) (bool, string) {
	key := r.FilterName
	if key == "" {
		key = r.EntityType
	}
	if !entitySupported(r.EntityType) {
		if !containsFold(ev.res.Unsupported, r.EntityType) {
			ev.res.Unsupported = append(ev.res.Unsupported, r.EntityType)
		}
		return false, fmt.Sprintf("known entity %s is not supported, so the rule never matches", r.EntityType)
	}
	var filter *ruleRegex
	if r.RegExFilter != "" {
		var err error
		if filter, err = ruleRegexp(r, r.RegExFilter); err != nil {
			return false, fmt.Sprintf("filter %q cannot run: %v", key, err)
		}
	}
	limit := maxEntitiesPerType
	if filter != nil {
		limit = -1 // the filter decides which count toward the cap
	}
	found := extractEntities(r.EntityType, ev.textForEntities(), limit)
	var kept []string
	for _, e := range found {
		if filter != nil {
			label := fmt.Sprintf("filter %q", key)
			if ev.cutAt != "" {
				return ev.cutOff(label)
			}
			ok, err := filter.matchString(e, ev.deadline)
			if err != nil {
				return ev.cutOff(label)
			}
			if !ok {
				continue
			}
		}
		kept = append(kept, e)
		if len(kept) == maxEntitiesPerType {
			break
		}
	}
	if len(kept) == 0 {
		if filter != nil && len(found) > 0 {
			return false, fmt.Sprintf("no %s entity passes filter %q", r.EntityType, key)
		}
		return false, fmt.Sprintf("the item has no %s entity", r.EntityType)
	}
	if ev.res.Entities == nil {
		ev.res.Entities = map[string][]string{}
	}
	ev.res.Entities[key] = appendCapped(ev.res.Entities[key], kept)
	return true, fmt.Sprintf("the item has %d %s entit(ies)", len(kept), r.EntityType)
}

// textForEntities is the subject and body Outlook searches for known entities: the
// plain body, or the HTML body rendered as text when there is no plain body.
func (ev *evaluator) textForEntities() string {
	if ev.entityText == nil {
		body := ev.plain
		if body == "" && ev.html != "" {
			body = htmlToText(ev.html)
		}
		s := ev.item.Subject + "\n" + body
		ev.entityText = &s
	}
	return *ev.entityText
}

// ruleRegexp returns the rule's compiled expression, compiling it when the rule was
// not produced by Parse.
func ruleRegexp(r *Rule, expr string) (*ruleRegex, error) {
	if r.re != nil {
		return r.re, nil
	}
	return compileRuleRegex(expr, r.IgnoreCase)
}

func appendCapped(dst, src []string) []string {
	for _, s := range src {
		if len(dst) >= MaxMatches {
			break
		}
		dst = append(dst, s)
	}
	return dst
}

// truncateUTF8 returns at most n bytes of s, cut back to a rune boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
