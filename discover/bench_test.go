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
	s, err := newScan(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	p := newProcess(s, 0)
	f := &found{}
	for b.Loop() {
		p.reset(s.selfPID)
		p.readLinks()
		(&processLinks{}).scanProcess(p, f)
		p.release()
		f.members = f.members[:0]
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
		m := model.New()
		r := newResolver(-1, 4, 1, m, false)
		for g := range groups {
			for _, t := range nsfs.AllTypes {
				id := nsfs.ID{Dev: 4, Ino: uint64(g*10 + t.Rank())}
				m.Namespaces[id] = &model.Namespace{ID: id, Type: t}
			}
		}
		f := &found{}
		for pid := 1; pid <= procs; pid++ {
			g := pid % groups
			for _, t := range nsfs.AllTypes {
				f.member(t, uint64(g*10+t.Rank()), pid, pid, false)
			}
		}
		b.StartTimer()
		r.take([]*found{f})
		m.Normalize()
	}
}
