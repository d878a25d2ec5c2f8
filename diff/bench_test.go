package diff

import (
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// bigScan is a scan of procs processes in groups sets of namespaces (one
// of each type per group), with every PID offset by shift.
func bigScan(procs, groups, shift int) *model.Model {
	m := model.New()
	for g := range groups {
		for _, t := range nsfs.AllTypes {
			id := nsfs.ID{Dev: 4, Ino: uint64(1000 + g*10 + t.Rank())}
			ns := &model.Namespace{ID: id, Type: t, NSID: id.Ino, CreatorUID: -1}
			if t != nsfs.User {
				ns.Owner = nsfs.ID{Dev: 4, Ino: uint64(1000 + g*10 + nsfs.User.Rank())}
			}
			m.Namespaces[id] = ns
		}
	}
	for pid := 1; pid <= procs; pid++ {
		g := pid % groups
		for _, t := range nsfs.AllTypes {
			ns := m.Namespaces[nsfs.ID{Dev: 4, Ino: uint64(1000 + g*10 + t.Rank())}]
			p := pid
			if pid > procs-shift {
				p += procs // these processes were replaced by new ones
			}
			ns.PIDs = append(ns.PIDs, p)
		}
	}
	m.Normalize()
	return m
}

// BenchmarkCompare compares two scans of 10,000 processes in 1,000 groups
// of namespaces, 10 processes apart: what --watch adds to each rescan.
func BenchmarkCompare(b *testing.B) {
	old, cur := bigScan(10000, 1000, 0), bigScan(10000, 1000, 10)
	b.ReportAllocs()
	for b.Loop() {
		if len(Compare(old, cur, Options{})) == 0 {
			b.Fatal("no change found")
		}
	}
}
