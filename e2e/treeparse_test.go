package e2e

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// This file parses the text tree that namespaces_of prints (see the package
// documentation of render/tree) back into nodes, strictly: any line that is
// not exactly in the documented format, at the indent its place in the tree
// requires, fails the test. It also holds the checks the tests make on
// parsed trees. Every test of this package that reads a tree uses it.

// member is one member printed one per line (--show-comm, --all-pids).
type member struct {
	IDs     []int  // the PID, or the NStgid set; nil for "{ ? }"
	Set     bool   // printed as "{ ... }"
	Comm    string // after the two spaces, when HasComm
	HasComm bool
	Text    string // the line without its indent
}

// node is one line of the tree that names a namespace (or the pseudo node
// for namespaces whose owner is not visible), with what is printed under it.
type node struct {
	LineNo    int // 1-based
	Level     int // indent / 4
	Invisible bool
	Type      string
	Dev, Ino  uint64
	UID       int64 // user namespaces: the creator's UID, -1 for "?"
	HasMaps   bool
	UIDMap    string // as printed, "?" when unknown
	GIDMap    string
	HasList   bool  // a bracketed member list was printed
	Members   []int // from the bracketed list, or the first ID of each one-per-line member
	Lines     []member
	Holders   []string // "held by ..." lines, without the prefix, in output order
	Parent    *node
	Children  []*node
}

func (n *node) String() string {
	if n == nil {
		return "<nil>"
	}
	if n.Invisible {
		return fmt.Sprintf("[invisible ancestor user NS] (line %d)", n.LineNo)
	}
	return fmt.Sprintf("%s {%d %d} (line %d, level %d)", n.Type, n.Dev, n.Ino, n.LineNo, n.Level)
}

// Text returns the namespace line of n without its indent.
func (n *node) Text() string {
	if n.Invisible {
		return "[invisible ancestor user NS]"
	}
	s := n.Type + " {" + strconv.FormatUint(n.Dev, 10) + " " + strconv.FormatUint(n.Ino, 10) + "}"
	if n.Type == "user" {
		uid := "?"
		if n.UID >= 0 {
			uid = strconv.FormatInt(n.UID, 10)
		}
		s += " <UID: " + uid
		if n.HasMaps {
			s += "; u: " + n.UIDMap + "; g: " + n.GIDMap
		}
		s += ">"
	}
	return s
}

// is reports whether n is the namespace typ with inode ino.
func (n *node) is(typ string, ino uint64) bool {
	return n != nil && !n.Invisible && n.Type == typ && n.Ino == ino
}

// hasMember reports whether id is among the node's members.
func (n *node) hasMember(id int) bool { return slices.Contains(n.Members, id) }

// parsedTree is a whole output.
type parsedTree struct {
	Text   string
	Roots  []*node
	Nodes  []*node // in output order
	dumped bool
}

// dump returns the output for a failure message: in full the first time,
// then a reference to it, so that a failing test prints a long tree once.
func (tr *parsedTree) dump() string {
	if tr.dumped {
		return "(see the output above)"
	}
	tr.dumped = true
	return "\n" + tr.Text
}

var (
	headRE = regexp.MustCompile(`^([a-z]+) \{([0-9]+) ([0-9]+)\}(?: <UID: ([0-9]+|\?)(?:; u: ([^;<>]*); g: ([^;<>]*))?>)?$`)
	setRE  = regexp.MustCompile(`^\{ ((?:[1-9][0-9]* )*[1-9][0-9]*|\?) \}(?:  (.+))?$`)
	pidRE  = regexp.MustCompile(`^([1-9][0-9]*)( .*)$`)
	mapRE  = regexp.MustCompile(`^(?:\?|(?:[0-9]+ [0-9]+ [0-9]+(?: [0-9]+ [0-9]+ [0-9]+)*)?)$`)
)

var nsTypes = []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

// parseTree parses out, the stdout of the tool run with args, failing the
// test on any line that is not in the documented format (see
// parseTreeText) or on members printed otherwise than args ask for (see
// checkMemberStyle).
func parseTree(t testing.TB, out string, args ...string) *parsedTree {
	t.Helper()
	tr, err := parseTreeText(out)
	if err == nil {
		err = checkMemberStyle(tr, args)
	}
	if err != nil {
		t.Fatalf("tree output %v\nfull output:\n%s", err, out)
	}
	return tr
}

// parseTreeText parses a tree output. It fails on any line that is not a
// namespace line, the invisible-ancestor line, a line of a bracketed member
// list (single-spaced, wrapped to 80 columns, the width when stdout is not
// a terminal), a one-per-line member or a "held by" line, at the indent its
// place in the tree requires and in the documented order (members, then
// holders; none under the pseudo node); on blank lines, trailing spaces and
// control characters; and on a namespace printed twice.
func parseTreeText(out string) (*parsedTree, error) {
	tr := &parsedTree{Text: out}
	if out == "" {
		return tr, nil
	}
	if !strings.HasSuffix(out, "\n") {
		return nil, errors.New("does not end with a newline")
	}
	type id struct{ dev, ino uint64 }
	seen := map[id]*node{}
	var stack []*node // stack[i] is the last node at level i
	var cur *node     // the node member lines belong to
	inList := false   // inside a bracketed list of cur
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		no := i + 1
		bad := func(format string, args ...any) error {
			return fmt.Errorf("line %d %q: %s", no, line, fmt.Sprintf(format, args...))
		}
		text := strings.TrimLeft(line, " ")
		ind := len(line) - len(text)
		if text == "" {
			return nil, bad("empty or blank line")
		}
		if strings.HasSuffix(text, " ") || strings.Contains(text, "\t") || strings.Contains(text, "\r") {
			return nil, bad("trailing space or control character")
		}
		// Member and holder lines: 8 deeper than their namespace.
		if cur != nil && ind == cur.Level*4+8 {
			if cur.Invisible {
				return nil, bad("member or holder line under the invisible-ancestor node")
			}
			switch {
			case inList || strings.HasPrefix(text, "["):
				first := !inList
				if first && (cur.HasList || len(cur.Lines) > 0 || len(cur.Holders) > 0) {
					return nil, bad("second member list, or a list after other members or holders")
				}
				cur.HasList = true
				ids, more, err := parseListLine(text, first)
				if err != nil {
					return nil, bad("%v", err)
				}
				cur.Members, inList = append(cur.Members, ids...), more
				if len(line) > 80 && len(text) > 32 {
					return nil, bad("bracketed list line wider than 80 columns")
				}
			case strings.HasPrefix(text, "held by "):
				cur.Holders = append(cur.Holders, strings.TrimPrefix(text, "held by "))
			default:
				if cur.HasList || len(cur.Holders) > 0 {
					return nil, bad("member line after a list or holders")
				}
				m, ok := parseMemberLine(text)
				if !ok {
					return nil, bad("not a member, holder or namespace line")
				}
				cur.Lines = append(cur.Lines, m)
				if len(m.IDs) > 0 {
					cur.Members = append(cur.Members, m.IDs[0])
				}
			}
			continue
		}
		if inList {
			return nil, bad("bracketed list not closed")
		}
		if ind%4 != 0 {
			return nil, bad("indent is not a multiple of 4")
		}
		n := &node{LineNo: no, Level: ind / 4, UID: -1}
		if text == "[invisible ancestor user NS]" {
			n.Invisible = true
		} else {
			m := headRE.FindStringSubmatch(text)
			if m == nil {
				return nil, bad("not a namespace line")
			}
			n.Type = m[1]
			if !slices.Contains(nsTypes, n.Type) {
				return nil, bad("unknown namespace type")
			}
			n.Dev, _ = strconv.ParseUint(m[2], 10, 64)
			n.Ino, _ = strconv.ParseUint(m[3], 10, 64)
			hasUID := strings.Contains(text, " <UID: ")
			if hasUID != (n.Type == "user") {
				return nil, bad("<UID: ...> on a non-user line, or missing on a user line")
			}
			if m[4] != "" && m[4] != "?" {
				n.UID, _ = strconv.ParseInt(m[4], 10, 64)
			}
			if strings.Contains(text, "; u: ") {
				n.HasMaps, n.UIDMap, n.GIDMap = true, m[5], m[6]
				if !mapRE.MatchString(n.UIDMap) || !mapRE.MatchString(n.GIDMap) {
					return nil, bad("malformed ID map (not single-spaced triples or ?)")
				}
			}
			if first, dup := seen[id{n.Dev, n.Ino}]; dup {
				return nil, bad("namespace printed twice (first on line %d)", first.LineNo)
			}
			seen[id{n.Dev, n.Ino}] = n
		}
		if n.Level > len(stack) {
			return nil, bad("indented more than one level below the previous namespace")
		}
		stack = append(stack[:n.Level], n)
		if n.Level == 0 {
			tr.Roots = append(tr.Roots, n)
		} else {
			if n.Invisible {
				return nil, bad("the invisible pseudo node is not a root")
			}
			n.Parent = stack[n.Level-1]
			n.Parent.Children = append(n.Parent.Children, n)
		}
		tr.Nodes = append(tr.Nodes, n)
		cur = n
	}
	if inList {
		return nil, errors.New("ends inside a bracketed list")
	}
	return tr, nil
}

// parseListLine returns the PIDs of one line of a bracketed list and
// whether the list continues on the next line.
func parseListLine(text string, first bool) (ids []int, more bool, err error) {
	words := strings.Split(text, " ")
	if first {
		if words[0] != "[" {
			return nil, false, errors.New(`a list starts with "[ "`)
		}
		words = words[1:]
	}
	for i, w := range words {
		if w == "]" {
			if i != len(words)-1 {
				return nil, false, errors.New(`text after "]"`)
			}
			return ids, false, nil
		}
		pid, err := strconv.Atoi(w)
		if err != nil || pid <= 0 || w != strconv.Itoa(pid) {
			return nil, false, fmt.Errorf("list word %q is not a PID (lists are single-spaced)", w)
		}
		ids = append(ids, pid)
	}
	return ids, true, nil
}

// parseMemberLine parses a one-per-line member: "{ 4312 1 }", "{ 4312 1 }  comm"
// or "4312   comm" (the PID left-aligned in 5 columns, then two spaces).
func parseMemberLine(text string) (member, bool) {
	m := member{Text: text}
	if s := setRE.FindStringSubmatch(text); s != nil {
		m.Set = true
		if s[1] != "?" {
			for _, f := range strings.Split(s[1], " ") {
				v, _ := strconv.Atoi(f)
				m.IDs = append(m.IDs, v)
			}
		}
		m.Comm, m.HasComm = s[2], s[2] != ""
		return m, true
	}
	if s := pidRE.FindStringSubmatch(text); s != nil {
		// The name may itself start with spaces: the padding is exact.
		comm, ok := strings.CutPrefix(s[2], strings.Repeat(" ", max(0, 5-len(s[1])))+"  ")
		if !ok || comm == "" {
			return m, false
		}
		v, _ := strconv.Atoi(s[1])
		m.IDs = []int{v}
		m.Comm, m.HasComm = comm, true
		return m, true
	}
	return m, false
}

// checkMemberStyle checks that the members are printed as the tool's
// arguments ask: not at all with --no-pids, one per line with --show-comm
// or --all-pids, and as bracketed lists otherwise.
func checkMemberStyle(tr *parsedTree, args []string) error {
	noPIDs := slices.Contains(args, "--no-pids")
	perLine := slices.Contains(args, "--show-comm") || slices.Contains(args, "--all-pids")
	for _, n := range tr.Nodes {
		switch {
		case noPIDs && (n.HasList || len(n.Lines) > 0):
			return fmt.Errorf("%v: members printed with --no-pids", n)
		case perLine && n.HasList:
			return fmt.Errorf("%v: bracketed member list with --show-comm or --all-pids", n)
		case !perLine && len(n.Lines) > 0:
			return fmt.Errorf("%v: one-per-line members without --show-comm or --all-pids", n)
		}
	}
	return nil
}

// --- finding nodes ---

// all returns the nodes that are namespace typ with inode ino.
func (tr *parsedTree) all(typ string, ino uint64) []*node {
	var out []*node
	for _, n := range tr.Nodes {
		if n.is(typ, ino) {
			out = append(out, n)
		}
	}
	return out
}

// get returns the one node of namespace typ/ino, failing unless it is
// printed exactly once, on the nsfs device.
func (tr *parsedTree) get(t testing.TB, typ string, ino uint64) *node {
	t.Helper()
	nodes := tr.all(typ, ino)
	if len(nodes) != 1 {
		t.Fatalf("%s namespace %d is printed %d times, want once; output: %s", typ, ino, len(nodes), tr.dump())
	}
	if dev := nsfsDev(t); nodes[0].Dev != dev {
		t.Fatalf("%v: device %d, want the nsfs device %d", nodes[0], nodes[0].Dev, dev)
	}
	return nodes[0]
}

// under returns the one node of namespace typ/ino (see get), failing unless
// it is printed under the namespace ptyp/pino.
func (tr *parsedTree) under(t testing.TB, typ string, ino uint64, ptyp string, pino uint64) *node {
	t.Helper()
	n := tr.get(t, typ, ino)
	if !n.Parent.is(ptyp, pino) {
		t.Fatalf("%v is under %v, want under %s {%d %d}; output: %s", n, n.Parent, ptyp, nsfsDev(t), pino, tr.dump())
	}
	return n
}

// absent fails the test if namespace typ/ino is printed.
func (tr *parsedTree) absent(t testing.TB, typ string, ino uint64) {
	t.Helper()
	if nodes := tr.all(typ, ino); len(nodes) != 0 {
		t.Fatalf("%s namespace %d is printed (%v), want it absent; output: %s", typ, ino, nodes[0], tr.dump())
	}
}

// invisible returns the pseudo node, or nil.
func (tr *parsedTree) invisible() *node {
	for _, r := range tr.Roots {
		if r.Invisible {
			return r
		}
	}
	return nil
}

// memberOf returns the nodes that list pid as a member.
func (tr *parsedTree) memberOf(pid int) []*node {
	var out []*node
	for _, n := range tr.Nodes {
		if n.hasMember(pid) {
			out = append(out, n)
		}
	}
	return out
}

// everyNode checks every node with check (which returns "" or what is
// wrong) and reports the first few failures and how many there were.
func everyNode(t testing.TB, tr *parsedTree, check func(n *node) string) {
	t.Helper()
	var bad []string
	for _, n := range tr.Nodes {
		if why := check(n); why != "" {
			bad = append(bad, n.String()+": "+why)
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d namespaces wrong, e.g.:\n  %s", len(bad), strings.Join(bad[:min(len(bad), 3)], "\n  "))
	}
}

// --- checks that report and go on ---

// want describes a node the test expects: its identity, and optionally its
// members (nil: not checked; empty non-nil: none).
type want struct {
	Type    string
	Ino     uint64
	Members []int
}

func (w want) String() string { return fmt.Sprintf("%s %d", w.Type, w.Ino) }

// checkNode checks that n is the namespace w and has exactly w's members.
func checkNode(t testing.TB, tr *parsedTree, n *node, w want) {
	t.Helper()
	if !n.is(w.Type, w.Ino) {
		t.Errorf("got %v, want %v; output: %s", n, w, tr.dump())
		return
	}
	if n.Dev != nsfsDev(t) {
		t.Errorf("%v: device %d, want the nsfs device %d", n, n.Dev, nsfsDev(t))
	}
	if w.Members != nil && !slices.Equal(n.Members, w.Members) {
		t.Errorf("%v: members %v, want %v; output: %s", n, n.Members, w.Members, tr.dump())
	}
}

// checkChildren checks that the children of n are exactly ws, in order.
func checkChildren(t testing.TB, tr *parsedTree, n *node, ws ...want) {
	t.Helper()
	if len(n.Children) != len(ws) {
		t.Errorf("%v has children %v, want %v; output: %s", n, n.Children, ws, tr.dump())
		return
	}
	for i, w := range ws {
		checkNode(t, tr, n.Children[i], w)
	}
}

// checkUnder checks that namespace w is printed once, as a child of parent
// (level parent.Level+1), with w's members.
func checkUnder(t testing.TB, tr *parsedTree, parent *node, w want) *node {
	t.Helper()
	n := tr.get(t, w.Type, w.Ino)
	if n.Parent != parent {
		t.Errorf("%v is under %v, want under %v; output: %s", n, n.Parent, parent, tr.dump())
	}
	if parent != nil && n.Level != parent.Level+1 {
		t.Errorf("%v is at level %d, want %d", n, n.Level, parent.Level+1)
	}
	checkNode(t, tr, n, w)
	return n
}

// checkUser checks the creator UID and the maps printed on a user line.
func checkUser(t testing.TB, n *node, uid int64, uidMap, gidMap string) {
	t.Helper()
	if n.UID != uid {
		t.Errorf("%v: creator UID %d, want %d", n, n.UID, uid)
	}
	if !n.HasMaps {
		t.Errorf("%v: no maps printed, want u: %s; g: %s", n, uidMap, gidMap)
		return
	}
	if n.UIDMap != uidMap || n.GIDMap != gidMap {
		t.Errorf("%v: maps u: %q g: %q, want u: %q g: %q", n, n.UIDMap, n.GIDMap, uidMap, gidMap)
	}
}

// expect is what a test knows about a namespace it created and the tree
// shows with --holders.
type expect struct {
	Type    string
	Ino     uint64
	Under   string // tree parent type ("user" or "pid")
	UnderNo uint64 // tree parent inode
	Members []int  // exact member list (nil: none)
	Holders []string
}

// check compares the node of e with e: tree parent, members and the exact
// "held by" lines (but for those of concurrent scanners, see ownHolders).
func (e expect) check(t testing.TB, tr *parsedTree) *node {
	t.Helper()
	n := tr.get(t, e.Type, e.Ino)
	if !n.Parent.is(e.Under, e.UnderNo) {
		t.Errorf("%v is under %v, want under %s %d", n, n.Parent, e.Under, e.UnderNo)
	}
	if !slices.Equal(n.Members, e.Members) {
		t.Errorf("%v members %v, want %v", n, n.Members, e.Members)
	}
	if got := ownHolders(t, n.Holders); !slices.Equal(got, e.Holders) {
		t.Errorf("%v holders:\n  got  %q\n  want %q", n, got, e.Holders)
	}
	return n
}

// scannerFDRE matches the holder line of an fd of a namespace scanner
// (another run of the tool, or a test binary scanning through the library)
// that happened to hold the namespace open while it resolved it.
var scannerFDRE = regexp.MustCompile(`^fd [0-9]+ of PID [0-9]+ \((namespaces_of|[^()]*\.test)\)$`)

// ownHolders drops, with a log line, the holders that are fds of
// concurrent scanners: on a shared machine another scan may hold any
// namespace for a moment, and that is no fault of the scan under test.
func ownHolders(t testing.TB, holders []string) []string {
	t.Helper()
	var out []string
	for _, h := range holders {
		if scannerFDRE.MatchString(h) {
			t.Logf("ignoring a concurrent scanner's holder: %q", h)
			continue
		}
		out = append(out, h)
	}
	return out
}

// --- checks that stop the test ---

// members checks the node's members exactly (order as printed).
func (n *node) members(t testing.TB, want ...int) {
	t.Helper()
	if !slices.Equal(n.Members, want) {
		t.Fatalf("%v: members %v, want %v", n, n.Members, want)
	}
}

// held checks the node's "held by" lines exactly.
func (n *node) held(t testing.TB, want ...string) {
	t.Helper()
	if !slices.Equal(n.Holders, want) {
		t.Fatalf("%v: held by %q, want %q", n, n.Holders, want)
	}
}

// heldByHostMount checks the holders of a namespace bind-mounted at path
// in the tool's own mount namespace mntNS: exactly that line, plus at most
// the same mount in other mount namespaces. Every mount namespace created
// by copying the host's while the mount exists (unshare -m by any test
// running on this host meanwhile) really holds the namespace too.
func (n *node) heldByHostMount(t testing.TB, path string, mntNS uint64) {
	t.Helper()
	want := fmt.Sprintf("bind mount %s (mount ns %d)", path, mntNS)
	prefix := "bind mount " + path + " (mount ns "
	found := 0
	for _, h := range n.Holders {
		if h == want {
			found++
			continue
		}
		rest, ok := strings.CutPrefix(h, prefix)
		if ino, isNum := strings.CutSuffix(rest, ")"); ok && isNum {
			if v, err := strconv.ParseUint(ino, 10, 64); err == nil && v != mntNS && v != 0 {
				continue
			}
		}
		t.Fatalf("%v: unexpected holder %q; want %q (and copies in other mount namespaces)", n, h, want)
	}
	if found != 1 {
		t.Fatalf("%v: held by %q, want %q once", n, n.Holders, want)
	}
}

// TestDiscTreeParser checks the parser on a sample of every line kind, and
// that it rejects what is not in the format.
func TestDiscTreeParser(t *testing.T) {
	const out = `user {4 1} <UID: 0; u: 0 0 4294967295; g: 0 0 4294967295>
        [ 1 2 3
        4 ]
    net {4 7}
            held by socket fd 3 of PID 9 (nshelper)
    user {4 2} <UID: 0; u: ?; g: ?>
            held by ancestor of net {4 8}
        net {4 8}
                [ 5 ]
[invisible ancestor user NS]
    uts {4 9}
            held by bind mount /a b/nsfs (mount ns 4026531832)
`
	tr, err := parseTreeText(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Roots) != 2 || len(tr.Nodes) != 6 {
		t.Fatalf("roots %v nodes %v", tr.Roots, tr.Nodes)
	}
	if got := tr.Roots[0].Members; !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Errorf("members %v", got)
	}
	// The sample's device 4 need not be this host's nsfs device, which
	// get requires.
	one := func(typ string, ino uint64) *node {
		t.Helper()
		nodes := tr.all(typ, ino)
		if len(nodes) != 1 {
			t.Fatalf("%s %d appears %d times in the tree, want once", typ, ino, len(nodes))
		}
		return nodes[0]
	}
	n := one("net", 8)
	if n.Parent.Ino != 2 || !slices.Equal(n.Members, []int{5}) {
		t.Errorf("net 8: parent %v members %v", n.Parent, n.Members)
	}
	if !slices.Equal(ownHolders(t, []string{"fd 3 of PID 7 (namespaces_of)", "fd 4 of PID 8 (discover.test)", "fd 5 of PID 9 (nshelper)"}), []string{"fd 5 of PID 9 (nshelper)"}) {
		t.Errorf("ownHolders keeps a scanner's fd or drops another")
	}
	if h := one("uts", 9).Holders; !slices.Equal(h, []string{"bind mount /a b/nsfs (mount ns 4026531832)"}) {
		t.Errorf("uts holders %q", h)
	}
	if p := one("uts", 9).Parent; !p.Invisible {
		t.Errorf("uts parent %v", p)
	}
	// One-per-line members: NStgid sets, with or without a command name,
	// and PIDs padded to 5 columns.
	tr, err = parseTreeText("pid {4 1}\n        { 4312 1 }  a b\n        { ? }\n        12345  x\n        1      y\n        22       z\n")
	if err != nil {
		t.Fatal(err)
	}
	if m := tr.Nodes[0].Lines; len(m) != 5 || !m[0].Set || !slices.Equal(m[0].IDs, []int{4312, 1}) || m[0].Comm != "a b" ||
		!m[1].Set || m[1].IDs != nil || m[1].HasComm || m[2].Set || m[2].Comm != "x" || m[3].Comm != "y" || m[4].Comm != "  z" {
		t.Errorf("one-per-line members %+v", m)
	}
	if got := tr.Nodes[0].Members; !slices.Equal(got, []int{4312, 12345, 1, 22}) {
		t.Errorf("members %v, want the first ID of each line", got)
	}
	for _, c := range []struct{ why, out string }{
		{"odd indent", "  net {4 1}\n"},
		{"member at the wrong indent", "user {4 1} <UID: 0>\n    [ 1 ]\n"},
		{"unterminated", "user {4 1} <UID: 0>\n        [ 1\n"},
		{"unknown text", "user {4 1} <UID: 0>\n        hello\n"},
		{"trailing text after a non-user namespace", "net {4 1} extra\n"},
		{"child two levels down", "user {4 1} <UID: 0>\n        net {4 2}\n"},
		{"no final newline", "user {4 1} <UID: 0>"},
		{"blank line", "user {4 1} <UID: 0>\n\n"},
		{"trailing space", "user {4 1} <UID: 0> \n"},
		{"user line without UID", "user {4 1}\n"},
		{"UID on a non-user line", "net {4 1} <UID: 0>\n"},
		{"unknown type", "foo {4 1}\n"},
		{"map not single-spaced", "user {4 1} <UID: 0; u: 0  0 1; g: ?>\n"},
		{"list not single-spaced", "user {4 1} <UID: 0>\n        [  1 ]\n"},
		{"leading zero", "user {4 1} <UID: 0>\n        [ 01 ]\n"},
		{"text after ]", "user {4 1} <UID: 0>\n        [ 1 ] 2\n"},
		{"second list", "user {4 1} <UID: 0>\n        [ 1 ]\n        [ 2 ]\n"},
		{"list after holders", "user {4 1} <UID: 0>\n        held by x\n        [ 1 ]\n"},
		{"member after holders", "user {4 1} <UID: 0>\n        held by x\n        1      a\n"},
		{"member after a list", "user {4 1} <UID: 0>\n        [ 1 ]\n        1      a\n"},
		{"PID not padded to 5 columns", "user {4 1} <UID: 0>\n        12  a\n"},
		{"PID 0", "user {4 1} <UID: 0>\n        0      a\n"},
		{"PID 0 in a set", "user {4 1} <UID: 0>\n        { 0 1 }\n"},
		{"one space before the name", "user {4 1} <UID: 0>\n        { 1 2 } a\n"},
		{"holder under the pseudo node", "[invisible ancestor user NS]\n        held by x\n"},
		{"members under the pseudo node", "[invisible ancestor user NS]\n        [ 1 ]\n"},
		{"pseudo node not a root", "user {4 1} <UID: 0>\n    [invisible ancestor user NS]\n"},
		{"printed twice", "user {4 1} <UID: 0>\n    net {4 2}\nnet {4 2}\n"},
		{"wider than 80 columns", "user {4 1} <UID: 0>\n        [ " + strings.Repeat("1234 ", 15) + "]\n"},
	} {
		if _, err := parseTreeText(c.out); err == nil {
			t.Errorf("%s: parsed %q without error", c.why, c.out)
		}
	}
	// The member style follows the options.
	for _, c := range []struct {
		out  string
		args []string
	}{
		{"user {4 1} <UID: 0>\n        1      a\n", nil},
		{"user {4 1} <UID: 0>\n        [ 1 ]\n", []string{"--show-comm"}},
		{"user {4 1} <UID: 0>\n        [ 1 ]\n", []string{"--no-pids"}},
	} {
		tr, err := parseTreeText(c.out)
		if err != nil {
			t.Fatalf("%q: %v", c.out, err)
		}
		if checkMemberStyle(tr, c.args) == nil {
			t.Errorf("%q accepted for options %q", c.out, c.args)
		}
	}
}
