package manifest

import "fmt"

// Microsoft's activation limits for Outlook add-ins ("Limits for activation and
// JavaScript API for Outlook add-ins"). A manifest over any of them cannot be installed.
const (
	MaxManifestBytes     = 256 << 10 // 256 KB
	MaxActivationRules   = 15
	MaxRegularExpression = 5
)

// Limit names one of Microsoft's activation limits.
type Limit string

// The limits a LimitError can report.
const (
	LimitManifestSize       Limit = "manifest size"
	LimitActivationRules    Limit = "activation rules"
	LimitRegularExpressions Limit = "regular expressions"
)

// LimitError is a refusal because a manifest exceeds one of Microsoft's activation
// limits. Max is the limit and Got the manifest's figure, in the limit's unit (bytes or
// a count).
type LimitError struct {
	Limit Limit
	Max   int
	Got   int
}

// Error names the limit and both figures and says what to change.
func (e *LimitError) Error() string {
	switch e.Limit {
	case LimitManifestSize:
		return fmt.Sprintf("manifest is %d bytes; Outlook allows at most %d (256 KB): remove unused resources, locales or comments", e.Got, e.Max)
	case LimitActivationRules:
		return fmt.Sprintf("manifest has %d activation rules; Outlook allows at most %d: remove rules or combine their conditions", e.Got, e.Max)
	case LimitRegularExpressions:
		return fmt.Sprintf("manifest has %d regular expressions; Outlook allows at most %d: remove expressions or merge them into one with alternation (a|b)", e.Got, e.Max)
	}
	return fmt.Sprintf("manifest exceeds the %s limit: %d, at most %d", e.Limit, e.Got, e.Max)
}

// checkRuleLimits applies the rule and regular-expression limits to each rule set a
// client might load. Outlook evaluates one rule set per client: the manifest's own
// <Rule> for clients that predate VersionOverrides, or the rules inside the
// VersionOverrides it understands. Counting each set on its own keeps manifests that
// repeat their rules for old and new clients (a common and documented pattern)
// installable, while no client ever evaluates more than the limits.
func checkRuleLimits(sets [][]*Rule) error {
	maxRules, maxRegex := 0, 0
	for _, set := range sets {
		rules, regex := 0, 0
		for _, r := range set {
			c := r.counts()
			rules += c.rules
			regex += c.regex
		}
		maxRules = max(maxRules, rules)
		maxRegex = max(maxRegex, regex)
	}
	if maxRules > MaxActivationRules {
		return &LimitError{Limit: LimitActivationRules, Max: MaxActivationRules, Got: maxRules}
	}
	if maxRegex > MaxRegularExpression {
		return &LimitError{Limit: LimitRegularExpressions, Max: MaxRegularExpression, Got: maxRegex}
	}
	return nil
}
