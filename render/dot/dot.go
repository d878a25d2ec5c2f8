// Package dot renders a scan as a Graphviz graph, so that
//
//	namespaces_of --output=dot | dot -Tsvg > ns.svg
//
// draws the hierarchy.
//
// # Layout
//
// The layout is described in docs/dot.md:
//   - each user namespace is a cluster holding its own node, the
//     namespaces it owns, and the clusters of its child user namespaces, so
//     nesting in the picture is ownership;
//   - parent links (user and PID namespaces) are solid edges from parent to
//     child, owner links dashed edges from the user namespace to what it
//     owns;
//   - namespaces whose owner is not visible sit in a dashed cluster under
//     a pseudo node, "invisible ancestor user NS";
//   - nodes are labelled with type, inode, member count and holders.
//
// Nodes, clusters and edges are written in the order of
// [model.Model.Forest], so the same model gives the same text.
package dot

import (
	"fmt"
	"io"
	"strings"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// Left to right keeps a host with many namespaces readable (top to bottom
// puts all of a user namespace's namespaces in one very wide row). Colours
// echo the tree output, where user namespaces are yellow.
const header = `digraph namespaces_of {
	graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.45];
	node [shape=box, style="rounded,filled", fillcolor="white", fontname="Helvetica", fontsize=10];
	edge [arrowsize=0.7];
`

// Render writes the view of m, as [model.Model.Select] selects it, as one
// DOT digraph.
func Render(w io.Writer, m *model.Model, v model.View) error {
	if m == nil {
		return fmt.Errorf("dot: nil model")
	}
	sel := m.Select(v)
	var b strings.Builder
	b.WriteString(header)
	for _, n := range sel.Forest {
		writeNode(&b, m, n, 1)
	}
	for _, ns := range sel.Namespaces {
		if ns.Type.Hierarchical() && sel.Shows(ns.Parent) {
			fmt.Fprintf(&b, "\t%s -> %s [class=\"parent\", style=bold];\n", nodeID(ns.Parent), nodeID(ns.ID))
		}
		if ns.Type != nsfs.User && sel.Shows(ns.Owner) {
			fmt.Fprintf(&b, "\t%s -> %s [class=\"owner\", style=dashed, color=\"gray40\"];\n", nodeID(ns.Owner), nodeID(ns.ID))
		}
	}
	for _, n := range sel.Forest {
		if n.Invisible {
			for _, kid := range n.Children {
				fmt.Fprintf(&b, "\t%s -> %s [class=\"owner invisible\", style=dotted, color=\"gray40\"];\n", invisibleID, nodeID(kid.NS.ID))
			}
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

const invisibleID = `"invisible"`

// writeNode writes a forest node: a user namespace as a cluster around its
// node and its children, anything else as a plain node.
func writeNode(b *strings.Builder, m *model.Model, n *model.Node, depth int) {
	tab := strings.Repeat("\t", depth)
	switch {
	case n.Invisible:
		fmt.Fprintf(b, "%ssubgraph \"cluster_invisible\" {\n", tab)
		fmt.Fprintf(b, "%s\tlabel=\"\"; style=\"rounded,dashed\"; color=\"gray50\";\n", tab)
		fmt.Fprintf(b, "%s\t%s [label=\"[invisible ancestor user NS]\", class=\"invisible\", style=\"rounded,dashed\", fontcolor=\"gray30\"];\n", tab, invisibleID)
	case n.NS.Type == nsfs.User:
		fmt.Fprintf(b, "%ssubgraph \"cluster_%d_%d\" {\n", tab, n.NS.ID.Dev, n.NS.ID.Ino)
		fmt.Fprintf(b, "%s\tlabel=\"\"; style=\"rounded,filled\"; color=\"goldenrod3\"; fillcolor=\"#fffbea\";\n", tab)
		if n.Context {
			fmt.Fprintf(b, "%s\t%s [label=%s, class=\"user context\", style=\"rounded,dashed\", fontcolor=\"gray40\"];\n", tab, nodeID(n.NS.ID), label(m, n.NS))
		} else {
			fmt.Fprintf(b, "%s\t%s [label=%s, class=\"user\", style=\"rounded,filled,bold\", fillcolor=\"#ffe27a\"];\n", tab, nodeID(n.NS.ID), label(m, n.NS))
		}
	default:
		if n.Context {
			fmt.Fprintf(b, "%s%s [label=%s, class=\"%s context\", style=dashed, fontcolor=\"gray40\"];\n", tab, nodeID(n.NS.ID), label(m, n.NS), n.NS.Type)
		} else {
			fmt.Fprintf(b, "%s%s [label=%s, class=%q];\n", tab, nodeID(n.NS.ID), label(m, n.NS), n.NS.Type.String())
		}
		for _, kid := range n.Children { // PID namespaces under --pidns
			writeNode(b, m, kid, depth)
		}
		return
	}
	for _, kid := range n.Children {
		writeNode(b, m, kid, depth+1)
	}
	fmt.Fprintf(b, "%s}\n", tab)
}

func nodeID(id nsfs.ID) string { return fmt.Sprintf("\"ns_%d_%d\"", id.Dev, id.Ino) }

// label is "type inode", the creator of a user namespace, the member count,
// and what else holds the namespace.
func label(m *model.Model, ns *model.Namespace) string {
	lines := []string{fmt.Sprintf("%s %d", ns.Type, ns.ID.Ino)}
	if ns.Type == nsfs.User && ns.CreatorUID >= 0 {
		lines = append(lines, fmt.Sprintf("creator UID %d", ns.CreatorUID))
	}
	lines = append(lines, plural(len(ns.PIDs), "proc"))
	if len(ns.Threads) > 0 {
		lines = append(lines, plural(len(ns.Threads), "thread"))
	}
	var counted []model.Holder // bind mounts with a path are named instead
	for _, h := range ns.Holders {
		if h.Kind == model.HolderBindMount && h.Path != "" {
			lines = append(lines, "bind mount "+h.Path)
		} else {
			counted = append(counted, h)
		}
	}
	for _, c := range model.CountHolders(counted) {
		held := "held by " + string(c.Kind)
		if c.Count > 1 {
			held += fmt.Sprintf(" ×%d", c.Count)
		}
		lines = append(lines, held)
	}
	for i, l := range lines {
		lines[i] = escape(l)
	}
	// Workload labels are escaped piece by piece (escape is idempotent
	// only on text without backslashes).
	lines = append(lines, m.WorkloadLines(ns, escape)...)
	return `"` + strings.Join(lines, `\n`) + `"`
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// escape makes s safe inside a DOT quoted string, where a backslash starts
// an escape (\n, \l, \N ...) for Graphviz.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, "\\\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
