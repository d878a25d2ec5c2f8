package diff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

func id(ino uint64) nsfs.ID { return nsfs.ID{Dev: 4, Ino: ino} }

// host is a small scan: the initial user namespace 1 owning net 10 and
// uts 11, a child user namespace 2 owning net 20, and PID namespace 5.
func host() *model.Model {
	m := model.New()
	m.SelfUser, m.SelfPID = id(1), id(5)
	m.ScannerPID = 900
	add := func(ns *model.Namespace) { m.Namespaces[ns.ID] = ns }
	add(&model.Namespace{ID: id(1), Type: nsfs.User, NSID: 101, CreatorUID: 0, PIDs: []int{1, 100, 900},
		UIDMap: []procfs.IDRange{{Inside: 0, Outside: 0, Count: 4294967295}}})
	add(&model.Namespace{ID: id(2), Type: nsfs.User, NSID: 102, Parent: id(1), CreatorUID: 1000, PIDs: []int{200},
		UIDMap: []procfs.IDRange{}})
	add(&model.Namespace{ID: id(5), Type: nsfs.PID, NSID: 105, Owner: id(1), PIDs: []int{1, 100, 200, 900}})
	add(&model.Namespace{ID: id(10), Type: nsfs.Net, NSID: 110, Owner: id(1), PIDs: []int{1, 100, 900},
		Holders: []model.Holder{{Kind: model.HolderBindMount, Path: "/run/netns/a", MountNS: id(3)}}})
	add(&model.Namespace{ID: id(11), Type: nsfs.UTS, NSID: 111, Owner: id(1), PIDs: []int{1, 100, 900}})
	add(&model.Namespace{ID: id(20), Type: nsfs.Net, NSID: 120, Owner: id(2), PIDs: []int{200},
		Threads: []model.Thread{{TID: 200, PID: 200}}})
	return m
}

// summary is one line per change: kind, namespace, and what differs.
func summary(changes []Change) string {
	var b strings.Builder
	for _, c := range changes {
		ns := c.Namespace()
		fmt.Fprintf(&b, "%s %s %d", c.Kind, ns.Type, ns.ID.Ino)
		if c.Because != nil {
			fmt.Fprintf(&b, " because %v", c.Because)
		}
		if !c.PIDs.Empty() {
			fmt.Fprintf(&b, " pids +%v -%v", c.PIDs.Added, c.PIDs.Removed)
		}
		if !c.Threads.Empty() {
			fmt.Fprintf(&b, " threads +%v -%v", c.Threads.Added, c.Threads.Removed)
		}
		if !c.Holders.Empty() {
			fmt.Fprintf(&b, " holders +%d -%d", len(c.Holders.Added), len(c.Holders.Removed))
		}
		if c.Fields != nil {
			fmt.Fprintf(&b, " fields %v", c.Fields)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(m *model.Model)
		opts   Options
		want   string
	}{
		{"nothing", func(*model.Model) {}, Options{}, ""},
		{"the scanner differs", func(m *model.Model) {
			m.ScannerPID = 901
			for _, ns := range m.Namespaces {
				for i, p := range ns.PIDs {
					if p == 900 {
						ns.PIDs[i] = 901
					}
				}
			}
		}, Options{}, ""},
		{"scanner kept", func(m *model.Model) {
			m.ScannerPID = 0
		}, Options{KeepScanner: true}, ""},
		{"added and removed, in tree order", func(m *model.Model) {
			delete(m.Namespaces, id(11))
			m.Namespaces[id(30)] = &model.Namespace{ID: id(30), Type: nsfs.IPC, NSID: 130, Owner: id(2), PIDs: []int{300}}
			m.Namespaces[id(2)].PIDs = []int{200, 300}
		}, Options{}, "removed uts 11 pids +[] -[1 100]\nchanged user 2 pids +[300] -[]\nadded ipc 30 pids +[300] -[]\n"},
		{"members, threads, holders", func(m *model.Model) {
			m.Namespaces[id(10)].PIDs = []int{1, 900, 150}
			m.Namespaces[id(10)].Holders = nil
			m.Namespaces[id(20)].Threads = []model.Thread{{TID: 200, PID: 200}, {TID: 201, PID: 200}}
		}, Options{}, "changed net 10 pids +[150] -[100] holders +0 -1\nchanged net 20 threads +[{201 200}] -[]\n"},
		{"maps and visibility", func(m *model.Model) {
			m.Namespaces[id(2)].UIDMap = []procfs.IDRange{{Inside: 0, Outside: 1000, Count: 1}}
			m.Namespaces[id(2)].GIDMap = []procfs.IDRange{{Inside: 0, Outside: 1000, Count: 1}} // was unknown
			m.Namespaces[id(20)].Owner = nsfs.ID{}                                              // no longer visible
		}, Options{}, "changed user 2 fields [uid_map]\nchanged net 20 fields [owner]\n"},
		{"inode reused for another type", func(m *model.Model) {
			m.Namespaces[id(11)] = &model.Namespace{ID: id(11), Type: nsfs.IPC, NSID: 140, Owner: id(1), PIDs: []int{100}}
		}, Options{}, "replaced ipc 11 because [type nsid] pids +[100] -[1 100]\n"},
		{"inode reused, same type, other nsid", func(m *model.Model) {
			m.Namespaces[id(11)].NSID = 141
		}, Options{}, "replaced uts 11 because [nsid] pids +[1 100] -[1 100]\n"},
		{"inode reused, same type, other owner", func(m *model.Model) {
			m.Namespaces[id(11)].Owner = id(2)
			m.Namespaces[id(11)].NSID = 0 // unknown: the owner alone tells
		}, Options{}, "replaced uts 11 because [owner] pids +[1 100] -[1 100]\n"},
		{"view", func(m *model.Model) {
			delete(m.Namespaces, id(11))
			m.Namespaces[id(10)].PIDs = []int{1}
		}, Options{View: model.View{Types: nsfs.NewTypeSet(nsfs.UTS)}}, "removed uts 11 pids +[] -[1 100]\n"},
		{"pid view", func(m *model.Model) {
			delete(m.Namespaces, id(11))
			m.Namespaces[id(6)] = &model.Namespace{ID: id(6), Type: nsfs.PID, Parent: id(5), Owner: id(2), PIDs: []int{300}}
		}, Options{View: model.View{Hierarchy: model.PIDHierarchy}}, "added pid 6 pids +[300] -[]\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			old, cur := host(), host()
			c.change(cur)
			got := summary(Compare(old, cur, c.opts))
			if got != c.want {
				t.Errorf("got:\n%swant:\n%s", got, c.want)
			}
			// The other way round, every addition is a removal.
			back := summary(Compare(cur, old, c.opts))
			if strings.Count(back, "added") != strings.Count(got, "removed") ||
				strings.Count(back, "removed") != strings.Count(got, "added") ||
				strings.Count(back, "replaced") != strings.Count(got, "replaced") {
				t.Errorf("reversed comparison does not mirror:\n%s", back)
			}
			if Equal(old, cur, c.opts) != (c.want == "") {
				t.Errorf("Equal disagrees with Compare")
			}
		})
	}
}

// A removed namespace is listed where it sat in the old tree: under its
// owner, among the new scan's namespaces.
func TestCompareOrder(t *testing.T) {
	old, cur := host(), host()
	delete(cur.Namespaces, id(20)) // net owned by user 2
	cur.Namespaces[id(2)].PIDs = nil
	cur.Namespaces[id(11)].PIDs = []int{1}
	got := summary(Compare(old, cur, Options{}))
	want := "changed uts 11 pids +[] -[100]\nchanged user 2 pids +[] -[200]\nremoved net 20 pids +[] -[200] threads +[] -[{200 200}]\n"
	if got != want {
		t.Errorf("got:\n%swant:\n%s", got, want)
	}
}

func TestDelta(t *testing.T) {
	d := delta([]int{1, 3, 5, 7}, []int{2, 3, 7, 8}, func(a, b int) int { return a - b })
	if fmt.Sprint(d.Added, d.Removed) != "[2 8] [1 5]" {
		t.Errorf("delta: %v", d)
	}
}
