package registrypolicy

import (
	"os"
	"testing"
)

// BenchmarkEvaluate measures one policy evaluation, which the Provider repeats on
// every notification and poll.
func BenchmarkEvaluate(b *testing.B) {
	s, err := LoadRegFile("testdata/done-when.reg")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = Evaluate(s)
	}
}

func BenchmarkParseRegFile(b *testing.B) {
	data, err := os.ReadFile("testdata/done-when.reg")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseRegFile("done-when.reg", data); err != nil {
			b.Fatal(err)
		}
	}
}
