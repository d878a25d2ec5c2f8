// Package tree renders a scan model as the indented text tree that
// namespaces_of prints by default.
//
// # Layout
//
// The layout is fixed, because scripts parse it:
//
//   - one line per namespace, indented 4 spaces per tree level:
//     "net {4 4026531833}"; a user namespace line continues with
//     " <UID: 0>" or, with [Options].ShowMaps, " <UID: 0; u: 0 0 4294967295; g: 0 0 4294967295>";
//   - the pseudo node gathering namespaces whose owner is not visible prints
//     "[invisible ancestor user NS]";
//   - members (PIDs, or TIDs with [Options].Threads) 8 spaces deeper than their
//     namespace, either as one bracketed list "[ 1 2 3 ]" wrapped on word
//     boundaries, or one per line ("%-5d" or the NStgid set "{ 4312 1 }",
//     then two spaces and the command name);
//   - with [Options].Workloads, one line per workload after the members, at
//     the member indent ([model.Workload.Label]: "docker web (3f2a9c1b0d4e)",
//     "pod kube-system/coredns-x, container coredns (…)", "systemd
//     cron.service"), or one "workloads: docker 3, systemd 41" line for a
//     namespace shared by more than [model.MaxListedWorkloads];
//   - with [Options].Holders, "held by ..." lines after the members, at the
//     member indent; with [Options].Workloads too, a bind mount an engine
//     made ends in ", made for <workload>";
//   - a namespace that a display filter ([model.View].Match) kept only as
//     the ancestor of a selected one: its line alone, ending " (context)".
//
// # Text from other processes
//
// Text that comes from other processes (bind mount paths, command names,
// workload names) is printed as is when it is printable UTF-8, and
// Go-quoted ([strconv.Quote])
// otherwise, so that it can neither forge lines nor emit terminal escapes.
//
// # Colour
//
// With [Options].Color, three terminal sequences (the same as the original
// namespaces_of) are used, and nothing else:
//
//   - "\x1b[93m\x1b[1m" (bright yellow, bold) before a user namespace line
//     or the pseudo node line, including its indent;
//   - "\x1b[38;5;51m" (light blue, 256-colour palette) before member IDs: each
//     line of a bracketed list after its indent, or the ID (or "{ ... }") part
//     of a one-per-line member;
//   - "\x1b(B\x1b[m" (select ASCII charset, reset attributes) to end each
//     coloured part, always before the newline.
//
// Holder lines are never coloured.
package tree

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// Terminal sequences; see the package documentation.
const (
	colorUser  = "\x1b[93m\x1b[1m"
	colorID    = "\x1b[38;5;51m"
	colorReset = "\x1b(B\x1b[m"
)

const (
	levelIndent  = 4  // spaces per tree level
	memberIndent = 8  // extra spaces before members and holders
	minListWidth = 32 // a bracketed member list is never wrapped narrower
	idColumns    = 5  // width of the left-aligned ID in one-per-line mode
)

// Options selects what the tree shows and how.
type Options struct {
	// View selects the hierarchy, the types shown and the subtree; the
	// structure and order come from [model.Model.Forest].
	View model.View
	// NoPIDs suppresses the member lists.
	NoPIDs bool
	// ShowComm lists members one per line, followed by the command name.
	ShowComm bool
	// AllPIDs lists members one per line as their NStgid set "{ 4312 1 }".
	AllPIDs bool
	// Threads makes the members the TIDs of [model.Namespace].Threads
	// instead of its PIDs (--search-tasks).
	Threads bool
	// ShowMaps adds "; u: <uid_map>; g: <gid_map>" to user namespace lines.
	ShowMaps bool
	// Holders lists what keeps each namespace alive.
	Holders bool
	// Workloads lists under each namespace, after its members, whose it
	// is: one line per workload (model.Workload.Label) at the member
	// indent, or a count per engine for a namespace shared by many.
	Workloads bool
	// Color enables terminal colours.
	Color bool
	// Width is the terminal width the member lists are wrapped to (the
	// caller passes 80 when stdout is not a terminal).
	Width int
}

// Render writes the tree of m selected by opts.View to w. It reads only the
// model. The error is the first write error, if any.
func Render(w io.Writer, m *model.Model, opts Options) error {
	if m == nil {
		return errors.New("tree: nil model")
	}
	r := &renderer{
		bw:   bufio.NewWriterSize(w, 64<<10),
		m:    m,
		opts: opts,
	}
	r.wrap.emit = r.emitListLine
	for _, n := range m.Forest(opts.View) {
		r.node(n, 0)
	}
	return r.bw.Flush()
}

// renderer holds the state of one Render call. All output goes through bw;
// num and the wrapper's line are scratch buffers reused for every line.
type renderer struct {
	bw   *bufio.Writer
	m    *model.Model
	opts Options
	num  []byte
	wrap lineWrapper
	// listIndent is the indent of the member list being wrapped.
	listIndent int
}

const spaces = "                                                                " // 64

func (r *renderer) indent(n int) {
	for n > len(spaces) {
		r.bw.WriteString(spaces)
		n -= len(spaces)
	}
	r.bw.WriteString(spaces[:n])
}

func (r *renderer) int(v int64) {
	r.num = strconv.AppendInt(r.num[:0], v, 10)
	r.bw.Write(r.num)
}

func (r *renderer) uint(v uint64) {
	r.num = strconv.AppendUint(r.num[:0], v, 10)
	r.bw.Write(r.num)
}

func (r *renderer) node(n *model.Node, level int) {
	ind := level * levelIndent
	if n.Invisible {
		if r.opts.Color {
			r.bw.WriteString(colorUser)
		}
		r.indent(ind)
		r.bw.WriteString("[invisible ancestor user NS]")
		if r.opts.Color {
			r.bw.WriteString(colorReset)
		}
		r.bw.WriteByte('\n')
	} else if ns := n.NS; n.Context {
		// Kept by a display filter only to place what lies below it.
		r.head(ns, ind, contextMark)
	} else if ns != nil {
		r.head(ns, ind, "")
		if !r.opts.NoPIDs {
			r.members(ns, ind+memberIndent)
		}
		if r.opts.Workloads {
			for _, line := range r.m.WorkloadLines(ns, safeText) {
				r.indent(ind + memberIndent)
				r.bw.WriteString(line)
				r.bw.WriteByte('\n')
			}
		}
		if r.opts.Holders {
			r.holders(ns, ind+memberIndent)
		}
	}
	for _, kid := range n.Children {
		r.node(kid, level+1)
	}
}

// contextMark ends the line of a namespace a display filter did not select
// but kept as the ancestor of one it did.
const contextMark = " (context)"

// head writes the namespace's own line, ending with mark.
func (r *renderer) head(ns *model.Namespace, ind int, mark string) {
	user := ns.Type == nsfs.User
	color := user && r.opts.Color
	if color {
		r.bw.WriteString(colorUser)
	}
	r.indent(ind)
	r.bw.WriteString(ns.Type.String())
	r.bw.WriteByte(' ')
	r.bw.WriteString(ns.ID.String())
	if user {
		r.bw.WriteString(" <UID: ")
		if ns.CreatorUID < 0 {
			r.bw.WriteByte('?')
		} else {
			r.int(ns.CreatorUID)
		}
		if r.opts.ShowMaps {
			r.bw.WriteString("; u: ")
			r.idMap(ns.UIDMap)
			r.bw.WriteString("; g: ")
			r.idMap(ns.GIDMap)
		}
		r.bw.WriteByte('>')
	}
	if color {
		r.bw.WriteString(colorReset)
	}
	r.bw.WriteString(mark)
	r.bw.WriteByte('\n')
}

// idMap writes a uid_map or gid_map as its numbers joined by spaces; "?"
// when the map is unknown (nil), nothing when it is empty.
func (r *renderer) idMap(ranges []procfs.IDRange) {
	if ranges == nil {
		r.bw.WriteByte('?')
		return
	}
	for i, rg := range ranges {
		if i > 0 {
			r.bw.WriteByte(' ')
		}
		r.uint(uint64(rg.Inside))
		r.bw.WriteByte(' ')
		r.uint(uint64(rg.Outside))
		r.bw.WriteByte(' ')
		r.uint(uint64(rg.Count))
	}
}

// memberCount and memberAt give the member IDs shown for ns: its PIDs, or
// with [Options].Threads the TIDs of its threads.
func (r *renderer) memberCount(ns *model.Namespace) int {
	if r.opts.Threads {
		return len(ns.Threads)
	}
	return len(ns.PIDs)
}

func (r *renderer) memberAt(ns *model.Namespace, i int) int {
	if r.opts.Threads {
		return ns.Threads[i].TID
	}
	return ns.PIDs[i]
}

func (r *renderer) members(ns *model.Namespace, ind int) {
	n := r.memberCount(ns)
	if n == 0 {
		return
	}
	if r.opts.ShowComm || r.opts.AllPIDs {
		for i := 0; i < n; i++ {
			r.memberLine(r.memberAt(ns, i), ind)
		}
		return
	}
	r.listIndent = ind
	r.wrap.width = max(r.opts.Width-ind, minListWidth)
	r.wrap.add(openBracket)
	for i := 0; i < n; i++ {
		r.wrap.addInt(r.memberAt(ns, i))
	}
	r.wrap.add(closeBracket)
	r.wrap.flush()
}

var (
	openBracket  = []byte("[")
	closeBracket = []byte("]")
)

// emitListLine writes one line of a wrapped member list.
func (r *renderer) emitListLine(text []byte) {
	r.indent(r.listIndent)
	if r.opts.Color {
		r.bw.WriteString(colorID)
	}
	r.bw.Write(text)
	if r.opts.Color {
		r.bw.WriteString(colorReset)
	}
	r.bw.WriteByte('\n')
}

// memberLine writes one member in one-per-line mode.
func (r *renderer) memberLine(id int, ind int) {
	task := r.m.Tasks[id]
	r.indent(ind)
	if r.opts.Color {
		r.bw.WriteString(colorID)
	}
	if r.opts.AllPIDs {
		if task == nil || len(task.NStgid) == 0 {
			r.bw.WriteString("{ ? }")
		} else {
			r.bw.WriteString("{ ")
			for i, pid := range task.NStgid {
				if i > 0 {
					r.bw.WriteByte(' ')
				}
				r.int(int64(pid))
			}
			r.bw.WriteString(" }")
		}
	} else {
		r.num = strconv.AppendInt(r.num[:0], int64(id), 10)
		r.bw.Write(r.num)
		if pad := idColumns - len(r.num); pad > 0 {
			r.indent(pad)
		}
	}
	if r.opts.Color {
		r.bw.WriteString(colorReset)
	}
	if r.opts.ShowComm {
		r.bw.WriteString("  ")
		if task == nil || task.Comm == "" {
			r.bw.WriteByte('?')
		} else {
			r.bw.WriteString(safeText(task.Comm))
		}
	}
	r.bw.WriteByte('\n')
}

// holders writes the "held by" lines of ns: its stored holders, then, for
// a namespace no process is in, its non-leader threads, then, for a
// namespace with nothing else keeping it, [Model.DescendantHolders].
// Threads of a process whose leader exited are members of every namespace
// they are in; they explain a namespace only where no process does.
func (r *renderer) holders(ns *model.Namespace, ind int) {
	for i := range ns.Holders {
		r.holderLine(&ns.Holders[i], ind)
	}
	for _, t := range ns.Threads {
		if t.TID == t.PID || len(ns.PIDs) > 0 {
			continue
		}
		r.indent(ind)
		r.bw.WriteString("held by thread ")
		r.int(int64(t.TID))
		r.bw.WriteString(" of PID ")
		r.int(int64(t.PID))
		r.bw.WriteByte('\n')
	}
	for h := range r.m.DescendantHolders(ns) {
		r.holderLine(&h, ind)
	}
}

func (r *renderer) holderLine(h *model.Holder, ind int) {
	r.indent(ind)
	r.bw.WriteString("held by ")
	r.holder(h)
	r.bw.WriteByte('\n')
}

// holder writes the text of one stored holder after "held by ".
func (r *renderer) holder(h *model.Holder) {
	switch h.Kind {
	case model.HolderFD, model.HolderSocket:
		if h.Kind == model.HolderSocket {
			r.bw.WriteString("socket ")
		}
		r.bw.WriteString("fd ")
		r.int(int64(h.FD))
		r.ofPID(h.PID)
	case model.HolderBindMount:
		r.bw.WriteString("bind mount ")
		r.bw.WriteString(safeText(h.Path))
		r.bw.WriteString(" (mount ns ")
		if h.MountNS.IsZero() {
			r.bw.WriteByte('?')
		} else {
			r.uint(h.MountNS.Ino)
		}
		r.bw.WriteByte(')')
		if w := r.m.Workload(h.Workload); w != nil && r.opts.Workloads {
			r.bw.WriteString(", made for ")
			r.bw.WriteString(w.Label(safeText))
		}
	case model.HolderPIDChildren, model.HolderTimeChildren:
		r.bw.WriteString(string(h.Kind))
		r.ofPID(h.PID)
	case model.HolderKernelList:
		r.bw.WriteString("kernel list only")
	case model.HolderDescendant:
		// Derived (see holders), or stored by whoever built the model.
		r.bw.WriteString("ancestor of ")
		if d := r.m.Namespaces[h.Of]; d != nil {
			r.bw.WriteString(d.Type.String())
		} else {
			r.bw.WriteByte('?')
		}
		r.bw.WriteByte(' ')
		r.bw.WriteString(h.Of.String())
	default:
		r.bw.WriteString(safeText(string(h.Kind)))
		if h.PID != 0 {
			r.ofPID(h.PID)
		}
	}
}

// ofPID writes " of PID <pid>" and, when the model knows it, " (<comm>)".
func (r *renderer) ofPID(pid int) {
	r.bw.WriteString(" of PID ")
	r.int(int64(pid))
	if t := r.m.Tasks[pid]; t != nil && t.Comm != "" {
		r.bw.WriteString(" (")
		r.bw.WriteString(safeText(t.Comm))
		r.bw.WriteByte(')')
	}
}

// safeText returns s unchanged when it is valid UTF-8 made of printable
// characters ([strconv.IsPrint]: no control, format or line-separator
// characters, no space other than U+0020) and does not start with a double
// quote; otherwise s Go-quoted, so that it cannot break a line, forge
// another, or drive the terminal.
func safeText(s string) string {
	if s == "" || s[0] == '"' {
		return strconv.Quote(s)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return strconv.Quote(s)
			}
			i++
			continue
		}
		ch, size := utf8.DecodeRuneInString(s[i:])
		if ch == utf8.RuneError && size == 1 || !strconv.IsPrint(ch) {
			return strconv.Quote(s)
		}
		i += size
	}
	return s
}

// lineWrapper fills lines with words separated by single spaces, keeping
// each line's length at most width; a word longer than width gets a line of
// its own. Completed lines go to emit, whose argument is only valid during
// the call.
type lineWrapper struct {
	width int
	line  []byte
	num   []byte
	emit  func(line []byte)
}

func (lw *lineWrapper) add(word []byte) {
	if len(lw.line) > 0 {
		if len(lw.line)+1+len(word) > lw.width {
			lw.emit(lw.line)
			lw.line = lw.line[:0]
		} else {
			lw.line = append(lw.line, ' ')
		}
	}
	lw.line = append(lw.line, word...)
}

func (lw *lineWrapper) addInt(v int) {
	lw.num = strconv.AppendInt(lw.num[:0], int64(v), 10)
	lw.add(lw.num)
}

// flush emits the last, partial line, if any.
func (lw *lineWrapper) flush() {
	if len(lw.line) > 0 {
		lw.emit(lw.line)
		lw.line = lw.line[:0]
	}
}
