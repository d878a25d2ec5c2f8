package model_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

func inodes(list []*model.Namespace) []uint64 {
	var out []uint64
	for _, ns := range list {
		out = append(out, ns.ID.Ino)
	}
	return out
}

func TestSelect(t *testing.T) {
	m := hostModel()
	add(m, nsfs.Net, 5, 0, 0) // owner not visible: under the pseudo node
	sel := m.Select(model.View{Types: nsfs.NewTypeSet(nsfs.Net, nsfs.PID)})

	if got, want := render(t, m, sel.Forest), forest(t, m, model.View{Types: nsfs.NewTypeSet(nsfs.Net, nsfs.PID)}); got != want {
		t.Errorf("Forest:\n%s\nwant Model.Forest:\n%s", got, want)
	}
	// Display order: depth first, the pseudo node's namespaces last.
	if got, want := inodes(sel.Namespaces), []uint64{100, 20, 50, 35, 200, 250, 260, 300, 330, 340, 310, 5}; !reflect.DeepEqual(got, want) {
		t.Errorf("Namespaces = %v, want %v", got, want)
	}
	if got, want := inodes(model.Flatten(sel.Forest)), inodes(sel.Namespaces); !reflect.DeepEqual(got, want) {
		t.Errorf("Flatten = %v, want %v", got, want)
	}
	if got, want := inodes(sel.ByID()), []uint64{5, 20, 35, 50, 100, 200, 250, 260, 300, 310, 330, 340}; !reflect.DeepEqual(got, want) {
		t.Errorf("ByID = %v, want %v", got, want)
	}
	if got := inodes(sel.Namespaces); got[0] != 100 {
		t.Errorf("ByID reordered Namespaces: %v", got)
	}
	for ino, want := range map[uint64]bool{100: true, 20: true, 5: true, 10: false, 240: false, 999: false, 0: false} {
		if got := sel.Shows(id(ino)); got != want {
			t.Errorf("Shows(%d) = %v, want %v", ino, got, want)
		}
	}
	// Descendants within the selection, in sibling order: uts 10 and the
	// others the view hides are left out; PID children through Parent.
	for ino, want := range map[uint64][]uint64{
		100: {20, 50, 35, 200, 300},
		200: {250, 260},
		35:  {260, 330},
		260: {340},
		300: {330, 340, 310},
		20:  nil,
		10:  nil, // not shown
	} {
		if got := inodes(sel.Descendants(id(ino))); !reflect.DeepEqual(got, want) {
			t.Errorf("Selection.Descendants(%d) = %v, want %v", ino, got, want)
		}
	}
	if got := m.Select(model.View{Subtree: id(12345)}); len(got.Forest) != 0 || len(got.Namespaces) != 0 || len(got.ByID()) != 0 {
		t.Errorf("Select of a missing subtree = %+v, want nothing", got)
	}
}

func TestOwningUser(t *testing.T) {
	m := hostModel()
	for ino, want := range map[uint64]uint64{100: 0, 200: 100, 310: 300, 20: 100, 260: 200, 340: 300} {
		if got := m.Namespaces[id(ino)].OwningUser(); got != id(want) {
			t.Errorf("OwningUser of %d = %v, want %d", ino, got, want)
		}
	}
}

func TestOwnerHidden(t *testing.T) {
	m := hostModel()
	hidden := add(m, nsfs.Net, 5, 0, 0)
	for ns, want := range map[*model.Namespace]bool{hidden: true, m.Namespaces[id(20)]: false, m.Namespaces[id(100)]: false, m.Namespaces[id(35)]: false} {
		if got := ns.OwnerHidden(); got != want {
			t.Errorf("OwnerHidden of %v %d = %v, want %v", ns.Type, ns.ID.Ino, got, want)
		}
	}
}

func TestDescendantHolders(t *testing.T) {
	m := hostModel()
	// user 300 has no members: its PID and user descendants keep it.
	want := []model.Holder{
		{Kind: model.HolderDescendant, Of: id(330)},
		{Kind: model.HolderDescendant, Of: id(340)},
		{Kind: model.HolderDescendant, Of: id(310)},
	}
	if got := slices.Collect(m.DescendantHolders(m.Namespaces[id(300)])); !reflect.DeepEqual(got, want) {
		t.Errorf("DescendantHolders(300) = %+v, want %+v", got, want)
	}
	if got := slices.Collect(m.DescendantHolders(m.Namespaces[id(310)])); got != nil {
		t.Errorf("DescendantHolders of a leaf = %+v, want nil", got)
	}
	// Anything else that keeps it alive comes first, and alone.
	for name, edit := range map[string]func(ns *model.Namespace){
		"member":  func(ns *model.Namespace) { ns.PIDs = []int{1} },
		"thread":  func(ns *model.Namespace) { ns.Threads = []model.Thread{{TID: 2, PID: 1}} },
		"holders": func(ns *model.Namespace) { ns.Holders = []model.Holder{{Kind: model.HolderFD, PID: 1, FD: 3}} },
	} {
		m := hostModel()
		edit(m.Namespaces[id(300)])
		if got := slices.Collect(m.DescendantHolders(m.Namespaces[id(300)])); got != nil {
			t.Errorf("with a %s: DescendantHolders = %+v, want nil", name, got)
		}
	}
}

func TestCountHolders(t *testing.T) {
	got := model.CountHolders([]model.Holder{
		{Kind: model.HolderBindMount, Path: "/a"},
		{Kind: model.HolderFD, PID: 1, FD: 3},
		{Kind: model.HolderBindMount, Path: "/b"},
		{Kind: model.HolderSocket, PID: 1, FD: 4},
		{Kind: model.HolderFD, PID: 2, FD: 3},
		{Kind: model.HolderFD, PID: 2, FD: 4},
	})
	want := []model.HolderCount{{model.HolderBindMount, 2}, {model.HolderFD, 3}, {model.HolderSocket, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CountHolders = %+v, want %+v", got, want)
	}
	if got := model.CountHolders(nil); got != nil {
		t.Errorf("CountHolders(nil) = %+v", got)
	}
}
