package registrypolicy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// decodeRegText turns a .reg file's bytes into text. regedit exports UTF-16LE with a
// BOM; hand-written files are usually UTF-8; REGEDIT4 files are ANSI (read as
// Windows-1252 when they are not valid UTF-8).
func decodeRegText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return utf16Text(data[2:], binary.LittleEndian)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return utf16Text(data[2:], binary.BigEndian)
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case len(data) >= 2 && data[0] != 0 && data[1] == 0:
		// UTF-16LE without a BOM: the header's first letter followed by a zero byte.
		return utf16Text(data, binary.LittleEndian)
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	return ansiToString(data), nil
}

func utf16Text(b []byte, order binary.ByteOrder) (string, error) {
	if len(b)%2 != 0 {
		return "", fmt.Errorf("UTF-16 text with an odd number of bytes: the file is truncated; export it again")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = order.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}

// ansiToString decodes Windows-1252, the ANSI code page REGEDIT4 files are written in
// on Western systems.
func ansiToString(b []byte) string {
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		// Windows-1252 decoding maps every byte; this is unreachable, but never lose data.
		return string(b)
	}
	return string(s)
}

// encodeUTF16 encodes s as UTF-16LE without adding a terminator (s carries its own, as
// hex(2) and hex(7) data do).
func encodeUTF16(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

// splitLines splits text on CRLF, LF or CR.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Split(text, "\n")
}
