package manifest

import (
	"fmt"
	"strings"
)

// RuleType is a Rule's xsi:type, exactly as Microsoft's schema spells it.
type RuleType string

// The rule types of Microsoft's mail add-in schema.
const (
	RuleItemIs                        RuleType = "ItemIs"
	RuleItemHasAttachment             RuleType = "ItemHasAttachment"
	RuleItemHasKnownEntity            RuleType = "ItemHasKnownEntity"
	RuleItemHasRegularExpressionMatch RuleType = "ItemHasRegularExpressionMatch"
	RuleCollection                    RuleType = "RuleCollection"
)

// Rule is one node of an Outlook activation-rule tree. Which fields are meaningful
// depends on Type; the others are empty.
type Rule struct {
	Type RuleType `json:"type"`

	// ItemIs.
	ItemType          string `json:"item_type,omitempty"` // "Message" or "Appointment"
	FormType          string `json:"form_type,omitempty"` // "Read", "Edit", "ReadOrEdit" or "" (any)
	ItemClass         string `json:"item_class,omitempty"`
	IncludeSubClasses bool   `json:"include_sub_classes,omitempty"`

	// ItemHasKnownEntity.
	EntityType  string `json:"entity_type,omitempty"`
	RegExFilter string `json:"regex_filter,omitempty"`
	FilterName  string `json:"filter_name,omitempty"`

	// ItemHasRegularExpressionMatch.
	RegExName    string `json:"regex_name,omitempty"`
	RegExValue   string `json:"regex_value,omitempty"`
	PropertyName string `json:"property_name,omitempty"` // Subject, BodyAsPlaintext, BodyAsHTML, SenderSMTPAddress

	// Shared by the two regular-expression-bearing rules.
	IgnoreCase bool   `json:"ignore_case,omitempty"`
	Highlight  string `json:"highlight,omitempty"` // "all", "none" or ""

	// RuleCollection.
	Mode  string  `json:"mode,omitempty"` // "And" or "Or"
	Rules []*Rule `json:"rules,omitempty"`

	// re is RegExValue or RegExFilter compiled at parse time; nil for a Rule built
	// by hand or decoded from JSON, in which case Evaluate compiles it itself.
	re *ruleRegex
}

// Known entity types (Microsoft's KnownEntityType).
const (
	EntityAddress           = "Address"
	EntityContact           = "Contact"
	EntityEmailAddress      = "EmailAddress"
	EntityMeetingSuggestion = "MeetingSuggestion"
	EntityPhoneNumber       = "PhoneNumber"
	EntityTaskSuggestion    = "TaskSuggestion"
	EntityURL               = "Url"
)

// Item properties an ItemHasRegularExpressionMatch rule can test.
const (
	PropertySubject           = "Subject"
	PropertyBodyAsPlaintext   = "BodyAsPlaintext"
	PropertyBodyAsHTML        = "BodyAsHTML"
	PropertySenderSMTPAddress = "SenderSMTPAddress"
)

var (
	itemTypes     = []string{"Message", "Appointment"}
	formTypes     = []string{"Read", "Edit", "ReadOrEdit"}
	modes         = []string{"And", "Or"}
	highlights    = []string{"all", "none"}
	propertyNames = []string{PropertySubject, PropertyBodyAsPlaintext, PropertyBodyAsHTML, PropertySenderSMTPAddress}
	entityTypes   = []string{EntityAddress, EntityContact, EntityEmailAddress, EntityMeetingSuggestion, EntityPhoneNumber, EntityTaskSuggestion, EntityURL}
)

// ruleCounts is what a rule tree contributes to Microsoft's limits.
type ruleCounts struct {
	rules int // every rule except RuleCollection containers
	regex int // ItemHasRegularExpressionMatch rules and ItemHasKnownEntity RegExFilters
}

// counts walks the tree. A RuleCollection only groups rules, so it is not itself
// counted; what it groups is.
func (r *Rule) counts() ruleCounts {
	var c ruleCounts
	if r == nil {
		return c
	}
	switch r.Type {
	case RuleCollection:
		for _, sub := range r.Rules {
			s := sub.counts()
			c.rules += s.rules
			c.regex += s.regex
		}
		return c
	case RuleItemHasRegularExpressionMatch:
		c.regex++
	case RuleItemHasKnownEntity:
		if r.RegExFilter != "" {
			c.regex++
		}
	}
	c.rules++
	return c
}

// hasRegexOrAttachment reports whether the tree contains a rule Restricted add-ins may
// not use.
func (r *Rule) hasRegexOrAttachment() bool {
	if r == nil {
		return false
	}
	switch r.Type {
	case RuleItemHasRegularExpressionMatch, RuleItemHasAttachment:
		return true
	case RuleItemHasKnownEntity:
		return r.RegExFilter != ""
	case RuleCollection:
		for _, sub := range r.Rules {
			if sub.hasRegexOrAttachment() {
				return true
			}
		}
	}
	return false
}

// label names the rule in error messages: its regular-expression or filter name when
// it has one, otherwise its type and position.
func (r *Rule) label(path string) string {
	switch {
	case r.RegExName != "":
		return fmt.Sprintf("%s rule %q (%s)", r.Type, r.RegExName, path)
	case r.FilterName != "":
		return fmt.Sprintf("%s rule %q (%s)", r.Type, r.FilterName, path)
	}
	return fmt.Sprintf("%s rule (%s)", r.Type, path)
}

// parseRule converts a <Rule> element and its descendants. path locates the rule for
// error messages ("Rule", "Rule/Rule[2]"). Regular expressions are compiled here so a
// manifest whose expressions are not valid JavaScript is refused at install time, not
// at activation time.
func parseRule(n *xmlNode, path string) (*Rule, error) {
	r := &Rule{Type: RuleType(n.xsiType())}
	var err error
	switch r.Type {
	case RuleItemIs:
		if r.ItemType, err = enumAttr(n, "ItemType", itemTypes, true); err != nil {
			return nil, ruleErr(r, path, err)
		}
		if r.FormType, err = enumAttr(n, "FormType", formTypes, false); err != nil {
			return nil, ruleErr(r, path, err)
		}
		r.ItemClass = n.attrValue("ItemClass")
		if r.IncludeSubClasses, err = boolAttr(n, "IncludeSubClasses"); err != nil {
			return nil, ruleErr(r, path, err)
		}
	case RuleItemHasAttachment:
		// No attributes.
	case RuleItemHasKnownEntity:
		if r.EntityType, err = enumAttr(n, "EntityType", entityTypes, true); err != nil {
			return nil, ruleErr(r, path, err)
		}
		r.RegExFilter, _ = n.attr("RegExFilter")
		r.FilterName = n.attrValue("FilterName")
		if err = parseRegexAttrs(n, r); err != nil {
			return nil, ruleErr(r, path, err)
		}
		if r.RegExFilter != "" {
			if r.re, err = compileRuleRegex(r.RegExFilter, r.IgnoreCase); err != nil {
				return nil, ruleErr(r, path, err)
			}
		}
	case RuleItemHasRegularExpressionMatch:
		r.RegExName = n.attrValue("RegExName")
		r.RegExValue, _ = n.attr("RegExValue")
		if r.RegExName == "" {
			return nil, ruleErr(r, path, fmt.Errorf("attribute RegExName is required"))
		}
		if r.RegExValue == "" {
			return nil, ruleErr(r, path, fmt.Errorf("attribute RegExValue is required"))
		}
		if r.PropertyName, err = enumAttr(n, "PropertyName", propertyNames, true); err != nil {
			return nil, ruleErr(r, path, err)
		}
		if err = parseRegexAttrs(n, r); err != nil {
			return nil, ruleErr(r, path, err)
		}
		if r.re, err = compileRuleRegex(r.RegExValue, r.IgnoreCase); err != nil {
			return nil, ruleErr(r, path, err)
		}
	case RuleCollection:
		if r.Mode, err = enumAttr(n, "Mode", modes, true); err != nil {
			return nil, ruleErr(r, path, err)
		}
		for i, c := range n.childrenNamed("Rule") {
			sub, err := parseRule(c, fmt.Sprintf("%s/Rule[%d]", path, i+1))
			if err != nil {
				return nil, err
			}
			r.Rules = append(r.Rules, sub)
		}
		if len(r.Rules) == 0 {
			return nil, ruleErr(r, path, fmt.Errorf("a RuleCollection must contain at least one Rule"))
		}
	case "":
		return nil, fmt.Errorf("activation rule at %s (line %d) has no xsi:type: use one of ItemIs, ItemHasAttachment, ItemHasKnownEntity, ItemHasRegularExpressionMatch, RuleCollection", path, n.Line)
	default:
		return nil, fmt.Errorf("activation rule at %s (line %d) has unknown type %q: use one of ItemIs, ItemHasAttachment, ItemHasKnownEntity, ItemHasRegularExpressionMatch, RuleCollection", path, n.Line, r.Type)
	}
	return r, nil
}

func parseRegexAttrs(n *xmlNode, r *Rule) error {
	var err error
	if r.IgnoreCase, err = boolAttr(n, "IgnoreCase"); err != nil {
		return err
	}
	r.Highlight, err = enumAttr(n, "Highlight", highlights, false)
	return err
}

func ruleErr(r *Rule, path string, err error) error {
	return fmt.Errorf("activation %s: %w", r.label(path), err)
}

// enumAttr reads an attribute whose value must be one of allowed, compared without
// case and returned in the schema's spelling.
func enumAttr(n *xmlNode, name string, allowed []string, required bool) (string, error) {
	v, ok := n.attr(name)
	v = strings.TrimSpace(v)
	if !ok || v == "" {
		if required {
			return "", fmt.Errorf("attribute %s is required: use one of %s", name, strings.Join(allowed, ", "))
		}
		return "", nil
	}
	for _, a := range allowed {
		if strings.EqualFold(a, v) {
			return a, nil
		}
	}
	return "", fmt.Errorf("attribute %s=%q is not valid: use one of %s", name, v, strings.Join(allowed, ", "))
}

// boolAttr reads an xs:boolean attribute; absent means false.
func boolAttr(n *xmlNode, name string) (bool, error) {
	v, ok := n.attr(name)
	if !ok {
		return false, nil
	}
	return parseXSBool(v, name)
}

func parseXSBool(v, name string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%s=%q is not a boolean: use true or false", name, v)
}
