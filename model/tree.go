package model

import (
	"slices"
	"sort"

	"github.com/namespaces-of/namespaces_of/nsfs"
)

// Hierarchy selects which nesting a tree shows.
type Hierarchy int

const (
	// UserHierarchy: user namespaces nest under their parents, and every
	// other namespace sits under its owning user namespace.
	UserHierarchy Hierarchy = iota
	// PIDHierarchy: PID namespaces under their parents, nothing else.
	PIDHierarchy
)

// View selects what part of the model a renderer shows.
type View struct {
	Hierarchy Hierarchy
	// Types are the non-user types shown in the user hierarchy; user
	// namespaces are always shown. Zero means all types.
	Types nsfs.TypeSet
	// Subtree, when set, limits the view to the subtree rooted at this
	// user (or PID) namespace.
	Subtree nsfs.ID
	// Match, when set, selects namespaces (a display filter such as
	// --filter, --type, --persistent): a namespace it rejects is left out
	// unless a selected namespace lies below it in the tree; then it stays,
	// as context, in a Node marked Context.
	Match func(*Namespace) bool
}

// Whole reports whether the view shows all of its hierarchy: every type,
// no subtree, no Match. (A View holds a func, so it cannot be compared
// with ==.)
func (v View) Whole() bool {
	return v.Types == 0 && v.Subtree.IsZero() && v.Match == nil
}

// Shows reports whether the view includes namespaces of type t.
func (v View) Shows(t nsfs.Type) bool {
	if v.Hierarchy == PIDHierarchy {
		return t == nsfs.PID
	}
	return t == nsfs.User || v.Types == 0 || v.Types.Has(t)
}

// Node is one namespace in a tree, with its children in display order.
// The pseudo node that gathers namespaces whose owning user namespace is not
// visible has a nil NS and Invisible set.
type Node struct {
	NS        *Namespace
	Invisible bool
	// Context marks a namespace the view's Match rejected, kept because a
	// selected namespace lies below it.
	Context  bool
	Children []*Node
}

// Forest returns the view's trees in display order:
//   - the tree containing the scanner's own namespace first, then other
//     topmost visible namespaces by inode;
//   - under a user namespace, the namespaces it owns, by type (cgroup, ipc,
//     mnt, net, pid, time, uts) then inode, then its child user namespaces
//     by inode; under a PID namespace, its children by inode;
//   - last, in the user hierarchy, the "invisible ancestor" pseudo node
//     holding namespaces whose owner is not visible (omitted when empty).
//
// With [View.Subtree] set, the single tree rooted there is returned, or nothing
// if that namespace is not in the model.
func (m *Model) Forest(v View) []*Node {
	children := map[nsfs.ID][]*Namespace{}
	var roots, orphans []*Namespace
	for _, ns := range m.Namespaces {
		if !v.Shows(ns.Type) {
			continue
		}
		up := ns.Parent
		if v.Hierarchy == UserHierarchy {
			if ns.OwnerHidden() {
				orphans = append(orphans, ns)
				continue
			}
			up = ns.OwningUser()
		}
		if _, known := m.Namespaces[up]; up.IsZero() || !known {
			roots = append(roots, ns)
			continue
		}
		children[up] = append(children[up], ns)
	}
	var build func(ns *Namespace) *Node
	build = func(ns *Namespace) *Node {
		kids := children[ns.ID]
		sortSiblings(kids)
		n := &Node{NS: ns}
		for _, kid := range kids {
			n.Children = append(n.Children, build(kid))
		}
		return n
	}
	if !v.Subtree.IsZero() {
		ns, ok := m.Namespaces[v.Subtree]
		if !ok || !v.Shows(ns.Type) {
			return nil
		}
		return v.prune([]*Node{build(ns)})
	}
	selfRoot := m.rootOf(m.SelfUser)
	if v.Hierarchy == PIDHierarchy {
		selfRoot = m.rootOf(m.SelfPID)
	}
	sort.Slice(roots, func(i, j int) bool {
		if (roots[i].ID == selfRoot) != (roots[j].ID == selfRoot) {
			return roots[i].ID == selfRoot
		}
		return roots[i].ID.Less(roots[j].ID)
	})
	var forest []*Node
	for _, r := range roots {
		forest = append(forest, build(r))
	}
	if len(orphans) > 0 {
		sortSiblings(orphans)
		pseudo := &Node{Invisible: true}
		for _, o := range orphans {
			pseudo.Children = append(pseudo.Children, build(o))
		}
		forest = append(forest, pseudo)
	}
	return v.prune(forest)
}

// prune applies v.Match: it drops the nodes with nothing selected at or
// below them and marks the rejected ones that stay as context.
func (v View) prune(nodes []*Node) []*Node {
	if v.Match == nil {
		return nodes
	}
	kept := nodes[:0]
	for _, n := range nodes {
		n.Children = v.prune(n.Children)
		selected := n.NS != nil && v.Match(n.NS)
		if !selected && len(n.Children) == 0 {
			continue
		}
		n.Context = n.NS != nil && !selected
		kept = append(kept, n)
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// rootOf follows parents from id to the topmost namespace in the model.
func (m *Model) rootOf(id nsfs.ID) nsfs.ID {
	for seen := 0; seen < len(m.Namespaces); seen++ {
		ns, ok := m.Namespaces[id]
		if !ok || ns.Parent.IsZero() {
			return id
		}
		if _, ok := m.Namespaces[ns.Parent]; !ok {
			return id
		}
		id = ns.Parent
	}
	return id
}

// sortSiblings puts non-user namespaces first by type then inode, then user
// namespaces by inode.
func sortSiblings(list []*Namespace) {
	slices.SortFunc(list, func(a, b *Namespace) int {
		au, bu := a.Type == nsfs.User, b.Type == nsfs.User
		switch {
		case au != bu:
			if au {
				return 1
			}
			return -1
		case a.Type != b.Type:
			return a.Type.Rank() - b.Type.Rank()
		case a.ID.Less(b.ID):
			return -1
		case b.ID.Less(a.ID):
			return 1
		}
		return 0
	})
}

// Normalize sorts every member and holder list, so that the model (and
// anything rendered from it) does not depend on discovery order.
func (m *Model) Normalize() {
	for _, ns := range m.Namespaces {
		sort.Ints(ns.PIDs)
		ns.PIDs = slices.Compact(ns.PIDs)
		sort.Slice(ns.Threads, func(i, j int) bool { return ns.Threads[i].TID < ns.Threads[j].TID })
		ns.Threads = slices.Compact(ns.Threads)
		sort.SliceStable(ns.Holders, func(i, j int) bool { return holderLess(ns.Holders[i], ns.Holders[j]) })
		ns.Holders = slices.Compact(ns.Holders)
	}
	sort.Slice(m.Skipped, func(i, j int) bool { return m.Skipped[i].PID < m.Skipped[j].PID })
}

func holderLess(a, b Holder) bool {
	switch {
	case a.Kind != b.Kind:
		return a.Kind < b.Kind
	case a.PID != b.PID:
		return a.PID < b.PID
	case a.FD != b.FD:
		return a.FD < b.FD
	case a.MountNS != b.MountNS:
		return a.MountNS.Less(b.MountNS)
	case a.Path != b.Path:
		return a.Path < b.Path
	default:
		return a.Of.Less(b.Of)
	}
}
