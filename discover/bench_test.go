package discover

import (
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// BenchmarkScan measures full scans of this host in each mode.
func BenchmarkScan(b *testing.B) {
	modes := []struct {
		name string
		opts Options
	}{
		{"default", Options{Maps: true}},
		{"deep", Options{Maps: true, Deep: true}},
		{"tasks", Options{Maps: true, Tasks: true}},
		{"json-details", Options{Maps: true, Status: true}},
	}
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Scan(mode.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadLinks measures the hot path of a default scan: reading the
// namespace links of one process through its ns dirfd.
func BenchmarkReadLinks(b *testing.B) {
	s, err := newScanner(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	p := &proc{s: s, b: newBatch(), nsDir: -1, pidfd: -1}
	for b.Loop() {
		p.reset(s.selfPID)
		processLinks{}.scanProcess(p)
		p.release()
		p.b.members = p.b.members[:0]
	}
}

// BenchmarkModelBuild measures merging the sightings of 10,000 processes in
// 1,000 namespace groups into a model whose namespaces are already resolved:
// the part of a scan that grows with the process count once namespaces are
// known.
func BenchmarkModelBuild(b *testing.B) {
	const procs, groups = 10000, 1000
	for b.Loop() {
		b.StopTimer()
		s := &scanner{m: model.New(), nsfsDev: 4}
		s.reg = newRegistry(s)
		for g := range groups {
			for _, t := range nsfs.AllTypes {
				id := nsfs.ID{Dev: 4, Ino: uint64(g*10 + t.Rank())}
				s.m.Namespaces[id] = &model.Namespace{ID: id, Type: t}
			}
		}
		bt := newBatch()
		for pid := 1; pid <= procs; pid++ {
			g := pid % groups
			for _, t := range nsfs.AllTypes {
				bt.addMember(t, uint64(g*10+t.Rank()), pid, 0)
			}
		}
		s.reg.add(bt)
		b.StartTimer()
		s.reg.finish()
		s.m.Normalize()
	}
}
