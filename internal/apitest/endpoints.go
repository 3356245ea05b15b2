// Package apitest is test support for the local API: it reads the endpoint lists from
// the package documentation that declares them (localapi's and catalog's doc.go), so
// tests and fuzz targets can check that they cover every documented route, and it
// checks an answer against what the API must never answer.
package apitest

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Endpoint is one documented route.
type Endpoint struct {
	Method string
	Path   string // the pattern, with {name} wildcards and without the query
}

// Pattern is the endpoint as a ServeMux pattern: "GET /v1/addins/{id}".
func (e Endpoint) Pattern() string { return e.Method + " " + e.Path }

// Example is the path with each wildcard replaced by value.
func (e Endpoint) Example(value string) string {
	return wildcard.ReplaceAllString(e.Path, value)
}

var (
	// A documentation line "//\tGET  /v1/log?since&until  text".
	line     = regexp.MustCompile(`^//\s+(GET|POST|PUT|DELETE|PATCH)\s+(/v1/\S*)`)
	wildcard = regexp.MustCompile(`\{[^}]+\}`)
)

// Endpoints lists the endpoints documented in the Go file at path.
func Endpoints(path string) ([]Endpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Endpoint
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		p := m[2]
		if i := strings.IndexAny(p, "?["); i >= 0 {
			p = p[:i]
		}
		out = append(out, Endpoint{Method: m[1], Path: p})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s documents no endpoints", path)
	}
	return out, nil
}
