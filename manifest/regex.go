package manifest

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// Outlook's regular expressions are JavaScript's: "Outlook evaluates regular
// expressions based on the rules for the JavaScript interpreter used by the browser or
// webview control on the client computer" (Microsoft, "Contextual Outlook add-ins",
// supported characters in regular expression rules). So a rule is read with
// ECMAScript's grammar and meaning (lookahead, lookbehind and backreferences
// included), without flags other than the rule's IgnoreCase.
//
// Two engines evaluate them:
//
//   - Go's RE2 (regexp), whose time is linear in the input, whenever the expression
//     uses only constructs both engines read alike and translating them gives
//     JavaScript's answer: "." excludes the four line terminators, "$" is the end of
//     the input, \s is JavaScript's white space, and IgnoreCase folds only ASCII
//     letters (JavaScript's non-Unicode case folding never maps a non-ASCII character
//     to an ASCII one), so an expression with a non-ASCII literal under IgnoreCase
//     goes to the other engine;
//   - otherwise github.com/dlclark/regexp2 in ECMAScript mode, a backtracking engine,
//     with ".", "$" and \b rewritten to JavaScript's meaning as for RE2 (regexp2's own
//     "." matches U+2028, its "$" matches before a final newline and its \b is
//     Unicode), and with a match timeout, because a backtracking expression such as
//     (?=a)(a+)+$ can take exponential time.
//
// FuzzRuleRegexEngines checks that the two give the same matches wherever RE2 is
// chosen.
//
// An expression regexp2 cannot compile in ECMAScript mode is refused when the manifest
// is parsed.

// ruleRegex is one compiled activation-rule expression.
type ruleRegex struct {
	re2      *regexp.Regexp // set when RE2 gives JavaScript's answer
	ecmaSrc  string         // the expression as regexp2 reads it
	ecmaOpts regexp2.RegexOptions
}

// Engine names the engine that evaluates the expression: "re2" or "ecmascript".
func (r *ruleRegex) Engine() string {
	if r.re2 != nil {
		return "re2"
	}
	return "ecmascript"
}

// errRegexTimeout: the evaluation's time ran out while this expression ran.
var errRegexTimeout = errors.New("regular-expression evaluation took longer than the limit")

// compileRuleRegex compiles an Outlook regular expression (see above). The error says
// what is wrong with it in JavaScript's terms.
func compileRuleRegex(expr string, ignoreCase bool) (*ruleRegex, error) {
	if !utf8.ValidString(expr) {
		return nil, fmt.Errorf("regular expression %q is not valid UTF-8", expr)
	}
	src, opts, err := ecmaSource(expr, ignoreCase)
	if err == nil {
		_, err = regexp2.Compile(src, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("regular expression %q is not a valid JavaScript regular expression, which is what Outlook evaluates: %v", expr, err)
	}
	r := &ruleRegex{ecmaSrc: src, ecmaOpts: opts}
	if re2src, err := translateRegex(expr, targetRE2, ignoreCase); err == nil {
		if re, err := regexp.Compile(re2src); err == nil {
			r.re2 = re
		}
	}
	return r, nil
}

// ecmaSource is the expression as regexp2 reads it, and its options. IgnoreCase is
// written out as ASCII letter classes where that is exact; with non-ASCII letters or
// backreferences regexp2's own IgnoreCase (Unicode simple lower-casing) is used.
func ecmaSource(expr string, ignoreCase bool) (string, regexp2.RegexOptions, error) {
	var opts regexp2.RegexOptions = regexp2.ECMAScript
	src, err := translateRegex(expr, targetECMA, ignoreCase)
	if errors.Is(err, errFoldNeedsEngine) {
		opts |= regexp2.IgnoreCase
		src, err = translateRegex(expr, targetECMA, false)
	}
	return src, opts, err
}

// findAll returns the non-empty matches of r in text, in order, at most limit of
// them, skipping those longer than maxLen runes (Outlook drops them). An empty match
// (an expression like x* matching nothing) is no match: there is nothing to return or
// highlight. The backtracking engine stops with errRegexTimeout at deadline; the
// matches found so far are returned with it.
func (r *ruleRegex) findAll(text string, maxLen, limit int, deadline time.Time) ([]string, error) {
	text = validUTF8(text)
	var out []string
	keep := func(m string) bool {
		if m != "" && utf8.RuneCountInString(m) <= maxLen {
			out = append(out, m)
		}
		return len(out) < limit
	}
	if r.re2 != nil {
		for _, m := range r.re2.FindAllString(text, -1) {
			if !keep(m) {
				break
			}
		}
		return out, nil
	}
	re, err := r.ecmaWithin(deadline)
	if err != nil {
		return out, err
	}
	m, err := re.FindStringMatch(text)
	for err == nil && m != nil && keep(m.String()) {
		m, err = re.FindNextMatch(m)
	}
	return out, timeoutErr(err)
}

// matchString reports whether r matches anywhere in s.
func (r *ruleRegex) matchString(s string, deadline time.Time) (bool, error) {
	s = validUTF8(s)
	if r.re2 != nil {
		return r.re2.MatchString(s), nil
	}
	re, err := r.ecmaWithin(deadline)
	if err != nil {
		return false, err
	}
	ok, err := re.MatchString(s)
	return ok, timeoutErr(err)
}

// validUTF8 replaces invalid bytes with U+FFFD, as regexp2 reads them, so both
// engines see the same characters.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// ecmaWithin compiles the regexp2 form with the time left until deadline as its match
// timeout. A fresh Regexp per evaluation keeps the timeout, a plain field, free of data
// races between concurrent evaluations.
func (r *ruleRegex) ecmaWithin(deadline time.Time) (*regexp2.Regexp, error) {
	left := time.Until(deadline)
	if left <= 0 {
		return nil, errRegexTimeout
	}
	re, err := regexp2.Compile(r.ecmaSrc, r.ecmaOpts)
	if err != nil {
		return nil, err // compiled once at parse time, so not expected
	}
	re.MatchTimeout = left
	return re, nil
}

// timeoutErr maps regexp2's timeout to errRegexTimeout; its Match methods return no
// other error.
func timeoutErr(err error) error {
	if err != nil {
		return fmt.Errorf("%w (%v)", errRegexTimeout, err)
	}
	return nil
}

// Translation of a JavaScript expression into one of the two engines' syntax.

type regexTarget int

const (
	targetRE2  regexTarget = iota // Go's regexp syntax, refusing what RE2 cannot do alike
	targetECMA                    // regexp2's ECMAScript syntax
)

var (
	// errNeedsBacktracking: the expression needs the backtracking engine.
	errNeedsBacktracking = errors.New("the expression needs a backtracking engine")
	// errFoldNeedsEngine: IgnoreCase cannot be written out as ASCII letter classes.
	errFoldNeedsEngine = errors.New("IgnoreCase needs the engine's own case folding")
)

// jsSpace is JavaScript's \s: WhiteSpace and LineTerminator (ECMA-262, CharacterClassEscape).
var jsSpace = [][2]rune{{'\t', '\r'}, {' ', ' '}, {0xa0, 0xa0}, {0x1680, 0x1680}, {0x2000, 0x200a},
	{0x2028, 0x2029}, {0x202f, 0x202f}, {0x205f, 0x205f}, {0x3000, 0x3000}, {0xfeff, 0xfeff}}

// jsLineTerminators are what "." does not match (ECMA-262 LineTerminator).
var jsLineTerminators = [][2]rune{{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}

var (
	jsDigit = [][2]rune{{'0', '9'}}
	jsWord  = [][2]rune{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}
)

// translator rewrites one expression for one target.
type translator struct {
	src    []rune
	i      int
	target regexTarget
	fold   bool // write IgnoreCase out as ASCII letter classes
	out    strings.Builder
}

func translateRegex(expr string, target regexTarget, fold bool) (string, error) {
	t := &translator{src: []rune(expr), target: target, fold: fold}
	if err := t.run(); err != nil {
		return "", err
	}
	return t.out.String(), nil
}

func (t *translator) peek(n int) rune {
	if t.i+n < len(t.src) {
		return t.src[t.i+n]
	}
	return -1
}

func (t *translator) hasPrefix(s string) bool {
	return strings.HasPrefix(string(t.src[t.i:min(len(t.src), t.i+len(s))]), s)
}

func (t *translator) run() error {
	for t.i < len(t.src) {
		c := t.src[t.i]
		t.i++
		var err error
		switch c {
		case '\\':
			err = t.escape()
		case '[':
			err = t.class()
		case '.':
			t.emitSet(jsLineTerminators, true)
		case '$':
			t.out.WriteString(`\z`)
		case '^', '|', ')', '*', '+', '?':
			t.out.WriteRune(c)
		case '(':
			err = t.group()
		case '{':
			t.brace()
		case '}', ']':
			t.out.WriteString(`\` + string(c))
		default:
			err = t.literal(c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// group copies a group opener: ( and (?: for both targets; lookaround and named groups
// only for the backtracking engine.
func (t *translator) group() error {
	if t.peek(0) != '?' {
		t.out.WriteByte('(')
		return nil
	}
	for _, open := range []string{"?:", "?=", "?!", "?<=", "?<!", "?<"} {
		if !t.hasPrefix(open) {
			continue
		}
		if open != "?:" && t.target == targetRE2 {
			return errNeedsBacktracking
		}
		t.out.WriteString("(" + open)
		t.i += len(open)
		if open == "?<" { // a group name, copied as written
			for t.i < len(t.src) && t.src[t.i] != '>' {
				t.out.WriteRune(t.src[t.i])
				t.i++
			}
		}
		return nil
	}
	if t.target == targetRE2 {
		return errNeedsBacktracking
	}
	return fmt.Errorf("%q at offset %d is not JavaScript syntax (inline flags such as (?i) are not; use the rule's IgnoreCase attribute)", "(?"+string(t.peek(1)), t.i-1)
}

// brace copies a {n}, {n,} or {n,m} quantifier; any other { is a literal brace, as in
// JavaScript's web-compatibility grammar (ECMA-262 Annex B). Counts are written without
// leading zeros: JavaScript reads {01} as {1}, Go's parser reads it as literal text.
func (t *translator) brace() {
	j := t.i
	var q strings.Builder
	digits := func() int {
		k := j
		for j < len(t.src) && t.src[j] >= '0' && t.src[j] <= '9' {
			j++
		}
		n := strings.TrimLeft(string(t.src[k:j]), "0")
		if n == "" && j > k {
			n = "0"
		}
		q.WriteString(n)
		return j - k
	}
	if digits() > 0 {
		if j < len(t.src) && t.src[j] == ',' {
			j++
			q.WriteByte(',')
			digits()
		}
		if j < len(t.src) && t.src[j] == '}' {
			t.out.WriteString("{" + q.String() + "}")
			t.i = j + 1
			return
		}
	}
	t.out.WriteString(`\{`)
}

// escape translates a backslash escape outside a class.
func (t *translator) escape() error {
	if t.i >= len(t.src) {
		return errors.New(`the expression ends with a lone backslash`)
	}
	c := t.src[t.i]
	switch c {
	case 'b', 'B':
		t.i++
		switch {
		case t.target == targetRE2:
			t.out.WriteString(`\` + string(c)) // RE2's word boundary is ASCII, as JavaScript's
		case c == 'b': // regexp2's is Unicode: spell JavaScript's out
			t.out.WriteString(`(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))`)
		default:
			t.out.WriteString(`(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))`)
		}
		return nil
	case 's', 'S', 'd', 'D', 'w', 'W':
		t.i++
		set, negated := perlSet(c)
		t.emitSet(set, negated)
		return nil
	}
	if c >= '1' && c <= '9' || c == 'k' && t.peek(1) == '<' {
		return t.backreference()
	}
	r, raw, err := t.charEscape()
	if err != nil || raw != "" {
		return t.passThrough(raw, err)
	}
	return t.literal(r)
}

// passThrough writes an escape only the backtracking engine reads (as written), or
// returns err.
func (t *translator) passThrough(raw string, err error) error {
	if err != nil {
		return err
	}
	if t.fold {
		return errFoldNeedsEngine
	}
	t.out.WriteString(raw)
	return nil
}

// backreference copies \N or \k<name> for the backtracking engine. Case folding cannot
// be written out for what a backreference matches.
func (t *translator) backreference() error {
	if t.target == targetRE2 {
		return errNeedsBacktracking
	}
	if t.fold {
		return errFoldNeedsEngine
	}
	start := t.i
	if t.src[t.i] == 'k' {
		for t.i < len(t.src) && t.src[t.i] != '>' {
			t.i++
		}
		t.i++
	} else {
		for t.i < len(t.src) && t.src[t.i] >= '0' && t.src[t.i] <= '9' {
			t.i++
		}
	}
	t.out.WriteString(`\` + string(t.src[start:min(t.i, len(t.src))]))
	return nil
}

// charEscape reads an escape that stands for one character (after the backslash).
// What RE2 cannot read alike is errNeedsBacktracking for RE2 and, for the backtracking
// engine, raw: the escape as written, which regexp2 reads as JavaScript does.
func (t *translator) charEscape() (r rune, raw string, err error) {
	start := t.i - 1 // the backslash
	c := t.src[t.i]
	t.i++
	needs := func() (rune, string, error) {
		if t.target == targetRE2 {
			return 0, "", errNeedsBacktracking
		}
		return 0, string(t.src[start:t.i]), nil
	}
	switch c {
	case 't':
		return '\t', "", nil
	case 'n':
		return '\n', "", nil
	case 'r':
		return '\r', "", nil
	case 'f':
		return '\f', "", nil
	case 'v':
		return '\v', "", nil
	case '0':
		if d := t.peek(0); d >= '0' && d <= '9' {
			return needs() // a legacy octal escape
		}
		return 0, "", nil
	case 'x', 'u':
		n := 2
		if c == 'u' {
			n = 4
		}
		if t.i+n <= len(t.src) {
			if v, err := strconv.ParseUint(string(t.src[t.i:t.i+n]), 16, 32); err == nil {
				t.i += n
				if v >= 0xd800 && v <= 0xdfff {
					return needs() // a lone UTF-16 surrogate
				}
				return rune(v), "", nil
			}
		}
		return c, "", nil // the web grammar's identity escape: \x is x
	case 'c':
		if l := t.peek(0); l >= 'a' && l <= 'z' || l >= 'A' && l <= 'Z' {
			t.i++
			return l % 32, "", nil
		}
		t.i-- // the web grammar reads \c as a backslash followed by c
		return '\\', "", nil
	}
	if c >= '0' && c <= '9' {
		return needs()
	}
	return c, "", nil // an identity escape (\e is e in JavaScript): the character itself
}

func perlSet(c rune) ([][2]rune, bool) {
	switch c {
	case 's', 'S':
		return jsSpace, c == 'S'
	case 'd', 'D':
		return jsDigit, c == 'D'
	}
	return jsWord, c == 'W'
}

// literal writes one character, as a both-case class for an ASCII letter under fold.
func (t *translator) literal(r rune) error {
	if t.fold && r >= utf8.RuneSelf {
		if t.target == targetRE2 {
			return errNeedsBacktracking
		}
		return errFoldNeedsEngine
	}
	if t.fold && isASCIILetter(r) {
		one := [][2]rune{{r, r}}
		t.emitSet(append(one, swapCase(one)...), false)
		return nil
	}
	t.out.WriteString(t.quote(r, false))
	return nil
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// class translates a [...] class into explicit ranges. A class only the backtracking
// engine reads alike is copied as written for it.
func (t *translator) class() error {
	start := t.i - 1
	err := t.classRanges()
	if !errors.Is(err, errNeedsBacktracking) || t.target == targetRE2 {
		return err
	}
	if t.fold {
		return errFoldNeedsEngine
	}
	t.i = start + 1
	for t.i < len(t.src) && t.src[t.i] != ']' {
		if t.src[t.i] == '\\' {
			t.i++
		}
		t.i++
	}
	if t.i >= len(t.src) {
		return errors.New("a [ class is not closed with ]")
	}
	t.i++
	t.out.WriteString(string(t.src[start:t.i]))
	return nil
}

func (t *translator) classRanges() error {
	negated := false
	if t.peek(0) == '^' {
		negated = true
		t.i++
	}
	if t.peek(0) == ']' { // JavaScript's [] matches nothing and [^] anything
		t.i++
		t.emitSet([][2]rune{{0, utf8.MaxRune}}, !negated)
		return nil
	}
	var set [][2]rune
	var sets [][][2]rune  // \d \w \s members
	var negSets [][2]rune // complements of \D \W \S, added as ranges
	for {
		if t.i >= len(t.src) {
			return errors.New("a [ class is not closed with ]")
		}
		c := t.src[t.i]
		if c == ']' {
			t.i++
			break
		}
		lo, isSet, err := t.classAtom()
		if err != nil {
			return err
		}
		if isSet != 0 {
			s, neg := perlSet(isSet)
			if neg {
				negSets = append(negSets, complement(s)...)
			} else {
				sets = append(sets, s)
			}
			if t.peek(0) == '-' && t.peek(1) != ']' {
				return errNeedsBacktracking // [\d-z]: a literal dash in the web grammar
			}
			continue
		}
		hi := lo
		if t.peek(0) == '-' && t.peek(1) != ']' && t.peek(1) != -1 {
			t.i++
			var hiSet rune
			hi, hiSet, err = t.classAtom()
			if err != nil {
				return err
			}
			if hiSet != 0 {
				return errNeedsBacktracking
			}
			if hi < lo {
				return fmt.Errorf("class range %q-%q is out of order", lo, hi)
			}
		}
		if t.fold && hi >= utf8.RuneSelf {
			if t.target == targetRE2 {
				return errNeedsBacktracking
			}
			return errFoldNeedsEngine
		}
		set = append(set, [2]rune{lo, hi})
	}
	if t.fold {
		set = append(set, swapCase(set)...)
	}
	for _, s := range sets {
		set = append(set, s...)
	}
	set = append(set, negSets...)
	t.emitSet(set, negated)
	return nil
}

// classAtom reads one class member: a character, or (isSet) one of \d \D \w \W \s \S.
func (t *translator) classAtom() (r rune, isSet rune, err error) {
	c := t.src[t.i]
	t.i++
	if c != '\\' {
		return c, 0, nil
	}
	if t.i >= len(t.src) {
		return 0, 0, errors.New(`the expression ends with a lone backslash`)
	}
	switch e := t.src[t.i]; e {
	case 'd', 'D', 'w', 'W', 's', 'S':
		t.i++
		return 0, e, nil
	case 'b':
		t.i++
		return '\b', 0, nil // backspace inside a class
	case '-':
		t.i++
		return '-', 0, nil
	}
	r, raw, err := t.charEscape()
	if err == nil && raw != "" {
		err = errNeedsBacktracking
	}
	return r, 0, err
}

// swapCase returns the other case of every ASCII letter in the ranges.
func swapCase(set [][2]rune) [][2]rune {
	var out [][2]rune
	for _, rg := range set {
		for _, band := range [][3]rune{{'a', 'z', 'A' - 'a'}, {'A', 'Z', 'a' - 'A'}} {
			lo, hi := max(rg[0], band[0]), min(rg[1], band[1])
			if lo <= hi {
				out = append(out, [2]rune{lo + band[2], hi + band[2]})
			}
		}
	}
	return out
}

// complement returns the ranges not in set (set sorted and disjoint).
func complement(set [][2]rune) [][2]rune {
	var out [][2]rune
	next := rune(0)
	for _, rg := range set {
		if rg[0] > next {
			out = append(out, [2]rune{next, rg[0] - 1})
		}
		next = rg[1] + 1
	}
	if next <= utf8.MaxRune {
		out = append(out, [2]rune{next, utf8.MaxRune})
	}
	return out
}

// emitSet writes ranges as a class in the target's syntax.
func (t *translator) emitSet(set [][2]rune, negated bool) {
	t.out.WriteByte('[')
	if negated {
		t.out.WriteByte('^')
	}
	for _, rg := range set {
		t.out.WriteString(t.quote(rg[0], true))
		if rg[1] != rg[0] {
			t.out.WriteString("-" + t.quote(rg[1], true))
		}
	}
	t.out.WriteByte(']')
}

// quote writes one character so the target reads it literally, inside a class or not.
func (t *translator) quote(r rune, inClass bool) string {
	if t.target == targetRE2 {
		if !inClass && r < utf8.RuneSelf && r > ' ' && r != 0x7f {
			return regexp.QuoteMeta(string(r))
		}
		return fmt.Sprintf(`\x{%x}`, r)
	}
	switch {
	case r <= 0xffff && (r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0xd800 && r <= 0xdfff || r == 0x2028 || r == 0x2029):
		return fmt.Sprintf(`\u%04x`, r)
	case inClass && r < utf8.RuneSelf && strings.ContainsRune(`\^$.|?*+()[]{}-/`, r):
		// regexp2 reads [\--1] as a dash and "-1", not as JavaScript's range from - to 1.
		return fmt.Sprintf(`\u%04x`, r)
	case r < utf8.RuneSelf && strings.ContainsRune(`\^$.|?*+()[]{}-/`, r):
		return `\` + string(r)
	}
	return string(r)
}
