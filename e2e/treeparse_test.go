package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// This file parses the text tree that namespaces_of prints (see the package
// documentation of render/tree) back into nodes, strictly: any line that is
// not exactly in the documented format fails the test. It also holds the
// small helpers the tests of this package share.

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
	Members   []int // from the bracketed list, or the IDs of one-per-line members
	Lines     []member
	Holders   []string // "held by ..." lines, without the prefix
	Parent    *node
	Children  []*node
}

func (n *node) String() string {
	if n == nil {
		return "<nil>"
	}
	if n.Invisible {
		return fmt.Sprintf("[invisible] (line %d)", n.LineNo)
	}
	return fmt.Sprintf("%s {%d %d} (line %d, level %d)", n.Type, n.Dev, n.Ino, n.LineNo, n.Level)
}

// is reports whether n is the namespace typ with inode ino.
func (n *node) is(typ string, ino uint64) bool {
	return n != nil && !n.Invisible && n.Type == typ && n.Ino == ino
}

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
	setRE  = regexp.MustCompile(`^\{ ((?:[0-9]+ )*[0-9]+|\?) \}(?:  (.+))?$`)
	pidRE  = regexp.MustCompile(`^([0-9]+)( *)  (.+)$`)
	mapRE  = regexp.MustCompile(`^(?:\?|(?:[0-9]+ [0-9]+ [0-9]+(?: [0-9]+ [0-9]+ [0-9]+)*)?)$`)
)

var nsTypes = []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

// parseTree parses out, failing the test on any line that is not in the
// documented format. Bracketed lists are checked to be wrapped to 80
// columns (the width when stdout is not a terminal).
func parseTree(t testing.TB, out string) *parsedTree {
	t.Helper()
	tr := &parsedTree{Text: out}
	if out == "" {
		return tr
	}
	fail := func(no int, line, why string) {
		t.Helper()
		t.Fatalf("tree output line %d %q: %s\nfull output: %s", no, line, why, out)
	}
	if !strings.HasSuffix(out, "\n") {
		fail(0, "", "output does not end with a newline")
	}
	var stack []*node // stack[i] is the last node at level i
	var cur *node     // the node member lines belong to
	inList := false   // inside a bracketed list of cur
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		no := i + 1
		text := strings.TrimLeft(line, " ")
		ind := len(line) - len(text)
		if text == "" {
			fail(no, line, "empty or blank line")
		}
		if strings.HasSuffix(text, " ") || strings.Contains(text, "\t") || strings.Contains(text, "\r") {
			fail(no, line, "trailing space or control character")
		}
		// Member and holder lines: 8 deeper than their namespace.
		if cur != nil && ind == cur.Level*4+8 {
			switch {
			case inList:
				inList = parseListLine(t, cur, text, false, func(why string) { fail(no, line, why) })
				if len(line) > 80 && len(text) > 32 {
					fail(no, line, "bracketed list line wider than 80 columns")
				}
			case strings.HasPrefix(text, "held by "):
				cur.Holders = append(cur.Holders, strings.TrimPrefix(text, "held by "))
			case strings.HasPrefix(text, "["):
				if cur.HasList || len(cur.Lines) > 0 || len(cur.Holders) > 0 {
					fail(no, line, "second member list")
				}
				cur.HasList = true
				inList = parseListLine(t, cur, text, true, func(why string) { fail(no, line, why) })
				if len(line) > 80 && len(text) > 32 {
					fail(no, line, "bracketed list line wider than 80 columns")
				}
			default:
				if cur.HasList || len(cur.Holders) > 0 {
					fail(no, line, "member line after a list or holders")
				}
				m, ok := parseMemberLine(text)
				if !ok {
					fail(no, line, "not a member line")
				}
				cur.Lines = append(cur.Lines, m)
				if len(m.IDs) > 0 {
					cur.Members = append(cur.Members, m.IDs[0])
				}
			}
			continue
		}
		if inList {
			fail(no, line, "bracketed list not closed")
		}
		if ind%4 != 0 {
			fail(no, line, "indent is not a multiple of 4")
		}
		n := &node{LineNo: no, Level: ind / 4, UID: -1}
		if text == "[invisible ancestor user NS]" {
			n.Invisible = true
		} else {
			m := headRE.FindStringSubmatch(text)
			if m == nil {
				fail(no, line, "not a namespace line")
			}
			n.Type = m[1]
			if !slices.Contains(nsTypes, n.Type) {
				fail(no, line, "unknown namespace type")
			}
			n.Dev, _ = strconv.ParseUint(m[2], 10, 64)
			n.Ino, _ = strconv.ParseUint(m[3], 10, 64)
			hasUID := strings.Contains(text, " <UID: ")
			if hasUID != (n.Type == "user") {
				fail(no, line, "<UID: ...> on a non-user line, or missing on a user line")
			}
			if m[4] != "" && m[4] != "?" {
				n.UID, _ = strconv.ParseInt(m[4], 10, 64)
			}
			if strings.Contains(text, "; u: ") {
				n.HasMaps, n.UIDMap, n.GIDMap = true, m[5], m[6]
				if !mapRE.MatchString(n.UIDMap) || !mapRE.MatchString(n.GIDMap) {
					fail(no, line, "malformed ID map (not single-spaced triples or ?)")
				}
			}
		}
		if n.Level > len(stack) {
			fail(no, line, "indented more than one level below the previous namespace")
		}
		stack = append(stack[:n.Level], n)
		if n.Level == 0 {
			tr.Roots = append(tr.Roots, n)
		} else {
			p := stack[n.Level-1]
			if n.Invisible {
				fail(no, line, "the invisible pseudo node is not a root")
			}
			n.Parent = p
			p.Children = append(p.Children, n)
		}
		tr.Nodes = append(tr.Nodes, n)
		cur = n
	}
	if inList {
		t.Fatalf("tree output ends inside a bracketed list:\n%s", out)
	}
	return tr
}

// parseListLine adds the PIDs of one line of a bracketed list to n and
// reports whether the list continues on the next line.
func parseListLine(t testing.TB, n *node, text string, first bool, fail func(string)) bool {
	t.Helper()
	words := strings.Split(text, " ")
	if first {
		if words[0] != "[" {
			fail("a list starts with \"[ \"")
		}
		words = words[1:]
	}
	for i, w := range words {
		if w == "]" {
			if i != len(words)-1 {
				fail("text after \"]\"")
			}
			return false
		}
		pid, err := strconv.Atoi(w)
		if err != nil || pid <= 0 || w != strconv.Itoa(pid) {
			fail(fmt.Sprintf("list word %q is not a PID (lists are single-spaced)", w))
		}
		n.Members = append(n.Members, pid)
	}
	return true
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
		m.Comm, m.HasComm = s[2], strings.HasPrefix(text[strings.Index(text, "}")+1:], "  ")
		return m, true
	}
	if s := pidRE.FindStringSubmatch(text); s != nil {
		if pad := max(0, 5-len(s[1])); len(s[2]) != pad {
			return m, false
		}
		v, _ := strconv.Atoi(s[1])
		m.IDs = []int{v}
		m.Comm, m.HasComm = s[3], true
		return m, true
	}
	return m, false
}

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
// printed exactly once.
func (tr *parsedTree) get(t testing.TB, typ string, ino uint64) *node {
	t.Helper()
	nodes := tr.all(typ, ino)
	if len(nodes) != 1 {
		t.Fatalf("%s namespace %d is printed %d times, want once; output: %s", typ, ino, len(nodes), tr.dump())
	}
	return nodes[0]
}

// absent fails if namespace typ/ino is printed.
func (tr *parsedTree) absent(t testing.TB, typ string, ino uint64) {
	t.Helper()
	if nodes := tr.all(typ, ino); len(nodes) != 0 {
		t.Errorf("%s namespace %d is printed (%v), want it absent; output: %s", typ, ino, nodes[0], tr.dump())
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
		if slices.Contains(n.Members, pid) {
			out = append(out, n)
		}
	}
	return out
}

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

// --- shared helpers ---

var nsfsDevice uint64

// nsfsDev is the device of nsfs (the first number of "{4 4026531837}").
func nsfsDev(t testing.TB) uint64 {
	t.Helper()
	if nsfsDevice == 0 {
		var st unix.Stat_t
		if err := unix.Stat("/proc/self/ns/user", &st); err != nil {
			t.Fatal(err)
		}
		nsfsDevice = st.Dev
	}
	return nsfsDevice
}

// selfNS is the inode of the test process's own namespace of type typ (the
// initial ones, on the machines these tests run on as root).
func selfNS(t testing.TB, typ string) uint64 { return nstest.NS(t, os.Getpid(), typ) }

var skippedRE = regexp.MustCompile(`^namespaces_of: could not inspect ([0-9]+) process(?:es)? \(([^()]+)\); their namespaces may be missing$`)

// stderrLines splits stderr into lines.
func stderrLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// runTree runs the tool, requires exit status 0 and no stderr line other
// than the count of processes it could not inspect (PID 1 is protected on
// some hosts), and parses the output.
func runTree(t testing.TB, args ...string) *parsedTree {
	t.Helper()
	return checkRun(t, nstest.Run(t, args...), args)
}

func checkRun(t testing.TB, r nstest.Result, args []string) *parsedTree {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("namespaces_of %q: exit status %d, want 0; stderr:\n%s", args, r.Code, r.Stderr)
	}
	lines := stderrLines(r.Stderr)
	if len(lines) > 1 || len(lines) == 1 && !skippedRE.MatchString(lines[0]) {
		t.Errorf("namespaces_of %q: unexpected stderr:\n%s", args, r.Stderr)
	}
	return parseTree(t, r.Stdout)
}

// mustRunText runs the tool and returns its stdout, requiring exit 0.
func mustRunText(t testing.TB, args ...string) string {
	t.Helper()
	r := nstest.Run(t, args...)
	if r.Code != 0 {
		t.Fatalf("namespaces_of %q: exit status %d; stderr:\n%s", args, r.Code, r.Stderr)
	}
	return r.Stdout
}

// publicBinaries copies the tool and the helper into a directory that every
// user can read and search (nstest builds them in a 0700 directory), for
// processes that run as another user or with a UID that does not map to
// root. The directory is removed when the test ends.
func publicBinaries(t testing.TB) (tool, helper string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "e2e-public-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for p := filepath.Dir(dir); p != "/"; p = filepath.Dir(p) {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil || st.Mode&0o001 == 0 {
			t.Skipf("%s is not searchable by other users; cannot run binaries from it as another user", p)
		}
	}
	cp := func(src string) string {
		dst := filepath.Join(dir, filepath.Base(src))
		in, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	return cp(nstest.Tool(t)), cp(nstest.Helper(t))
}

// children lists the child processes of pid.
func children(t testing.TB, pid int) []int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		t.Fatalf("children of %d: %v", pid, err)
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		v, _ := strconv.Atoi(f)
		out = append(out, v)
	}
	return out
}

// onlyChild returns the single child process of pid.
func onlyChild(t testing.TB, pid int) int {
	t.Helper()
	kids := children(t, pid)
	if len(kids) != 1 {
		t.Fatalf("process %d has children %v, want exactly one", pid, kids)
	}
	return kids[0]
}

// idMap returns /proc/PID/uid_map or gid_map as the tree prints it: the
// numbers of every line, single-spaced.
func idMap(t testing.TB, pid int, file string) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(data)), " ")
}

// nstgid returns the NStgid line of /proc/PID/status.
func nstgid(t testing.TB, pid int) []int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "NStgid:"); ok {
			var out []int
			for _, f := range strings.Fields(rest) {
				v, _ := strconv.Atoi(f)
				out = append(out, v)
			}
			return out
		}
	}
	t.Fatalf("/proc/%d/status has no NStgid line", pid)
	return nil
}

// wrapped runs the tool as the last command of a shell wrapper: the shell
// first writes its PID and the inodes of the given namespace types (one per
// line, "PID" then "type:[inode]") to a file, then execs the tool, so the
// tool runs as that PID in those namespaces. prefix is what runs the shell
// (e.g. unshare -Ur). It returns the command and a function that reads the
// report after the command ran.
func wrapped(t testing.TB, tool string, prefix []string, types []string, args ...string) (*exec.Cmd, func() (pid int, ns map[string]uint64)) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "report-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	script := `echo $$ >&3`
	for _, typ := range types {
		script += `; readlink /proc/$$/ns/` + typ + ` >&3`
	}
	script += `; exec 3>&-; exec "$0" "$@"`
	argv := append(append(slices.Clone(prefix), "/bin/sh", "-c", script, tool), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.ExtraFiles = []*os.File{f}
	return cmd, func() (int, map[string]uint64) {
		t.Helper()
		data, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Fields(string(data))
		if len(lines) != 1+len(types) {
			t.Fatalf("wrapper report %q: want a PID and %d namespaces", data, len(types))
		}
		pid, err := strconv.Atoi(lines[0])
		if err != nil {
			t.Fatalf("wrapper report %q: %v", data, err)
		}
		ns := map[string]uint64{}
		for i, typ := range types {
			s := strings.TrimSuffix(strings.TrimPrefix(lines[1+i], typ+":["), "]")
			ino, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatalf("wrapper report line %q: %v", lines[1+i], err)
			}
			ns[typ] = ino
		}
		return pid, ns
	}
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
