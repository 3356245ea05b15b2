package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// This file reads bbolt's on-disk format directly, for the two jobs bbolt cannot do on a
// damaged file: saying what is damaged, and reading every record that is still reachable.
// bbolt reads its file through a memory map with unchecked pointer arithmetic, so a page
// that points outside the file faults (a Go "fatal error: fault" that no recover can
// catch). Here every page is read with ReadAt into a slice and every offset is checked, so
// damage becomes an error naming the page. The layout is bbolt's (version 2), as its
// internal/common package declares it:
//
//	page header (16 bytes): id uint64, flags uint16, count uint16, overflow uint32
//	meta (after the header): magic, version, page size, flags (uint32 each),
//	  root bucket (root pgid, sequence), freelist pgid, high-water pgid, txid (uint64 each),
//	  checksum = FNV-1a 64 of the preceding 56 bytes
//	branch element (16 bytes): pos, ksize uint32, child pgid uint64
//	leaf element (16 bytes): flags, pos, ksize, vsize uint32; flags&1 marks a sub-bucket
//	  whose value is (root pgid, sequence) followed, when root is 0, by an inline page
//	freelist: the page ids; when count is 0xFFFF the first uint64 is the real count
//
// pos is relative to the element itself. bbolt writes native byte order; every platform
// addingov ships for (amd64, arm64) is little-endian.

const (
	pageHeaderSize  = 16
	pageElementSize = 16
	metaSize        = 64 // through the checksum
	metaSumLength   = 56 // bytes the checksum covers
	bucketValueSize = 16 // a sub-bucket's (root, sequence)

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagMeta     = 0x04
	flagFreelist = 0x10
	flagSubTree  = 0x01 // leaf element: the value is a sub-bucket

	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	noFreelist     = ^uint64(0)
	maxPageSize    = 1 << 24 // bbolt looks for the second meta page up to 16 MiB in
	defaultPageLen = 4096
)

var le = binary.LittleEndian

// metaPage is one decoded meta page.
type metaPage struct {
	pageSize uint32
	root     uint64
	rootSeq  uint64
	freelist uint64
	hwm      uint64 // pages below this id are in use or free; the file must hold them
	txid     uint64
}

// decodeMeta reads a meta page from b (which starts at the page header) and says why it
// is not a valid one.
func decodeMeta(b []byte) (metaPage, error) {
	if len(b) < pageHeaderSize+metaSize {
		return metaPage{}, errors.New("cut short")
	}
	m := b[pageHeaderSize:]
	if le.Uint32(m[0:]) != boltMagic {
		return metaPage{}, errors.New("not a bbolt meta page (wrong magic number)")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return metaPage{}, fmt.Errorf("bbolt format version %d, not %d", v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:metaSumLength])
	if h.Sum64() != le.Uint64(m[metaSumLength:]) {
		return metaPage{}, errors.New("checksum mismatch")
	}
	mp := metaPage{
		pageSize: le.Uint32(m[8:]),
		root:     le.Uint64(m[16:]),
		rootSeq:  le.Uint64(m[24:]),
		freelist: le.Uint64(m[32:]),
		hwm:      le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
	}
	switch {
	case mp.pageSize < 512 || mp.pageSize > maxPageSize || mp.pageSize&(mp.pageSize-1) != 0:
		return metaPage{}, fmt.Errorf("page size %d is impossible", mp.pageSize)
	case mp.hwm < 3 || mp.root < 2 || mp.root >= mp.hwm:
		return metaPage{}, fmt.Errorf("root page %d outside the file's %d pages", mp.root, mp.hwm)
	case mp.freelist != noFreelist && (mp.freelist < 2 || mp.freelist >= mp.hwm):
		return metaPage{}, fmt.Errorf("free list page %d outside the file's %d pages", mp.freelist, mp.hwm)
	}
	return mp, nil
}

// storeFile is a bbolt file opened for reading pages.
type storeFile struct {
	r        io.ReaderAt
	size     int64
	pageSize int
	metas    [2]metaPage
	metaErrs [2]error // why each meta page is unusable; nil when it is fine
	meta     metaPage // the newest valid meta page, when there is one
	metaOK   bool
}

// openStoreFile reads the meta pages of the file behind r (size bytes). It fails only on
// an I/O error; damaged meta pages are recorded in metaErrs.
func openStoreFile(r io.ReaderAt, size int64) (*storeFile, error) {
	sf := &storeFile{r: r, size: size, pageSize: defaultPageLen}
	buf := make([]byte, pageHeaderSize+metaSize)
	read := func(off int64) ([]byte, error) {
		n, err := r.ReadAt(buf, off)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return buf[:n], nil
	}
	b, err := read(0)
	if err != nil {
		return nil, err
	}
	sf.metas[0], sf.metaErrs[0] = decodeMeta(b)
	if sf.metaErrs[0] == nil {
		sf.pageSize = int(sf.metas[0].pageSize)
		b, err := read(int64(sf.pageSize))
		if err != nil {
			return nil, err
		}
		sf.metas[1], sf.metaErrs[1] = decodeMeta(b)
	} else {
		// Like bbolt: without the first page the page size is unknown, so try each
		// size the second meta page could sit at.
		sf.metaErrs[1] = errors.New("not found at any page size")
		for ps := 1024; ps <= maxPageSize && int64(ps) < size; ps <<= 1 {
			b, err := read(int64(ps))
			if err != nil {
				return nil, err
			}
			if m, err := decodeMeta(b); err == nil && int(m.pageSize) == ps {
				sf.metas[1], sf.metaErrs[1], sf.pageSize = m, nil, ps
				break
			}
		}
	}
	for i := range sf.metas {
		if sf.metaErrs[i] == nil && (!sf.metaOK || sf.metas[i].txid > sf.meta.txid) {
			sf.meta, sf.metaOK = sf.metas[i], true
		}
	}
	return sf, nil
}

// page is one page (with its overflow pages) read from the file.
type page struct {
	id    uint64
	flags uint16
	count int
	buf   []byte // the whole page, header included
}

// readPage reads page id, checking that it lies below the high-water mark and inside the
// file and that its header names it.
func (sf *storeFile) readPage(id uint64) (page, error) {
	if id < 2 || id >= sf.meta.hwm {
		return page{}, fmt.Errorf("page %d is outside the file's %d pages", id, sf.meta.hwm)
	}
	ps := int64(sf.pageSize)
	if id >= uint64(sf.size/ps) {
		return page{}, fmt.Errorf("page %d lies past the end of the file (%d bytes)", id, sf.size)
	}
	off := int64(id) * ps
	if off+ps > sf.size {
		return page{}, fmt.Errorf("page %d lies past the end of the file (%d bytes)", id, sf.size)
	}
	// One read for the usual single page; a second only for overflow pages.
	buf := make([]byte, ps)
	if _, err := sf.r.ReadAt(buf, off); err != nil {
		return page{}, fmt.Errorf("read page %d: %w", id, err)
	}
	if got := le.Uint64(buf); got != id {
		return page{}, fmt.Errorf("the header of page %d is overwritten (it names itself page %d)", id, got)
	}
	overflow := uint64(le.Uint32(buf[12:]))
	if overflow > 0 {
		if id+overflow >= sf.meta.hwm || overflow >= uint64(sf.size/ps) || off+int64(overflow+1)*ps > sf.size {
			return page{}, fmt.Errorf("page %d claims %d overflow pages, more than the file holds", id, overflow)
		}
		buf = append(buf, make([]byte, int64(overflow)*ps)...)
		if _, err := sf.r.ReadAt(buf[ps:], off+ps); err != nil {
			return page{}, fmt.Errorf("read page %d: %w", id, err)
		}
	}
	return page{id: id, flags: le.Uint16(buf[8:]), count: int(le.Uint16(buf[10:])), buf: buf}, nil
}

// overflow is how many pages after the first this page spans.
func (p page) overflow() uint64 { return uint64(le.Uint32(p.buf[12:])) }

// kind names what the header says the page is.
func (p page) kind() string {
	switch p.flags {
	case flagBranch:
		return "branch"
	case flagLeaf:
		return "leaf"
	case flagMeta:
		return "meta"
	case flagFreelist:
		return "freelist"
	}
	return fmt.Sprintf("unknown (flags %#x)", p.flags)
}

// elemSpan returns the bytes at pos..pos+n relative to element i, or an error when they
// fall outside the page.
func (p page) elemSpan(i int, pos uint32, n uint64) ([]byte, error) {
	start := uint64(pageHeaderSize+i*pageElementSize) + uint64(pos)
	end := start + n
	if end > uint64(len(p.buf)) || start < uint64(pageHeaderSize+p.count*pageElementSize) {
		return nil, fmt.Errorf("element %d of page %d points outside the page", i, p.id)
	}
	return p.buf[start:end], nil
}

// checkCount fails when the element table itself does not fit in the page.
func (p page) checkCount() error {
	if pageHeaderSize+p.count*pageElementSize > len(p.buf) {
		return fmt.Errorf("page %d claims %d elements, more than fit", p.id, p.count)
	}
	return nil
}

// branchChild is one entry of a branch page.
type branchChild struct {
	key []byte
	id  uint64
}

// branchChildren decodes a branch page.
func (p page) branchChildren() ([]branchChild, error) {
	if err := p.checkCount(); err != nil {
		return nil, err
	}
	if p.count == 0 {
		return nil, fmt.Errorf("branch page %d is empty", p.id)
	}
	out := make([]branchChild, p.count)
	for i := range out {
		e := p.buf[pageHeaderSize+i*pageElementSize:]
		k, err := p.elemSpan(i, le.Uint32(e), uint64(le.Uint32(e[4:])))
		if err != nil {
			return nil, err
		}
		out[i] = branchChild{key: k, id: le.Uint64(e[8:])}
	}
	return out, nil
}

// leafElem is one entry of a leaf page.
type leafElem struct {
	key, value []byte
	subBucket  bool
}

// leafElems decodes a leaf page.
func (p page) leafElems() ([]leafElem, error) {
	if err := p.checkCount(); err != nil {
		return nil, err
	}
	out := make([]leafElem, p.count)
	for i := range out {
		e := p.buf[pageHeaderSize+i*pageElementSize:]
		flags, pos, ks, vs := le.Uint32(e), le.Uint32(e[4:]), le.Uint32(e[8:]), le.Uint32(e[12:])
		if flags&^flagSubTree != 0 {
			return nil, fmt.Errorf("element %d of page %d has unknown flags %#x", i, p.id, flags)
		}
		kv, err := p.elemSpan(i, pos, uint64(ks)+uint64(vs))
		if err != nil {
			return nil, err
		}
		out[i] = leafElem{key: kv[:ks], value: kv[ks:], subBucket: flags&flagSubTree != 0}
	}
	return out, nil
}

// freePages decodes a freelist page.
func (p page) freePages() ([]uint64, error) {
	if p.flags != flagFreelist {
		return nil, fmt.Errorf("page %d should be the free list but is a %s page", p.id, p.kind())
	}
	idx, n := 0, uint64(p.count)
	if p.count == 0xFFFF {
		if len(p.buf) < pageHeaderSize+8 {
			return nil, fmt.Errorf("free list page %d is cut short", p.id)
		}
		idx, n = 1, le.Uint64(p.buf[pageHeaderSize:])
	}
	if n > uint64(len(p.buf)/8) || pageHeaderSize+(uint64(idx)+n)*8 > uint64(len(p.buf)) {
		return nil, fmt.Errorf("free list page %d claims %d entries, more than fit", p.id, n)
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = le.Uint64(p.buf[pageHeaderSize+(idx+i)*8:])
	}
	return out, nil
}

// statFile opens path for reading and returns its size, for openStoreFile.
func statFile(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}
