package manifest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Bounds on the XML the parsers accept. The 256 KB input cap already bounds the total
// work; these keep any single piece small enough that a hostile file cannot make the
// tree itself expensive to walk or to print.
const (
	maxXMLDepth     = 64       // element nesting
	maxXMLAttrs     = 64       // attributes on one element
	maxXMLAttrBytes = 16 << 10 // one attribute value
	maxXMLTextBytes = 64 << 10 // character data directly inside one element
	maxXMLElements  = 20000    // elements in the whole document
)

// ErrDTD is returned for XML that carries a document type declaration or an entity
// declaration. Manifests never need one, and refusing them removes entity-expansion
// attacks ("billion laughs") and external-entity fetches from consideration entirely.
var ErrDTD = errors.New("XML contains a DOCTYPE or entity declaration, which add-in manifests never need: remove it")

// xmlNode is one element of a decoded document, reduced to what the manifest parsers
// read: the local name (namespaces vary between schema versions and are ignored), the
// attributes by local name, the character data and the children in order.
type xmlNode struct {
	Name     string
	Attrs    []xml.Attr
	Text     string
	Children []*xmlNode
	Line     int

	buf []byte // character data while decoding; Text once the element ends
}

// attr returns the value of the attribute whose local name is name (case-sensitive, as
// in Microsoft's schemas) and whether it was present.
func (n *xmlNode) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// attrValue returns the attribute's value trimmed of surrounding space, or "".
func (n *xmlNode) attrValue(name string) string {
	v, _ := n.attr(name)
	return strings.TrimSpace(v)
}

// xsiType returns the xsi:type attribute with any namespace prefix on the value removed
// ("bt:Foo" → "Foo").
func (n *xmlNode) xsiType() string {
	v := n.attrValue("type")
	if i := strings.LastIndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	return v
}

// child returns the first child with the given local name, or nil.
func (n *xmlNode) child(name string) *xmlNode {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// childrenNamed returns every child with the given local name.
func (n *xmlNode) childrenNamed(name string) []*xmlNode {
	if n == nil {
		return nil
	}
	var out []*xmlNode
	for _, c := range n.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// text returns the trimmed character data of the first child named name.
func (n *xmlNode) childText(name string) string {
	c := n.child(name)
	if c == nil {
		return ""
	}
	return strings.TrimSpace(c.Text)
}

// walk calls fn for n and every descendant, depth first, stopping descent into a node
// when fn returns false.
func (n *xmlNode) walk(fn func(*xmlNode) bool) {
	if n == nil || !fn(n) {
		return
	}
	for _, c := range n.Children {
		c.walk(fn)
	}
}

// decodeXMLTree decodes data into a tree with the hostile-input protections applied:
// the size cap before any parsing, DOCTYPE and entity declarations refused, nesting,
// attribute count and sizes, text size and element count bounded. UTF-8 (with or
// without a byte-order mark) and UTF-16 with a byte-order mark are accepted.
func decodeXMLTree(data []byte) (*xmlNode, error) {
	if len(data) > MaxManifestBytes {
		return nil, &LimitError{Limit: LimitManifestSize, Max: MaxManifestBytes, Got: len(data)}
	}
	utf8Data, err := toUTF8(data)
	if err != nil {
		return nil, err
	}
	return decodeUTF8XMLTree(utf8Data)
}

// decodeUTF8XMLTree is decodeXMLTree after the size check and transcoding.
func decodeUTF8XMLTree(utf8Data []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(utf8Data))
	dec.Strict = true
	dec.CharsetReader = charsetReader

	var (
		root     *xmlNode
		stack    []*xmlNode
		elements int
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			return nil, fmt.Errorf("XML is not well formed (line %d): %w", line, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, ErrDTD
		case xml.StartElement:
			line, _ := dec.InputPos()
			if len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("XML nests elements deeper than %d levels (line %d): manifests are shallow, this file is malformed or hostile", maxXMLDepth, line)
			}
			elements++
			if elements > maxXMLElements {
				return nil, fmt.Errorf("XML has more than %d elements: manifests are far smaller, this file is malformed or hostile", maxXMLElements)
			}
			if len(t.Attr) > maxXMLAttrs {
				return nil, fmt.Errorf("element <%s> (line %d) has %d attributes; at most %d are accepted", t.Name.Local, line, len(t.Attr), maxXMLAttrs)
			}
			for _, a := range t.Attr {
				if len(a.Value) > maxXMLAttrBytes {
					return nil, fmt.Errorf("attribute %s of <%s> (line %d) is %d bytes; at most %d are accepted", a.Name.Local, t.Name.Local, line, len(a.Value), maxXMLAttrBytes)
				}
			}
			n := &xmlNode{Name: t.Name.Local, Attrs: t.Copy().Attr, Line: line}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("XML has more than one root element (second is <%s> on line %d)", t.Name.Local, line)
				}
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.Text, top.buf = string(top.buf), nil
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) == 0 {
				continue // whitespace between prolog and root
			}
			top := stack[len(stack)-1]
			if len(top.buf)+len(t) > maxXMLTextBytes {
				line, _ := dec.InputPos()
				return nil, fmt.Errorf("text inside <%s> (line %d) exceeds %d bytes; manifests hold short values only", top.Name, line, maxXMLTextBytes)
			}
			top.buf = append(top.buf, t...)
		}
	}
	if root == nil {
		return nil, errors.New("XML has no root element: the file is empty or not a manifest")
	}
	return root, nil
}

// toUTF8 strips a UTF-8 byte-order mark and transcodes UTF-16 with a byte-order mark.
func toUTF8(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		out, _, err := transform.Bytes(dec, data)
		if err != nil {
			return nil, fmt.Errorf("decode UTF-16 manifest: %w", err)
		}
		return out, nil
	}
	return data, nil
}

// charsetReader lets the decoder accept the encoding labels manifests declare. By the
// time the decoder sees a UTF-16 label the bytes are already UTF-8 (toUTF8), so those
// pass through unchanged.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "unicode", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "latin1", "latin-1":
		return charmap.ISO8859_1.NewDecoder().Reader(input), nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder().Reader(input), nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q: save the manifest as UTF-8", label)
}
