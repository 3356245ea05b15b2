package registrypolicy

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// ValueType is a registry value's type (the REG_* constants).
type ValueType uint32

// Registry value types, with Windows' numbers (also the N of a .reg file's hex(N):).
const (
	TypeNone             ValueType = 0
	TypeString           ValueType = 1 // REG_SZ
	TypeExpandString     ValueType = 2 // REG_EXPAND_SZ
	TypeBinary           ValueType = 3 // REG_BINARY
	TypeDWord            ValueType = 4 // REG_DWORD (little-endian)
	TypeDWordBigEndian   ValueType = 5 // REG_DWORD_BIG_ENDIAN
	TypeLink             ValueType = 6 // REG_LINK
	TypeMultiString      ValueType = 7 // REG_MULTI_SZ
	TypeResourceList     ValueType = 8
	TypeFullResourceDesc ValueType = 9
	TypeResourceReqList  ValueType = 10
	TypeQWord            ValueType = 11 // REG_QWORD (little-endian)
)

var typeNames = map[ValueType]string{
	TypeNone: "REG_NONE", TypeString: "REG_SZ", TypeExpandString: "REG_EXPAND_SZ",
	TypeBinary: "REG_BINARY", TypeDWord: "REG_DWORD", TypeDWordBigEndian: "REG_DWORD_BIG_ENDIAN",
	TypeLink: "REG_LINK", TypeMultiString: "REG_MULTI_SZ", TypeResourceList: "REG_RESOURCE_LIST",
	TypeFullResourceDesc: "REG_FULL_RESOURCE_DESCRIPTOR", TypeResourceReqList: "REG_RESOURCE_REQUIREMENTS_LIST",
	TypeQWord: "REG_QWORD",
}

func (t ValueType) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("REG_TYPE_%d", uint32(t))
}

// Value is a registry value as the registry stores it: its type and raw data (strings
// are UTF-16LE with a terminating NUL, numbers little-endian).
type Value struct {
	Type ValueType
	Data []byte
}

// DWord makes a REG_DWORD value.
func DWord(n uint32) Value {
	return Value{Type: TypeDWord, Data: binary.LittleEndian.AppendUint32(nil, n)}
}

// QWord makes a REG_QWORD value.
func QWord(n uint64) Value {
	return Value{Type: TypeQWord, Data: binary.LittleEndian.AppendUint64(nil, n)}
}

// String makes a REG_SZ value.
func String(s string) Value { return Value{Type: TypeString, Data: encodeUTF16z(s)} }

// ExpandString makes a REG_EXPAND_SZ value.
func ExpandString(s string) Value { return Value{Type: TypeExpandString, Data: encodeUTF16z(s)} }

// MultiString makes a REG_MULTI_SZ value.
func MultiString(ss []string) Value {
	var b []byte
	for _, s := range ss {
		b = append(b, encodeUTF16z(s)...)
	}
	return Value{Type: TypeMultiString, Data: append(b, 0, 0)}
}

// Binary makes a REG_BINARY value.
func Binary(b []byte) Value { return Value{Type: TypeBinary, Data: append([]byte(nil), b...)} }

// Integer returns a REG_DWORD, REG_DWORD_BIG_ENDIAN or REG_QWORD value's number.
func (v Value) Integer() (uint64, error) {
	switch v.Type {
	case TypeDWord:
		if len(v.Data) != 4 {
			return 0, fmt.Errorf("malformed REG_DWORD: %d bytes of data, want 4", len(v.Data))
		}
		return uint64(binary.LittleEndian.Uint32(v.Data)), nil
	case TypeDWordBigEndian:
		if len(v.Data) != 4 {
			return 0, fmt.Errorf("malformed REG_DWORD_BIG_ENDIAN: %d bytes of data, want 4", len(v.Data))
		}
		return uint64(binary.BigEndian.Uint32(v.Data)), nil
	case TypeQWord:
		if len(v.Data) != 8 {
			return 0, fmt.Errorf("malformed REG_QWORD: %d bytes of data, want 8", len(v.Data))
		}
		return binary.LittleEndian.Uint64(v.Data), nil
	}
	return 0, fmt.Errorf("%s is not a number", v.Type)
}

// Text returns a REG_SZ or REG_EXPAND_SZ value's string (environment variables are not
// expanded).
func (v Value) Text() (string, error) {
	if v.Type != TypeString && v.Type != TypeExpandString {
		return "", fmt.Errorf("%s is not a string", v.Type)
	}
	s := decodeUTF16(v.Data)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return s, nil
}

// Strings returns a REG_MULTI_SZ value's strings.
func (v Value) Strings() ([]string, error) {
	if v.Type != TypeMultiString {
		return nil, fmt.Errorf("%s is not a multi-string", v.Type)
	}
	s := strings.TrimRight(decodeUTF16(v.Data), "\x00")
	if s == "" {
		return []string{}, nil
	}
	return strings.Split(s, "\x00"), nil
}

// Display renders the value for messages: numbers in decimal, strings quoted, other
// data as hex.
func (v Value) Display() string {
	switch v.Type {
	case TypeDWord, TypeDWordBigEndian, TypeQWord:
		if n, err := v.Integer(); err == nil {
			return fmt.Sprintf("%d", n)
		}
	case TypeString, TypeExpandString:
		s, _ := v.Text()
		return fmt.Sprintf("%q", s)
	case TypeMultiString:
		ss, _ := v.Strings()
		return fmt.Sprintf("%q", ss)
	}
	const limit = 32
	if len(v.Data) > limit {
		return fmt.Sprintf("%x…", v.Data[:limit])
	}
	return fmt.Sprintf("%x", v.Data)
}

func encodeUTF16z(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return append(b, 0, 0)
}

// decodeUTF16 decodes UTF-16LE; an odd trailing byte is dropped.
func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
