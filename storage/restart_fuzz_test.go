package storage

import "testing"

// FuzzDecodeBinding: a stored binding of any bytes decodes or errors, never panics, and
// a decoded one names a real pid.
func FuzzDecodeBinding(f *testing.F) {
	f.Add("a", []byte{0, 0, 0, 7}, []byte(`{"create_time":1,"bound_at":"2026-12-02T10:00:00Z"}`))
	f.Add("a", []byte{0xff, 0, 0, 0}, []byte(`{}`))
	f.Add("", []byte{1}, []byte(`nul`))
	f.Fuzz(func(t *testing.T, id string, k, v []byte) {
		b, err := decodeBinding(id, k, v)
		if err == nil && (b.PID <= 0 || b.AddinID != id) {
			t.Fatalf("decoded %+v from key %x", b, k)
		}
	})
}
