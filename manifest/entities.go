package manifest

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Known-entity extraction. Exchange and Outlook find entities with proprietary,
// partly machine-learned recognisers; these are deterministic stand-ins for the three
// entity types whose shape is regular enough to recognise with a pattern: phone
// numbers, US postal addresses and URLs. The others (EmailAddress, MeetingSuggestion,
// TaskSuggestion, Contact) are reported as unsupported and never match.

// maxEntitiesPerType caps the entities reported per rule, as Outlook caps matches.
const maxEntitiesPerType = MaxMatches

// Each recogniser runs only at plausible starting points (a digit run, a "+", a word
// start), first checks cheaply by hand whether an entity could start there (enough
// digits, a street suffix and a state and ZIP code ahead, a URL prefix), and only then
// runs an anchored expression over a short window. An unanchored search over a 1 MB
// body makes RE2 run its slowest engine across the whole input; this stays linear in
// the input and is many times faster (BenchmarkExtractEntitiesAdversarial measures
// bodies built to defeat the checks).
var (
	// Phone numbers, international +CC forms first so that at a "+" the longer reading
	// wins (RE2 alternation is leftmost-first):
	//   - international: a plus, a country code and groups of digits separated by
	//     single spaces, dots or hyphens, optionally one parenthesised group;
	//   - North American: optional +1, then (425) 555-0100, 425-555-0100,
	//     425.555.0100 or 425 555 0100.
	phoneRE = regexp.MustCompile(`^(?:\+[1-9]\d{0,2}(?:[\s.\-]?(?:\(\d{1,4}\)|\d{1,5})){2,6}` +
		`|(?:\+1[\s.\-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.\-])\d{3}[\s.\-]\d{4})`)

	// US street addresses: number, up to four street-name words, a street suffix,
	// optional direction and unit, then city, state abbreviation and ZIP code.
	addressRE = regexp.MustCompile(`^\d{1,6}\s+(?:[A-Za-z0-9.'\-]+\s+){0,4}?` +
		`(?i:` + strings.Join(streetSuffixes, "|") + `)\.?` +
		`(?:\s+(?:NE|NW|SE|SW|N|S|E|W)\.?)?` +
		`(?:,?\s+(?i:Suite|Ste|Apt|Unit|#)\s*[A-Za-z0-9\-]+)?` +
		`,\s*[A-Za-z][A-Za-z.'\-]*(?:\s[A-Za-z][A-Za-z.'\-]*){0,3}` + stateZIP)

	htmlTagRE = regexp.MustCompile(`(?s)<[^>]*>`)
)

const stateZIP = `,\s*(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|PR|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY)\s+\d{5}(?:-\d{4})?`

var streetSuffixes = []string{"Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Drive", "Dr", "Lane", "Ln", "Way", "Court", "Ct", "Place", "Pl", "Parkway", "Pkwy", "Highway", "Hwy", "Circle", "Cir", "Terrace", "Ter", "Square", "Sq", "Trail", "Trl"}

// Windows the recognisers look at from each starting point. Real phone numbers and
// addresses are far shorter; a URL longer than maxURLEntity is cut there.
const (
	phoneWindow   = 64
	addressWindow = 256
	maxURLEntity  = 2048
)

// entitySupported reports whether this package extracts the entity type.
func entitySupported(entityType string) bool {
	switch entityType {
	case EntityPhoneNumber, EntityAddress, EntityURL:
		return true
	}
	return false
}

// extractEntities returns up to limit entities (all when limit < 0) of the given type
// found in text, in order of appearance. Unsupported types return nil.
func extractEntities(entityType, text string, limit int) []string {
	switch entityType {
	case EntityPhoneNumber:
		return scanEntities(text, limit, phoneStart, func(i int) int {
			if !enoughPhoneDigits(text, i) {
				return 0
			}
			loc := phoneRE.FindStringIndex(text[i:min(len(text), i+phoneWindow)])
			if loc == nil {
				return 0
			}
			end := i + loc[1]
			if n := countDigits(text[i:end]); n < 10 || n > 15 || continuesWord(text, end) { // E.164: at most 15 digits
				return 0
			}
			return end - i
		})
	case EntityAddress:
		return extractAddresses(text, limit)
	case EntityURL:
		return scanEntities(text, limit, wordStart, func(i int) int { return urlLength(text, i) })
	}
	return nil
}

// scanEntities walks text, and at each position where canStart holds asks match for
// the length of an entity starting there (0 for none), skipping past each one found.
func scanEntities(text string, limit int, canStart func(string, int) bool, match func(int) int) []string {
	var out []string
	for i := 0; i < len(text); {
		if limit >= 0 && len(out) >= limit {
			break
		}
		if !canStart(text, i) {
			i++
			continue
		}
		n := match(i)
		if n == 0 {
			i++
			continue
		}
		out = append(out, text[i:i+n])
		i += n
	}
	return out
}

// extractAddresses tries the address expression only where a house number is followed
// within a few words by a street suffix and a state and ZIP code follows within the
// window; the window ends at that ZIP code, keeping each attempt short.
func extractAddresses(text string, limit int) []string {
	anchors := stateZIPAnchors(text)
	next := 0 // first anchor ending after the current position
	return scanEntities(text, limit, digitRunStart, func(i int) int {
		for next < len(anchors) && anchors[next][1] <= i {
			next++
		}
		if next == len(anchors) || anchors[next][0]-i > addressWindow || !streetSuffixSoon(text, i) {
			return 0
		}
		loc := addressRE.FindStringIndex(text[i:anchors[next][1]])
		if loc == nil || continuesWord(text, i+loc[1]) {
			return 0
		}
		return loc[1]
	})
}

// stateZIPAnchors returns the spans of every ", WA 98052" (the stateZIP shape every
// address ends with) in one pass: a hand-written scan, because an unanchored RE2
// search over a 1 MB body full of commas costs far more.
func stateZIPAnchors(text string) [][2]int {
	var out [][2]int
	for i := 0; i < len(text); i++ {
		if text[i] != ',' {
			continue
		}
		j := i + 1
		for j < len(text) && isSpace(text[j]) {
			j++
		}
		if j+2 > len(text) || !usStates[text[j:j+2]] {
			continue
		}
		j += 2
		k := j
		for k < len(text) && isSpace(text[k]) {
			k++
		}
		if k == j || k+5 > len(text) || !allDigits(text[k:k+5]) {
			continue
		}
		k += 5
		if k+5 <= len(text) && text[k] == '-' && allDigits(text[k+1:k+5]) {
			k += 5
		}
		out = append(out, [2]int{i, k})
	}
	return out
}

var usStates = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Split("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY", " ") {
		m[s] = true
	}
	return m
}()

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// streetSuffixSoon reports whether, after the house number at i, one of the next five
// words is a street suffix ("123 North Main St"): a cheap test that rules out almost
// every number in running text before the full expression runs.
func streetSuffixSoon(text string, i int) bool {
	end := min(len(text), i+addressWindow)
	j := i
	for j < end && isDigit(text[j]) {
		j++
	}
	for word := 0; word < 5 && j < end; word++ {
		for j < end && isSpace(text[j]) {
			j++
		}
		start := j
		for j < end && !isSpace(text[j]) && text[j] != ',' {
			j++
		}
		w := strings.TrimSuffix(text[start:j], ".")
		for _, s := range streetSuffixes {
			if strings.EqualFold(w, s) {
				return true
			}
		}
		if j < end && text[j] == ',' {
			return false
		}
	}
	return false
}

// urlLength returns the length of an http://, https:// or www. URL starting at i, up
// to whitespace or a delimiter and without trailing sentence punctuation, at most
// maxURLEntity bytes; 0 if none starts there.
func urlLength(text string, i int) int {
	rest := text[i:]
	var prefix int
	switch {
	case hasPrefixFold(rest, "https://"):
		prefix = len("https://")
	case hasPrefixFold(rest, "http://"):
		prefix = len("http://")
	case hasPrefixFold(rest, "www."):
		prefix = len("www.")
	default:
		return 0
	}
	end := prefix
	for end < len(rest) && end < maxURLEntity && !strings.ContainsRune(" \t\r\n<>\"'()[]{}", rune(rest[end])) {
		end++
	}
	if end == prefix {
		return 0
	}
	n := len(strings.TrimRight(rest[:end], ".,;:!?"))
	if n <= prefix {
		return 0
	}
	return n
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// enoughPhoneDigits is a cheap test before the phone expression runs: a phone number
// is a run of digits, spaces, dots, hyphens and parentheses (after an optional leading
// "+") holding at least 10 digits.
func enoughPhoneDigits(text string, i int) bool {
	end := min(len(text), i+phoneWindow)
	if text[i] == '+' {
		i++
	}
	digits := 0
	for ; i < end; i++ {
		c := text[i]
		switch {
		case isDigit(c):
			digits++
			if digits == 10 {
				return true
			}
		case c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' || c == '\t' || c == '\n' || c == '\r':
		default:
			return false
		}
	}
	return false
}

// phoneStart: a "+", "(" or digit not glued to a preceding digit, letter or "+".
func phoneStart(text string, i int) bool {
	c := text[i]
	if c != '+' && c != '(' && !isDigit(c) {
		return false
	}
	return i == 0 || !gluedBefore(text, i)
}

// digitRunStart: a digit that starts a word.
func digitRunStart(text string, i int) bool {
	return isDigit(text[i]) && (i == 0 || !gluedBefore(text, i))
}

// wordStart: h, H, w or W (the only letters a URL entity starts with) starting a word.
func wordStart(text string, i int) bool {
	switch text[i] {
	case 'h', 'H', 'w', 'W':
		return i == 0 || !gluedBefore(text, i)
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// gluedBefore reports whether the rune before i is a letter, digit, underscore or "+",
// so an entity cannot start at i.
func gluedBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '+'
}

// continuesWord reports whether a letter or digit follows end, so a match ending there
// would be cut out of a longer word or number.
func continuesWord(text string, end int) bool {
	if end >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[end:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// htmlToText is a crude rendering of an HTML body as text, enough to find entities in
// an item that has no plain-text body: tags become spaces and character references are
// decoded.
func htmlToText(s string) string {
	return html.UnescapeString(htmlTagRE.ReplaceAllString(s, " "))
}
