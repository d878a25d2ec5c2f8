package watch

import (
	"testing"

	"github.com/namespaces-of/namespaces_of/diff"
	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/model"
)

// BenchmarkRescan measures one rescan of this host as --watch makes it (a
// scan with command names, then the comparison with the scan before),
// against the scan alone.
func BenchmarkRescan(b *testing.B) {
	opts := discover.Options{Maps: true, Comm: true}
	scan := func() *model.Model {
		m, err := discover.Scan(opts)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			scan()
		}
	})
	b.Run("scan+compare", func(b *testing.B) {
		prev := scan()
		for b.Loop() {
			cur := scan()
			diff.Compare(prev, cur, diff.Options{})
			prev = cur
		}
	})
}
