package model

import (
	"iter"
	"slices"

	"github.com/namespaces-of/namespaces_of/nsfs"
)

// Selection is the part of a model that a [View] shows, in the forms the
// renderers need. Every renderer takes its namespaces from one, so they
// agree on what is shown and in which order.
type Selection struct {
	// Forest is [Model.Forest] of the view.
	Forest []*Node
	// Namespaces are the namespaces of Forest in display order: depth
	// first, each before its children, the pseudo node left out.
	Namespaces []*Namespace

	shown       map[nsfs.ID]bool         // built on first use
	descendants map[nsfs.ID][]*Namespace // built on first use
	context     map[nsfs.ID]bool         // built on first use
}

// Select returns what v shows of m.
func (m *Model) Select(v View) *Selection {
	s := &Selection{Forest: m.Forest(v)}
	s.Namespaces = Flatten(s.Forest)
	return s
}

// Flatten returns the namespaces of a forest in display order: depth first,
// each before its children, pseudo nodes left out.
func Flatten(forest []*Node) []*Namespace {
	var out []*Namespace
	var walk func([]*Node)
	walk = func(nodes []*Node) {
		for _, n := range nodes {
			if n.NS != nil {
				out = append(out, n.NS)
			}
			walk(n.Children)
		}
	}
	walk(forest)
	return out
}

// Shows reports whether the namespace id is in the selection.
func (s *Selection) Shows(id nsfs.ID) bool {
	if s.shown == nil {
		s.shown = make(map[nsfs.ID]bool, len(s.Namespaces))
		for _, ns := range s.Namespaces {
			s.shown[ns.ID] = true
		}
	}
	return s.shown[id]
}

// Context reports whether the namespace id is shown only as context: the
// view's Match rejected it, but a namespace it selected lies below it.
func (s *Selection) Context(id nsfs.ID) bool {
	if s.context == nil {
		s.context = map[nsfs.ID]bool{}
		var walk func([]*Node)
		walk = func(nodes []*Node) {
			for _, n := range nodes {
				if n.Context {
					s.context[n.NS.ID] = true
				}
				walk(n.Children)
			}
		}
		walk(s.Forest)
	}
	return s.context[id]
}

// ByID returns the selected namespaces by inode, then device: the order
// lsns lists them in, and the JSON document's.
func (s *Selection) ByID() []*Namespace {
	out := slices.Clone(s.Namespaces)
	slices.SortFunc(out, func(a, b *Namespace) int {
		if a.ID.Less(b.ID) {
			return -1
		}
		return 1 // IDs in a model are unique
	})
	return out
}

// Descendants returns the selected namespaces whose parent or owner is id,
// in sibling order: [Model.Descendants] limited to the selection.
func (s *Selection) Descendants(id nsfs.ID) []*Namespace {
	if s.descendants == nil {
		s.descendants = map[nsfs.ID][]*Namespace{}
		for _, ns := range s.Namespaces {
			for _, up := range ns.ancestors() {
				if !up.IsZero() && s.Shows(up) {
					s.descendants[up] = append(s.descendants[up], ns)
				}
			}
		}
		for _, list := range s.descendants {
			if len(list) > 1 {
				sortSiblings(list)
			}
		}
	}
	return s.descendants[id]
}

// Descendants returns the namespaces whose parent or owner is id, in
// sibling order. Being an ancestor is itself a reason a namespace exists.
func (m *Model) Descendants(id nsfs.ID) []*Namespace {
	var out []*Namespace
	if id.IsZero() {
		return nil
	}
	for _, ns := range m.Namespaces {
		if up := ns.ancestors(); up[0] == id || up[1] == id {
			out = append(out, ns)
		}
	}
	sortSiblings(out)
	return out
}

// ancestors returns the namespaces ns is a descendant of: its parent and
// its owner, each once; zero where there is none.
func (ns *Namespace) ancestors() [2]nsfs.ID {
	if ns.Owner == ns.Parent {
		return [2]nsfs.ID{ns.Parent}
	}
	return [2]nsfs.ID{ns.Parent, ns.Owner}
}

// OwningUser returns the user namespace that owns ns: its Owner, or for a
// user namespace its parent. Zero means not visible (or, for a user
// namespace, topmost).
func (ns *Namespace) OwningUser() nsfs.ID {
	if ns.Type == nsfs.User {
		return ns.Parent
	}
	return ns.Owner
}

// OwnerHidden reports whether ns is a non-user namespace whose owning user
// namespace the scanner cannot see (it is an ancestor of the scanner's own).
// Such namespaces gather under the "invisible ancestor" pseudo node.
func (ns *Namespace) OwnerHidden() bool {
	return ns.Type != nsfs.User && ns.Owner.IsZero()
}

// DescendantHolders yields what keeps ns alive when nothing else does: for
// a namespace without member processes, threads or stored holders, one
// [HolderDescendant] per namespace of the model it is the parent or owner
// of, in sibling order; otherwise nothing. A scan never stores these
// holders; they are derived from the hierarchy when shown.
func (m *Model) DescendantHolders(ns *Namespace) iter.Seq[Holder] {
	return func(yield func(Holder) bool) {
		if len(ns.PIDs) > 0 || len(ns.Threads) > 0 || len(ns.Holders) > 0 {
			return
		}
		for _, d := range m.Descendants(ns.ID) {
			if !yield(Holder{Kind: HolderDescendant, Of: d.ID}) {
				return
			}
		}
	}
}

// HolderCount is how many holders of one kind a namespace has.
type HolderCount struct {
	Kind  HolderKind
	Count int
}

// CountHolders counts holders by kind, kinds in the order they first
// appear (the model's order, after [Model.Normalize]).
func CountHolders(holders []Holder) []HolderCount {
	var out []HolderCount
next:
	for _, h := range holders {
		for i := range out {
			if out[i].Kind == h.Kind {
				out[i].Count++
				continue next
			}
		}
		out = append(out, HolderCount{Kind: h.Kind, Count: 1})
	}
	return out
}
