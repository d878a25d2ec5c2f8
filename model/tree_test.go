package model_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// id is the identity of a namespace with inode ino on the nsfs device.
func id(ino uint64) nsfs.ID {
	if ino == 0 {
		return nsfs.ID{}
	}
	return nsfs.ID{Dev: 4, Ino: ino}
}

// add puts a namespace into m; parent and owner are inodes, 0 for none.
func add(m *model.Model, typ nsfs.Type, ino, parent, owner uint64) *model.Namespace {
	ns := &model.Namespace{ID: id(ino), Type: typ, Parent: id(parent), Owner: id(owner), CreatorUID: -1}
	m.Namespaces[ns.ID] = ns
	return ns
}

// hostModel is a host with nested user and PID namespaces:
//
//	user 100 (initial) owns cgroup 40, ipc 60, mnt 30, net 20, net 50,
//	                        pid 35, time 70, uts 10
//	  user 200 owns net 250, uts 240, pid 260 (PID child of 35)
//	  user 300 owns pid 330 (PID child of 35), pid 340 (PID child of 260)
//	    user 310
//
// Inodes are chosen so that neither inode order nor CLONE_NEW* flag order
// is the type order the tree must use.
func hostModel() *model.Model {
	m := model.New()
	add(m, nsfs.User, 100, 0, 0)
	add(m, nsfs.User, 300, 100, 0)
	add(m, nsfs.User, 200, 100, 0)
	add(m, nsfs.User, 310, 300, 0)
	add(m, nsfs.Net, 50, 0, 100)
	add(m, nsfs.Net, 20, 0, 100)
	add(m, nsfs.UTS, 10, 0, 100)
	add(m, nsfs.Mount, 30, 0, 100)
	add(m, nsfs.Cgroup, 40, 0, 100)
	add(m, nsfs.PID, 35, 0, 100)
	add(m, nsfs.IPC, 60, 0, 100)
	add(m, nsfs.Time, 70, 0, 100)
	add(m, nsfs.UTS, 240, 0, 200)
	add(m, nsfs.Net, 250, 0, 200)
	add(m, nsfs.PID, 260, 35, 200)
	add(m, nsfs.PID, 340, 260, 300)
	add(m, nsfs.PID, 330, 35, 300)
	m.SelfUser, m.SelfPID = id(100), id(35)
	return m
}

// render flattens a forest into one line per node, two spaces of indent
// per level, after checking that every node is well formed.
func render(t *testing.T, m *model.Model, forest []*model.Node) string {
	t.Helper()
	var b strings.Builder
	var walk func(n *model.Node, depth int)
	walk = func(n *model.Node, depth int) {
		indent := strings.Repeat("  ", depth)
		if n.Invisible {
			if n.NS != nil {
				t.Errorf("pseudo node has NS %v", n.NS.ID)
			}
			if depth != 0 {
				t.Errorf("pseudo node at depth %d", depth)
			}
			b.WriteString(indent + "[invisible]\n")
		} else {
			if n.NS == nil {
				t.Fatalf("node without a namespace and not Invisible")
			}
			if m.Namespaces[n.NS.ID] != n.NS {
				t.Errorf("node %v does not point at the model's namespace", n.NS.ID)
			}
			mark := ""
			if n.Context {
				mark = " (context)"
			}
			fmt.Fprintf(&b, "%s%v %d%s\n", indent, n.NS.Type, n.NS.ID.Ino, mark)
		}
		for _, kid := range n.Children {
			walk(kid, depth+1)
		}
	}
	for _, n := range forest {
		walk(n, 0)
	}
	return b.String()
}

// forest renders m.Forest(v), checking that repeated calls agree: the model
// is a map, so an order that depends on iteration shows up as a difference.
func forest(t *testing.T, m *model.Model, v model.View) string {
	t.Helper()
	first := render(t, m, m.Forest(v))
	for range 20 {
		if again := render(t, m, m.Forest(v)); again != first {
			t.Fatalf("Forest(%+v) is not deterministic:\n%s\nthen:\n%s", v, first, again)
		}
	}
	return first
}

func lines(s ...string) string { return strings.Join(s, "\n") + "\n" }

func checkForest(t *testing.T, m *model.Model, v model.View, want string) {
	t.Helper()
	if got := forest(t, m, v); got != want {
		t.Errorf("Forest(%+v):\n%s\nwant:\n%s", v, got, want)
	}
}

func TestForestUserHierarchyOrder(t *testing.T) {
	checkForest(t, hostModel(), model.View{}, lines(
		"user 100",
		"  cgroup 40",
		"  ipc 60",
		"  mnt 30",
		"  net 20",
		"  net 50",
		"  pid 35",
		"  time 70",
		"  uts 10",
		"  user 200",
		"    net 250",
		"    pid 260",
		"    uts 240",
		"  user 300",
		"    pid 330",
		"    pid 340",
		"    user 310",
	))
}

func TestForestSiblingsSameInodeOrderedByDevice(t *testing.T) {
	m := model.New()
	add(m, nsfs.User, 1, 0, 0)
	for _, dev := range []uint64{9, 3, 5} {
		ns := &model.Namespace{ID: nsfs.ID{Dev: dev, Ino: 7}, Type: nsfs.Net, Owner: id(1)}
		m.Namespaces[ns.ID] = ns
	}
	kids := m.Forest(model.View{})[0].Children
	var devs []uint64
	for _, k := range kids {
		devs = append(devs, k.NS.ID.Dev)
	}
	if !reflect.DeepEqual(devs, []uint64{3, 5, 9}) {
		t.Errorf("siblings with equal inodes in device order %v, want [3 5 9]", devs)
	}
}

func TestForestSelfTreeFirst(t *testing.T) {
	m := model.New()
	add(m, nsfs.User, 10, 0, 0)
	add(m, nsfs.User, 20, 0, 0)
	add(m, nsfs.User, 25, 20, 0)
	add(m, nsfs.User, 30, 0, 0)
	add(m, nsfs.User, 35, 30, 0)
	add(m, nsfs.User, 36, 35, 0)
	tests := []struct {
		self uint64
		want string
	}{
		{0, lines("user 10", "user 20", "  user 25", "user 30", "  user 35", "    user 36")},
		{36, lines("user 30", "  user 35", "    user 36", "user 10", "user 20", "  user 25")},
		{35, lines("user 30", "  user 35", "    user 36", "user 10", "user 20", "  user 25")},
		{20, lines("user 20", "  user 25", "user 10", "user 30", "  user 35", "    user 36")},
		{25, lines("user 20", "  user 25", "user 10", "user 30", "  user 35", "    user 36")},
		{10, lines("user 10", "user 20", "  user 25", "user 30", "  user 35", "    user 36")},
		{999, lines("user 10", "user 20", "  user 25", "user 30", "  user 35", "    user 36")}, // not in the model
	}
	for _, tt := range tests {
		m.SelfUser = id(tt.self)
		// SelfPID must not affect the user hierarchy.
		m.SelfPID = id(30)
		if got := forest(t, m, model.View{}); got != tt.want {
			t.Errorf("SelfUser %d: Forest:\n%s\nwant:\n%s", tt.self, got, tt.want)
		}
	}
}

// invisibleModel is a scan from inside a user namespace: namespaces owned
// by an ancestor of the scanner's user namespace have a zero Owner.
func invisibleModel() *model.Model {
	m := model.New()
	add(m, nsfs.User, 100, 0, 0)
	add(m, nsfs.Net, 110, 0, 100)
	add(m, nsfs.User, 50, 0, 0)
	add(m, nsfs.Net, 5, 0, 0)
	add(m, nsfs.UTS, 3, 0, 0)
	add(m, nsfs.Net, 2, 0, 0)
	add(m, nsfs.Mount, 9, 0, 0)
	add(m, nsfs.PID, 7, 0, 0)
	add(m, nsfs.PID, 8, 7, 100)
	m.SelfUser, m.SelfPID = id(100), id(8)
	return m
}

func TestForestInvisibleAncestorLast(t *testing.T) {
	checkForest(t, invisibleModel(), model.View{}, lines(
		"user 100",
		"  net 110",
		"  pid 8",
		"user 50",
		"[invisible]",
		"  mnt 9",
		"  net 2",
		"  net 5",
		"  pid 7",
		"  uts 3",
	))
}

func TestForestInvisibleAncestorOmitted(t *testing.T) {
	// Nothing invisible: no pseudo node.
	for _, f := range [][]*model.Node{hostModel().Forest(model.View{}), model.New().Forest(model.View{})} {
		for _, n := range f {
			if n.Invisible {
				t.Errorf("pseudo node in a forest with no invisible owners")
			}
		}
	}
	if f := model.New().Forest(model.View{}); len(f) != 0 {
		t.Errorf("Forest of an empty model has %d trees", len(f))
	}
	m := invisibleModel()
	// Every namespace under the pseudo node filtered out: no pseudo node.
	checkForest(t, m, model.View{Types: nsfs.NewTypeSet(nsfs.IPC)}, lines("user 100", "user 50"))
	checkForest(t, m, model.View{Types: nsfs.NewTypeSet(nsfs.User)}, lines("user 100", "user 50"))
	// Some kept: the pseudo node holds just those.
	checkForest(t, m, model.View{Types: nsfs.NewTypeSet(nsfs.UTS, nsfs.IPC)}, lines("user 100", "user 50", "[invisible]", "  uts 3"))
	// The PID hierarchy has no owners, so no pseudo node.
	checkForest(t, m, model.View{Hierarchy: model.PIDHierarchy}, lines("pid 7", "  pid 8"))
	// Nor does a subtree.
	checkForest(t, m, model.View{Subtree: id(100)}, lines("user 100", "  net 110", "  pid 8"))
}

func TestForestPIDHierarchy(t *testing.T) {
	m := hostModel()
	add(m, nsfs.PID, 80, 999, 100) // parent not in the model: a root
	add(m, nsfs.PID, 85, 80, 0)
	want := lines(
		"pid 35",
		"  pid 260",
		"    pid 340",
		"  pid 330",
		"pid 80",
		"  pid 85",
	)
	checkForest(t, m, model.View{Hierarchy: model.PIDHierarchy}, want)
	// Types only apply to the user hierarchy.
	checkForest(t, m, model.View{Hierarchy: model.PIDHierarchy, Types: nsfs.NewTypeSet(nsfs.Net)}, want)
	// The tree holding SelfPID comes first; SelfUser does not matter.
	m.SelfPID, m.SelfUser = id(85), id(100)
	checkForest(t, m, model.View{Hierarchy: model.PIDHierarchy}, lines(
		"pid 80",
		"  pid 85",
		"pid 35",
		"  pid 260",
		"    pid 340",
		"  pid 330",
	))
}

func TestForestTypes(t *testing.T) {
	m := hostModel()
	checkForest(t, m, model.View{Types: nsfs.NewTypeSet(nsfs.Net)}, lines(
		"user 100",
		"  net 20",
		"  net 50",
		"  user 200",
		"    net 250",
		"  user 300",
		"    user 310",
	))
	checkForest(t, m, model.View{Types: nsfs.NewTypeSet(nsfs.UTS, nsfs.PID)}, lines(
		"user 100",
		"  pid 35",
		"  uts 10",
		"  user 200",
		"    pid 260",
		"    uts 240",
		"  user 300",
		"    pid 330",
		"    pid 340",
		"    user 310",
	))
	// User namespaces are always shown: --namespaces=user is the bare
	// user-namespace tree.
	checkForest(t, m, model.View{Types: nsfs.NewTypeSet(nsfs.User)}, lines(
		"user 100",
		"  user 200",
		"  user 300",
		"    user 310",
	))
	// Zero and the full set both mean everything.
	if all, none := forest(t, m, model.View{Types: nsfs.AllTypeSet}), forest(t, m, model.View{}); all != none {
		t.Errorf("Types=all:\n%s\ndiffers from Types=0:\n%s", all, none)
	}
}

func TestForestSubtree(t *testing.T) {
	m := hostModel()
	checkForest(t, m, model.View{Subtree: id(300)}, lines(
		"user 300",
		"  pid 330",
		"  pid 340",
		"  user 310",
	))
	checkForest(t, m, model.View{Subtree: id(200), Types: nsfs.NewTypeSet(nsfs.UTS)}, lines(
		"user 200",
		"  uts 240",
	))
	checkForest(t, m, model.View{Subtree: id(310)}, lines("user 310"))
	checkForest(t, m, model.View{Hierarchy: model.PIDHierarchy, Subtree: id(260)}, lines(
		"pid 260",
		"  pid 340",
	))
	for _, v := range []model.View{
		{Subtree: id(12345)},                                // not in the model
		{Subtree: nsfs.ID{Dev: 5, Ino: 300}},                // right inode, wrong device
		{Hierarchy: model.PIDHierarchy, Subtree: id(300)},   // a user namespace in the PID tree
		{Subtree: id(20), Types: nsfs.NewTypeSet(nsfs.UTS)}, // a type the view hides
	} {
		if f := m.Forest(v); len(f) != 0 {
			t.Errorf("Forest(%+v) = %d trees, want none:\n%s", v, len(f), render(t, m, f))
		}
	}
}

func TestForestMissingParentIsRoot(t *testing.T) {
	m := model.New()
	add(m, nsfs.User, 100, 0, 0)
	add(m, nsfs.User, 500, 400, 0) // parent 400 is not in the model
	add(m, nsfs.Net, 510, 0, 500)
	add(m, nsfs.User, 505, 500, 0)
	add(m, nsfs.Net, 520, 0, 777) // owner 777 is not in the model
	m.SelfUser = id(100)
	checkForest(t, m, model.View{}, lines(
		"user 100",
		"user 500",
		"  net 510",
		"  user 505",
		"net 520",
	))
	m.SelfUser = id(505)
	checkForest(t, m, model.View{}, lines(
		"user 500",
		"  net 510",
		"  user 505",
		"user 100",
		"net 520",
	))
}

func TestDescendants(t *testing.T) {
	m := hostModel()
	tests := []struct {
		of   uint64
		want []uint64
	}{
		// Owned namespaces by type then inode, then child user namespaces;
		// grandchildren are not included.
		{100, []uint64{40, 60, 30, 20, 50, 35, 70, 10, 200, 300}},
		{200, []uint64{250, 260, 240}},
		{300, []uint64{330, 340, 310}},
		// PID children through Parent.
		{35, []uint64{260, 330}},
		{260, []uint64{340}},
		{310, nil},
		{20, nil},
		{999, nil},
	}
	for _, tt := range tests {
		var got []uint64
		for _, ns := range m.Descendants(id(tt.of)) {
			if m.Namespaces[ns.ID] != ns {
				t.Errorf("Descendants(%d) returned %v, not the model's namespace", tt.of, ns.ID)
			}
			got = append(got, ns.ID.Ino)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Descendants(%d) = %v, want %v", tt.of, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	m := model.New()
	a := add(m, nsfs.Net, 1, 0, 0)
	a.PIDs = []int{5, 3, 5, 1, 3, 3}
	a.Threads = []model.Thread{{TID: 12, PID: 10}, {TID: 10, PID: 10}, {TID: 12, PID: 10}, {TID: 11, PID: 10}}
	mnt := id(4026531832)
	a.Holders = []model.Holder{
		{Kind: model.HolderFD, PID: 7, FD: 9},
		{Kind: model.HolderBindMount, Path: "/run/netns/b", MountNS: mnt},
		{Kind: model.HolderFD, PID: 7, FD: 3},
		{Kind: model.HolderBindMount, Path: "/run/netns/a", MountNS: mnt},
		{Kind: model.HolderFD, PID: 2, FD: 9},
		{Kind: model.HolderFD, PID: 7, FD: 9},
		{Kind: model.HolderDescendant, Of: id(30)},
		{Kind: model.HolderBindMount, Path: "/run/netns/a", MountNS: mnt},
		{Kind: model.HolderDescendant, Of: id(20)},
		{Kind: model.HolderBindMount, Path: "/run/netns/a", MountNS: id(4026532000)},
	}
	b := add(m, nsfs.UTS, 2, 0, 0) // empty lists stay empty
	m.Skipped = []model.Skip{{PID: 9, Reason: "EACCES"}, {PID: 1, Reason: "EACCES"}, {PID: 4, Reason: "EPERM"}}

	m.Normalize()

	if want := []int{1, 3, 5}; !reflect.DeepEqual(a.PIDs, want) {
		t.Errorf("PIDs = %v, want %v", a.PIDs, want)
	}
	if want := []model.Thread{{10, 10}, {11, 10}, {12, 10}}; !reflect.DeepEqual(a.Threads, want) {
		t.Errorf("Threads = %v, want %v", a.Threads, want)
	}
	wantHolders := []model.Holder{
		{Kind: model.HolderBindMount, Path: "/run/netns/a", MountNS: mnt},
		{Kind: model.HolderBindMount, Path: "/run/netns/b", MountNS: mnt},
		{Kind: model.HolderBindMount, Path: "/run/netns/a", MountNS: id(4026532000)},
		{Kind: model.HolderDescendant, Of: id(20)},
		{Kind: model.HolderDescendant, Of: id(30)},
		{Kind: model.HolderFD, PID: 2, FD: 9},
		{Kind: model.HolderFD, PID: 7, FD: 3},
		{Kind: model.HolderFD, PID: 7, FD: 9},
	}
	if !reflect.DeepEqual(a.Holders, wantHolders) {
		t.Errorf("Holders =\n%+v\nwant\n%+v", a.Holders, wantHolders)
	}
	if len(b.PIDs) != 0 || len(b.Threads) != 0 || len(b.Holders) != 0 {
		t.Errorf("empty namespace gained members: %+v", b)
	}
	if want := []model.Skip{{1, "EACCES"}, {4, "EPERM"}, {9, "EACCES"}}; !reflect.DeepEqual(m.Skipped, want) {
		t.Errorf("Skipped = %v, want %v", m.Skipped, want)
	}

	// Normalizing is idempotent.
	before := fmt.Sprintf("%+v %+v %+v", a.PIDs, a.Threads, a.Holders)
	m.Normalize()
	if after := fmt.Sprintf("%+v %+v %+v", a.PIDs, a.Threads, a.Holders); after != before {
		t.Errorf("second Normalize changed %s to %s", before, after)
	}
}

// A display filter keeps what it selects and, as context, the ancestors of
// what it selects; everything else goes, in either hierarchy.
func TestForestMatch(t *testing.T) {
	pick := func(inos ...uint64) func(*model.Namespace) bool {
		return func(ns *model.Namespace) bool {
			for _, ino := range inos {
				if ns.ID.Ino == ino {
					return true
				}
			}
			return false
		}
	}
	checkForest(t, hostModel(), model.View{Match: pick(250, 310, 20)}, lines(
		"user 100 (context)",
		"  net 20",
		"  user 200 (context)",
		"    net 250",
		"  user 300 (context)",
		"    user 310",
	))
	checkForest(t, hostModel(), model.View{Hierarchy: model.PIDHierarchy, Match: pick(340, 35)}, lines(
		"pid 35",
		"  pid 260 (context)",
		"    pid 340",
	))
	checkForest(t, hostModel(), model.View{Subtree: id(200), Match: pick(240)}, lines(
		"user 200 (context)",
		"  uts 240",
	))
	checkForest(t, hostModel(), model.View{Match: pick()}, "")
}
