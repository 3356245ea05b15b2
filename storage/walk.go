package storage

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// PageDamage is one damaged page of a state file.
type PageDamage struct {
	Page uint64 `json:"page"`
	// Kind is what the page was: "branch" (an index page), "leaf" (a page of records),
	// "freelist", or "page" when the damage left no way to tell.
	Kind    string `json:"kind"`
	Bucket  string `json:"bucket,omitempty"` // the bucket path it belongs to, "/"-joined
	Records int    `json:"records"`          // records known lost with it; -1 when unknown
	Problem string `json:"problem"`

	top string // the top-level bucket it belongs to, unquoted; "" for the root's own pages
}

// maxDamageListed bounds the damage a walk lists; the rest is only counted.
const maxDamageListed = 1000

// maxTreeDepth is deeper than any bbolt tree can be (each level multiplies the fan-out).
const maxTreeDepth = 64

// walker visits every page of a bbolt file reachable from its newest valid meta page,
// recording the damaged ones instead of following them. It never reads outside a page
// it has bounds-checked, so no damage can make it fault.
type walker struct {
	sf       *storeFile
	seen     map[uint64]bool
	damage   []PageDamage
	unlisted int // damaged pages beyond maxDamageListed

	onRecord func(path []string, key, value []byte) error // nil: only check
	onBucket func(path []string, seq uint64) error
	onPage   func(pagesRead int)
	onTree   func(path []string, p page) // each tree page read (tests find pages to damage)
	pages    int
}

func newWalker(sf *storeFile) *walker {
	return &walker{sf: sf, seen: map[uint64]bool{}}
}

// addDamage records d, a page of the bucket at path.
func (w *walker) addDamage(path []string, d PageDamage) {
	d.Bucket = pathName(path)
	if len(path) > 0 {
		d.top = path[0]
	}
	if len(w.damage) >= maxDamageListed {
		w.unlisted++
		return
	}
	w.damage = append(w.damage, d)
}

// walk visits the whole tree, then checks the free list against it.
func (w *walker) walk() error {
	if _, err := w.walkTree(nil, w.sf.meta.root, 0); err != nil {
		return err
	}
	w.checkFreelist()
	return nil
}

// walkTree visits the page id of the bucket at path and returns what kind of page it
// turned out to be ("" when it is damaged), which tells the damaged siblings' kind.
func (w *walker) walkTree(path []string, id uint64, depth int) (string, error) {
	if depth > maxTreeDepth {
		w.addDamage(path, PageDamage{Page: id, Kind: "branch", Records: -1, Problem: "the tree is deeper than bbolt can build: its index pages loop"})
		return "", nil
	}
	if w.seen[id] {
		w.addDamage(path, PageDamage{Page: id, Records: -1, Problem: fmt.Sprintf("page %d is reached twice (an index page points to a page already in use)", id)})
		return "", nil
	}
	p, err := w.sf.readPage(id)
	if err != nil {
		w.addDamage(path, PageDamage{Page: id, Records: -1, Problem: err.Error()})
		return "", nil
	}
	for i := uint64(0); i <= p.overflow(); i++ {
		w.seen[id+i] = true
	}
	w.pages++
	if w.onPage != nil {
		w.onPage(w.pages)
	}
	if w.onTree != nil {
		w.onTree(path, p)
	}
	switch p.flags {
	case flagBranch:
		return "branch", w.walkBranch(path, p, depth)
	case flagLeaf:
		elems, err := w.checkedLeaf(p)
		if err != nil {
			records := -1
			if p.checkCount() == nil {
				records = p.count
			}
			w.addDamage(path, PageDamage{Page: id, Kind: "leaf", Records: records, Problem: err.Error()})
			return "leaf", nil
		}
		return "leaf", w.walkLeaf(path, id, elems, depth)
	}
	w.addDamage(path, PageDamage{Page: id, Records: -1,
		Problem: fmt.Sprintf("page %d is a %s page where the tree needs an index or record page", id, p.kind())})
	return "", nil
}

// walkBranch visits a branch page's children. A child whose own header is damaged is
// given the kind of its siblings: every child of one branch page is on the same level.
func (w *walker) walkBranch(path []string, p page, depth int) error {
	children, err := p.branchChildren()
	for i := 0; err == nil && i < len(children); i++ {
		switch c := children[i].id; {
		case c < 2 || c >= w.sf.meta.hwm:
			err = fmt.Errorf("index page %d points to page %d, outside the file's %d pages", p.id, c, w.sf.meta.hwm)
		case i > 0 && bytes.Compare(children[i-1].key, children[i].key) >= 0:
			err = fmt.Errorf("keys of index page %d are out of order", p.id)
		}
	}
	if err != nil {
		w.addDamage(path, PageDamage{Page: p.id, Kind: "branch", Records: -1, Problem: err.Error()})
		return nil
	}
	var level string
	var unknown []int
	for _, c := range children {
		before := len(w.damage)
		kind, err := w.walkTree(path, c.id, depth+1)
		if err != nil {
			return err
		}
		if kind != "" && level == "" {
			level = kind
		}
		if len(w.damage) > before && w.damage[before].Page == c.id && w.damage[before].Kind == "" {
			unknown = append(unknown, before)
		}
	}
	if level == "" {
		level = "page"
	}
	for _, i := range unknown {
		w.damage[i].Kind = level
	}
	return nil
}

// checkedLeaf decodes a leaf page and checks it whole (key order, sub-bucket values), so
// a damaged page yields none of its records rather than some garbage ones.
func (w *walker) checkedLeaf(p page) ([]leafElem, error) {
	elems, err := p.leafElems()
	if err != nil {
		return nil, err
	}
	for i, e := range elems {
		if i > 0 && bytes.Compare(elems[i-1].key, e.key) >= 0 {
			return nil, fmt.Errorf("keys of record page %d are out of order", p.id)
		}
		if !e.subBucket {
			continue
		}
		if len(e.value) < bucketValueSize {
			return nil, fmt.Errorf("element %d of page %d is a bucket with a %d-byte header", i, p.id, len(e.value))
		}
		if root := le.Uint64(e.value); root != 0 && (root < 2 || root >= w.sf.meta.hwm) {
			return nil, fmt.Errorf("element %d of page %d is a bucket rooted at page %d, outside the file's %d pages", i, p.id, root, w.sf.meta.hwm)
		}
	}
	return elems, nil
}

// walkLeaf hands a leaf's records to onRecord and descends into its sub-buckets; id is
// the page holding elems (for inline buckets, the page they are inlined in).
func (w *walker) walkLeaf(path []string, id uint64, elems []leafElem, depth int) error {
	for _, e := range elems {
		if !e.subBucket && len(path) == 0 {
			// bbolt keeps only buckets at the top; a record there is damage.
			w.addDamage(path, PageDamage{Page: id, Kind: "leaf", Records: -1, Problem: fmt.Sprintf("page %d holds a record among the top-level buckets", id)})
			continue
		}
		if !e.subBucket {
			if w.onRecord != nil {
				if err := w.onRecord(path, e.key, e.value); err != nil {
					return err
				}
			}
			continue
		}
		sub := append(append([]string(nil), path...), string(e.key))
		root, seq := le.Uint64(e.value), le.Uint64(e.value[8:])
		if w.onBucket != nil {
			if err := w.onBucket(sub, seq); err != nil {
				return err
			}
		}
		if root != 0 {
			if _, err := w.walkTree(sub, root, depth+1); err != nil {
				return err
			}
			continue
		}
		// An inline bucket: its page follows the header inside the value.
		in := page{id: id, buf: e.value[bucketValueSize:]}
		var inElems []leafElem
		err := fmt.Errorf("inline bucket %s in page %d is cut short", pathName(sub), id)
		if len(in.buf) >= pageHeaderSize {
			in.flags, in.count = le.Uint16(in.buf[8:]), int(le.Uint16(in.buf[10:]))
			if in.flags != flagLeaf {
				err = fmt.Errorf("inline bucket %s in page %d is a %s page, not a record page", pathName(sub), id, in.kind())
			} else {
				inElems, err = w.checkedLeaf(in)
			}
		}
		if err != nil {
			w.addDamage(sub, PageDamage{Page: id, Kind: "leaf", Records: -1, Problem: err.Error()})
			continue
		}
		if slices.ContainsFunc(inElems, func(e leafElem) bool { return e.subBucket }) {
			// bbolt inlines only buckets without sub-buckets; following one would let a
			// damaged page nest inside itself.
			w.addDamage(sub, PageDamage{Page: id, Kind: "leaf", Records: -1, Problem: fmt.Sprintf("inline bucket %s in page %d claims a bucket inside it", pathName(sub), id)})
			continue
		}
		if err := w.walkLeaf(sub, id, inElems, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// checkFreelist checks the free list: a page both free and in use would be overwritten by
// the next write, so it is damage even when every record still reads.
func (w *walker) checkFreelist() {
	m := w.sf.meta
	if m.freelist == noFreelist {
		return
	}
	damaged := func(problem string) {
		w.addDamage(nil, PageDamage{Page: m.freelist, Kind: "freelist", Records: 0, Problem: problem})
	}
	p, err := w.sf.readPage(m.freelist)
	if err != nil {
		damaged(err.Error())
		return
	}
	ids, err := p.freePages()
	if err != nil {
		damaged(err.Error())
		return
	}
	free := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		switch {
		case id < 2 || id >= m.hwm:
			damaged(fmt.Sprintf("the free list names page %d, outside the file's %d pages", id, m.hwm))
			return
		case free[id]:
			damaged(fmt.Sprintf("the free list names page %d twice", id))
			return
		case w.seen[id]:
			damaged(fmt.Sprintf("the free list names page %d, which holds live data (the next write would overwrite it)", id))
			return
		}
		free[id] = true
	}
	if len(w.damage) > 0 || m.hwm > uint64(w.sf.size)/uint64(w.sf.pageSize) {
		return // pages below a damaged page (or past the end) were never reached, so they look lost
	}
	for i := uint64(0); i <= p.overflow(); i++ {
		free[m.freelist+i] = true
	}
	lost := 0
	for id := uint64(2); id < m.hwm; id++ {
		if !w.seen[id] && !free[id] {
			lost++
		}
	}
	if lost > 0 {
		damaged(fmt.Sprintf("%d pages are neither in use nor on the free list", lost))
	}
}

// pathName names a bucket path for messages, quoting names that are not plain text.
func pathName(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = printableName(p)
	}
	return strings.Join(parts, "/")
}

// printableName returns name as is when it is short printable text, else quoted.
func printableName(name string) string {
	for _, r := range name {
		if !unicode.IsPrint(r) || r == '/' || r == '"' {
			return strconv.QuoteToASCII(name)
		}
	}
	if len(name) > 128 {
		return strconv.QuoteToASCII(name[:128]) + "..."
	}
	return name
}
