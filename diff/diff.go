// Package diff compares two scans ([model.Model]) namespace by namespace:
// which namespaces were added, removed or replaced, and what changed in
// those present in both (members, holders, owner and parent visibility,
// creator, ID maps).
//
// Namespaces are matched by identity: the device and inode of their nsfs
// file. Inode numbers are recycled once a namespace is gone, so the same
// number in both scans is one namespace only if nothing that the kernel never
// changes for a living namespace differs: its type, its 64-bit namespace ID
// (where both scans know it), its owner and its parent (where both scans see
// them). Otherwise the old namespace died and a new one got its number: a
// [Replaced] change, never a [Changed] one. Without NSIDs (kernels before
// 6.18) a reuse for a namespace of the same type and owner cannot be told
// apart from the old namespace and shows as a change of its members.
package diff

import (
	"cmp"
	"slices"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// Kind says how a namespace differs between the two scans.
type Kind string

// The kinds of change.
const (
	Added    Kind = "added"    // only in the new scan
	Removed  Kind = "removed"  // only in the old scan
	Replaced Kind = "replaced" // same device and inode, but another namespace
	Changed  Kind = "changed"  // the same namespace, with different properties
)

// Change is one namespace that differs between the two scans.
type Change struct {
	Kind Kind
	// Old and New are the namespace as each scan saw it: Old is nil for
	// Added, New nil for Removed. For Replaced they are two namespaces
	// that had the same device and inode.
	Old, New *model.Namespace
	// Because names, for Replaced, the identities that differ: "type",
	// "nsid", "owner", "parent".
	Because []string
	// PIDs and Threads are the members that joined (Added) and left
	// (Removed); Holders the holders added and removed. For Added and
	// Removed namespaces they list every member and holder.
	PIDs    Delta[int]
	Threads Delta[model.Thread]
	Holders Delta[model.Holder]
	// Fields names the other properties that differ (for Changed), in the
	// order of [Fields]; read the values from Old and New.
	Fields []string
}

// Diff is two scans and what differs between them.
type Diff struct {
	Old, New *model.Model
	Changes  []Change
}

// Delta is what one list gained and lost.
type Delta[T any] struct {
	Added, Removed []T
}

// Empty reports whether nothing was added or removed.
func (d Delta[T]) Empty() bool { return len(d.Added) == 0 && len(d.Removed) == 0 }

// Namespace returns the namespace the change is about: New, or Old when it
// was removed.
func (c *Change) Namespace() *model.Namespace {
	if c.New != nil {
		return c.New
	}
	return c.Old
}

// Field is a property compared for a namespace present in both scans.
type Field struct {
	Name string
	// Differs reports whether the property differs. A value one scan does
	// not know (nil map, unknown creator) never differs.
	Differs func(old, new *model.Namespace) bool
}

// Fields are the properties compared besides members and holders, in the
// order [Change.Fields] lists them. Comparing one more property (a
// namespace's workloads, say) is one more entry.
var Fields = []Field{
	// Owners and parents never change for a living namespace; when both
	// scans see them and they differ, the namespace was replaced. What
	// remains is visibility: one scan saw the owner, the other did not.
	{"owner", func(o, n *model.Namespace) bool { return o.Owner != n.Owner }},
	{"parent", func(o, n *model.Namespace) bool { return o.Parent != n.Parent }},
	{"creator_uid", func(o, n *model.Namespace) bool {
		return o.CreatorUID >= 0 && n.CreatorUID >= 0 && o.CreatorUID != n.CreatorUID
	}},
	{"uid_map", func(o, n *model.Namespace) bool {
		return o.UIDMap != nil && n.UIDMap != nil && !slices.Equal(o.UIDMap, n.UIDMap)
	}},
	{"gid_map", func(o, n *model.Namespace) bool {
		return o.GIDMap != nil && n.GIDMap != nil && !slices.Equal(o.GIDMap, n.GIDMap)
	}},
}

// Options say what to compare.
type Options struct {
	// View limits the comparison to the namespaces this view shows in
	// each scan (the zero View: all of them).
	View model.View
	// KeepScanner also compares the scanning processes themselves (each
	// model's ScannerPID), which otherwise are left out: every scan is
	// made by a different process, and that is not news.
	KeepScanner bool
}

// Compare returns the namespaces that differ between old and new, in the
// order of the tree of both scans together (see [model.Model.Forest]):
// a removed namespace sits where it was, among the others.
func Compare(old, new *model.Model, opts Options) []Change {
	oldNS, newNS := inView(old, opts.View), inView(new, opts.View)
	skipOld, skipNew := 0, 0
	if !opts.KeepScanner {
		skipOld, skipNew = old.ScannerPID, new.ScannerPID
	}
	byID := map[nsfs.ID]Change{}
	for id, o := range oldNS {
		if c, differs := compareOne(o, newNS[id], skipOld, skipNew); differs {
			byID[id] = c
		}
	}
	for id, n := range newNS {
		if _, both := oldNS[id]; !both {
			byID[id], _ = compareOne(nil, n, skipOld, skipNew)
		}
	}
	if len(byID) == 0 {
		return nil // and no tree to build
	}
	changes := make([]Change, 0, len(byID))
	for _, ns := range order(old, new, oldNS, newNS, opts.View) {
		if c, ok := byID[ns.ID]; ok {
			changes = append(changes, c)
		}
	}
	return changes
}

// compareOne compares the two sightings of one identity (either may be nil)
// and reports whether they differ.
func compareOne(o, n *model.Namespace, skipOld, skipNew int) (Change, bool) {
	c := Change{Old: o, New: n}
	switch {
	case o == nil:
		c.Kind = Added
		c.fill(nil, n, 0, skipNew, false)
	case n == nil:
		c.Kind = Removed
		c.fill(o, nil, skipOld, 0, false)
	default:
		if c.Because = replacedBecause(o, n); c.Because != nil {
			c.Kind = Replaced
			c.fill(o, n, skipOld, skipNew, false)
			break
		}
		c.Kind = Changed
		c.fill(o, n, skipOld, skipNew, true)
		for _, f := range Fields {
			if f.Differs(o, n) {
				c.Fields = append(c.Fields, f.Name)
			}
		}
		if c.PIDs.Empty() && c.Threads.Empty() && c.Holders.Empty() && c.Fields == nil {
			return c, false
		}
	}
	return c, true
}

// Equal reports whether Compare finds nothing that differs.
func Equal(old, new *model.Model, opts Options) bool {
	return len(Compare(old, new, opts)) == 0
}

// replacedBecause lists the identities in which o and n differ, nil if
// they are the same namespace.
func replacedBecause(o, n *model.Namespace) []string {
	var why []string
	if o.Type != n.Type {
		why = append(why, "type")
	}
	if o.NSID != 0 && n.NSID != 0 && o.NSID != n.NSID {
		why = append(why, "nsid")
	}
	if !o.Owner.IsZero() && !n.Owner.IsZero() && o.Owner != n.Owner {
		why = append(why, "owner")
	}
	if !o.Parent.IsZero() && !n.Parent.IsZero() && o.Parent != n.Parent {
		why = append(why, "parent")
	}
	return why
}

// fill sets the member and holder deltas: what only n has is added, what
// only o has removed. Unless same (o and n are one namespace), everything
// of o counts as removed and everything of n as added. Either may be nil.
// The scanning processes skipO and skipN are left out.
func (c *Change) fill(o, n *model.Namespace, skipO, skipN int, same bool) {
	if same && unchanged(o, n, skipO, skipN) {
		return // the common case: nothing to copy or sort
	}
	op, ot, oh := lists(o, skipO)
	np, nt, nh := lists(n, skipN)
	if !same {
		c.PIDs = Delta[int]{Added: np, Removed: op}
		c.Threads = Delta[model.Thread]{Added: nt, Removed: ot}
		c.Holders = Delta[model.Holder]{Added: nh, Removed: oh}
		return
	}
	c.PIDs = delta(op, np, cmp.Compare[int])
	c.Threads = delta(ot, nt, compareThreads)
	c.Holders = delta(oh, nh, compareHolders)
}

// unchanged reports whether o and n have the same members and holders,
// with neither scanner among them (or the same scanner in both).
func unchanged(o, n *model.Namespace, skipO, skipN int) bool {
	if !slices.Equal(o.PIDs, n.PIDs) || !slices.Equal(o.Threads, n.Threads) || !slices.Equal(o.Holders, n.Holders) {
		return false
	}
	if skipO == skipN {
		return true
	}
	for _, skip := range []int{skipO, skipN} {
		if skip != 0 && (slices.Contains(o.PIDs, skip) || slices.ContainsFunc(o.Threads, func(t model.Thread) bool { return t.PID == skip }) ||
			slices.ContainsFunc(o.Holders, func(h model.Holder) bool { return h.PID == skip })) {
			return false
		}
	}
	return true
}

// lists returns sorted copies of ns's members and holders without those of
// process skip (0: none); nothing for a nil ns.
func lists(ns *model.Namespace, skip int) ([]int, []model.Thread, []model.Holder) {
	if ns == nil {
		return nil, nil, nil
	}
	pids := slices.DeleteFunc(slices.Clone(ns.PIDs), func(p int) bool { return skip != 0 && p == skip })
	threads := slices.DeleteFunc(slices.Clone(ns.Threads), func(t model.Thread) bool { return skip != 0 && t.PID == skip })
	holders := slices.DeleteFunc(slices.Clone(ns.Holders), func(h model.Holder) bool { return skip != 0 && h.PID == skip })
	slices.Sort(pids)
	slices.SortFunc(threads, compareThreads)
	slices.SortFunc(holders, compareHolders)
	return slices.Compact(pids), slices.Compact(threads), slices.Compact(holders)
}

func compareThreads(a, b model.Thread) int {
	return cmp.Or(cmp.Compare(a.TID, b.TID), cmp.Compare(a.PID, b.PID))
}

// compareHolders orders holders as model.Normalize does.
func compareHolders(a, b model.Holder) int {
	return cmp.Or(
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.PID, b.PID),
		cmp.Compare(a.FD, b.FD),
		compareIDs(a.MountNS, b.MountNS),
		cmp.Compare(a.Path, b.Path),
		compareIDs(a.Of, b.Of),
	)
}

func compareIDs(a, b nsfs.ID) int {
	return cmp.Or(cmp.Compare(a.Ino, b.Ino), cmp.Compare(a.Dev, b.Dev))
}

// delta merges two sorted lists into what only b has (Added) and what only
// a has (Removed).
func delta[T any](a, b []T, cmp func(T, T) int) Delta[T] {
	var d Delta[T]
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && cmp(a[i], b[j]) < 0:
			d.Removed = append(d.Removed, a[i])
			i++
		case i == len(a) || cmp(a[i], b[j]) > 0:
			d.Added = append(d.Added, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return d
}

// inView returns the namespaces of m that v shows.
func inView(m *model.Model, v model.View) map[nsfs.ID]*model.Namespace {
	if v.Hierarchy == model.UserHierarchy && v.Whole() {
		return m.Namespaces
	}
	out := map[nsfs.ID]*model.Namespace{}
	for _, ns := range m.Select(v).Namespaces {
		out[ns.ID] = ns
	}
	return out
}

// order returns one namespace per identity in either scan, in the display
// order of a model holding the new scan's namespaces and the old scan's
// where the new one has none.
func order(old, new *model.Model, oldNS, newNS map[nsfs.ID]*model.Namespace, v model.View) []*model.Namespace {
	both := &model.Model{
		Namespaces: make(map[nsfs.ID]*model.Namespace, len(newNS)+len(oldNS)),
		SelfUser:   new.SelfUser,
		SelfPID:    new.SelfPID,
	}
	for id, ns := range oldNS {
		both.Namespaces[id] = ns
	}
	for id, ns := range newNS {
		both.Namespaces[id] = ns
	}
	out := make([]*model.Namespace, 0, len(both.Namespaces))
	seen := make(map[nsfs.ID]bool, len(both.Namespaces))
	v.Subtree = nsfs.ID{} // both scans were limited already
	for _, ns := range model.Flatten(both.Forest(v)) {
		if !seen[ns.ID] {
			seen[ns.ID] = true
			out = append(out, ns)
		}
	}
	// A namespace the forest does not reach (a parent cycle in a
	// hand-made model) still gets compared, last, by identity.
	var rest []*model.Namespace
	for id, ns := range both.Namespaces {
		if !seen[id] {
			rest = append(rest, ns)
		}
	}
	slices.SortFunc(rest, func(a, b *model.Namespace) int { return compareIDs(a.ID, b.ID) })
	return append(out, rest...)
}
