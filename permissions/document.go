package permissions

import (
	"fmt"
	"math/bits"
	"strings"
)

// DocumentTier is a task pane or content add-in's permission level. The levels form a
// lattice, not a chain: WriteDocument allows writing the selection without reading the
// document, so it neither includes nor is included by ReadDocument. Each level is
// modelled as the set of capabilities it grants; ordering, Join and Meet follow from set
// inclusion, union and intersection.
type DocumentTier int

// The document permission levels, in Microsoft's listing order.
const (
	DocRestricted DocumentTier = iota
	DocReadDocument
	DocReadAllDocument
	DocWriteDocument
	DocReadWriteDocument
)

// DocumentTiers lists the levels in Microsoft's listing order.
var DocumentTiers = []DocumentTier{DocRestricted, DocReadDocument, DocReadAllDocument, DocWriteDocument, DocReadWriteDocument}

// docCapability is one thing a document add-in may be allowed to do, as grouped by
// "Requesting permissions for API use in add-ins".
type docCapability uint8

const (
	// capSettings: the Settings object and Document.getActiveViewAsync.
	capSettings docCapability = 1 << iota
	// capRead: read the selection and the file as text, read bound data, manage
	// bindings, file properties, goToByIdAsync.
	capRead
	// capReadAll: the underlying Office Open XML of the selection and the compressed
	// copy of the whole document.
	capReadAll
	// capWriteSelection: Document.setSelectedDataAsync.
	capWriteSelection
	// capReadWriteRest: everything else: binding writes, table binding changes, custom
	// XML parts and event handlers.
	capReadWriteRest
)

// docCaps is each level's capability set, straight from the documentation's table.
var docCaps = [...]docCapability{
	DocRestricted:        capSettings,
	DocReadDocument:      capSettings | capRead,
	DocReadAllDocument:   capSettings | capRead | capReadAll,
	DocWriteDocument:     capSettings | capWriteSelection,
	DocReadWriteDocument: capSettings | capRead | capReadAll | capWriteSelection | capReadWriteRest,
}

// docNames holds, per level, the add-in only manifest name (first, used by String),
// Microsoft's canonical name and the unified manifest's name.
var docNames = [...][3]string{
	DocRestricted:        {"Restricted", "restricted", "Document.Restricted.User"},
	DocReadDocument:      {"ReadDocument", "read document", "Document.Read.User"},
	DocReadAllDocument:   {"ReadAllDocument", "read all document", "Document.ReadAll.User"},
	DocWriteDocument:     {"WriteDocument", "write document", "Document.Write.User"},
	DocReadWriteDocument: {"ReadWriteDocument", "read/write document", "Document.ReadWrite.User"},
}

// String returns the manifest name, e.g. "ReadAllDocument".
func (t DocumentTier) String() string {
	if t.valid() {
		return docNames[t][0]
	}
	return fmt.Sprintf("DocumentTier(%d)", int(t))
}

func (t DocumentTier) valid() bool { return t >= DocRestricted && t <= DocReadWriteDocument }

func (t DocumentTier) caps() docCapability {
	if !t.valid() {
		return 0
	}
	return docCaps[t]
}

// Includes reports whether an add-in holding t may do everything o allows.
func (t DocumentTier) Includes(o DocumentTier) bool {
	return t.valid() && o.valid() && o.caps()&^t.caps() == 0
}

// Join returns the least level that includes both a and b (ReadDocument ∨
// WriteDocument is ReadWriteDocument).
func Join(a, b DocumentTier) DocumentTier {
	return smallestCovering(a.caps() | b.caps())
}

// Meet returns the greatest level that both a and b include (ReadAllDocument ∧
// WriteDocument is Restricted).
func Meet(a, b DocumentTier) DocumentTier {
	return largestWithin(a.caps() & b.caps())
}

// smallestCovering is the level with the fewest capabilities among those holding all
// of want. ReadWriteDocument holds every capability, so one always exists.
func smallestCovering(want docCapability) DocumentTier {
	best, bestCount := DocReadWriteDocument, bits.OnesCount8(uint8(docCaps[DocReadWriteDocument]))
	for _, t := range DocumentTiers {
		c := t.caps()
		if want&^c == 0 && bits.OnesCount8(uint8(c)) < bestCount {
			best, bestCount = t, bits.OnesCount8(uint8(c))
		}
	}
	return best
}

// largestWithin is the level with the most capabilities among those inside have.
// Restricted's capabilities are in every level, so one always exists for a valid input.
func largestWithin(have docCapability) DocumentTier {
	best, bestCount := DocRestricted, -1
	for _, t := range DocumentTiers {
		c := t.caps()
		if c&^have == 0 && bits.OnesCount8(uint8(c)) > bestCount {
			best, bestCount = t, bits.OnesCount8(uint8(c))
		}
	}
	return best
}

// ParseDocumentTier parses a task pane or content add-in permission level
// case-insensitively: the manifest name (ReadAllDocument), the canonical name (read all
// document) or the unified manifest name (Document.ReadAll.User).
func ParseDocumentTier(s string) (DocumentTier, error) {
	key := normalizeName(strings.TrimSpace(s))
	if key != "" {
		for _, t := range DocumentTiers {
			for _, name := range docNames[t] {
				if normalizeName(name) == key {
					return t, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("unknown document permission %q: use one of Restricted, ReadDocument, ReadAllDocument, WriteDocument, ReadWriteDocument", s)
}
