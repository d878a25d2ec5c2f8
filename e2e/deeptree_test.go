package e2e

// A strict parser of the tree output, for the deep-scan, search-tasks and
// churn tests: every stdout line must be one of the line kinds of the tree
// grammar (render/tree), at the indent its place in the tree requires, or
// parsing fails. Identifiers carry the "deep" prefix so that they cannot
// clash with the other parser of the package (treeparse_test.go).

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// deepNode is one namespace line of the tree (or the invisible-ancestor
// pseudo node) with what is printed beneath it.
type deepNode struct {
	Line      int  // 1-based line number of the node's own line
	Level     int  // tree depth: indent / 4
	Invisible bool // the "[invisible ancestor user NS]" pseudo node
	Type      string
	Dev, Ino  uint64
	UID       string // user namespaces: the creator UID text ("0", "?")
	Maps      string // user namespaces: "u: ...; g: ..." or "" when not shown
	Members   []int  // bracketed list, or the IDs of one-per-line members
	Sets      [][]int
	Comms     []string // one-per-line members' command names
	Held      []string // the text after "held by "
	Parent    *deepNode
	Children  []*deepNode
}

func (n *deepNode) String() string {
	if n == nil {
		return "<nil>"
	}
	if n.Invisible {
		return "[invisible ancestor user NS]"
	}
	return fmt.Sprintf("%s {%d %d}", n.Type, n.Dev, n.Ino)
}

// deepTree is a parsed tree output.
type deepTree struct {
	Roots []*deepNode
	Nodes []*deepNode // every node, in output order
	Text  string      // the output, for failure messages
}

var (
	deepNSRe        = regexp.MustCompile(`^( *)(cgroup|ipc|mnt|net|pid|time|user|uts) \{([0-9]+) ([0-9]+)\}(.*)$`)
	deepUserTailRe  = regexp.MustCompile(`^ <UID: ([0-9]+|\?)(; u: ((?:[0-9]+ [0-9]+ [0-9]+(?: [0-9]+ [0-9]+ [0-9]+)*)?|\?); g: ((?:[0-9]+ [0-9]+ [0-9]+(?: [0-9]+ [0-9]+ [0-9]+)*)?|\?))?>$`)
	deepInvisibleRe = regexp.MustCompile(`^( *)\[invisible ancestor user NS\]$`)
	deepSetRe       = regexp.MustCompile(`^\{((?: [0-9]+)+| \?) \}`)
)

// parseDeepTree parses the tree output strictly. It fails on any line that
// is not a namespace line, an invisible-ancestor line, a member list line, a
// one-per-line member, or a "held by" line at the right indent and in the
// right order (members before holders).
func parseDeepTree(out string) (*deepTree, error) {
	dt := &deepTree{Text: out}
	if out == "" {
		return dt, nil
	}
	if !strings.HasSuffix(out, "\n") {
		return nil, errors.New("output does not end with a newline")
	}
	var (
		stack  []*deepNode // the path from a root to the current node
		cur    *deepNode
		inList bool // inside a bracketed member list
		phase  int  // of cur: 0 nothing yet, 1 members, 2 holders
		list   bool // cur's members are a bracketed list
	)
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		no := i + 1
		bad := func(format string, args ...any) error {
			return fmt.Errorf("line %d %q: %s", no, line, fmt.Sprintf(format, args...))
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		body := line[indent:]
		nsm := deepNSRe.FindStringSubmatch(line)
		invm := deepInvisibleRe.FindStringSubmatch(line)
		if nsm != nil || invm != nil {
			if inList {
				return nil, bad("namespace line inside an unterminated member list")
			}
			if indent%4 != 0 {
				return nil, bad("namespace indent %d is not a multiple of 4", indent)
			}
			level := indent / 4
			if level > len(stack) {
				return nil, bad("indent level %d below a node of level %d", level, len(stack)-1)
			}
			n := &deepNode{Line: no, Level: level}
			if invm != nil {
				n.Invisible = true
			} else {
				n.Type = nsm[2]
				n.Dev, _ = strconv.ParseUint(nsm[3], 10, 64)
				n.Ino, _ = strconv.ParseUint(nsm[4], 10, 64)
				tail := nsm[5]
				if n.Type == "user" {
					um := deepUserTailRe.FindStringSubmatch(tail)
					if um == nil {
						return nil, bad("bad user namespace suffix %q", tail)
					}
					n.UID = um[1]
					if um[2] != "" {
						n.Maps = strings.TrimPrefix(um[2], "; ")
					}
				} else if tail != "" {
					return nil, bad("unexpected text after a %s namespace", n.Type)
				}
			}
			stack = stack[:level]
			if level > 0 {
				n.Parent = stack[level-1]
				n.Parent.Children = append(n.Parent.Children, n)
			} else {
				dt.Roots = append(dt.Roots, n)
			}
			stack = append(stack, n)
			dt.Nodes = append(dt.Nodes, n)
			cur, phase, list = n, 0, false
			continue
		}
		if cur == nil {
			return nil, bad("not a namespace line, and no namespace before it")
		}
		if want := cur.Level*4 + 8; indent != want {
			return nil, bad("indent %d, want %d (members and holders of %s)", indent, want, cur)
		}
		if cur.Invisible {
			return nil, bad("member or holder line under the invisible-ancestor node")
		}
		switch {
		case inList:
			ids, closed, err := deepListWords(body, false)
			if err != nil {
				return nil, bad("%v", err)
			}
			cur.Members = append(cur.Members, ids...)
			inList = !closed
		case strings.HasPrefix(body, "["):
			if phase != 0 {
				return nil, bad("member list after other members or holders")
			}
			ids, closed, err := deepListWords(body, true)
			if err != nil {
				return nil, bad("%v", err)
			}
			cur.Members = append(cur.Members, ids...)
			inList, phase, list = !closed, 1, true
		case strings.HasPrefix(body, "held by "):
			text := strings.TrimPrefix(body, "held by ")
			if text == "" {
				return nil, bad("empty holder")
			}
			cur.Held = append(cur.Held, text)
			phase = 2
		default:
			if phase == 2 || list {
				return nil, bad("one-per-line member after holders or a member list")
			}
			if err := deepOneMember(cur, body); err != nil {
				return nil, bad("%v", err)
			}
			phase = 1
		}
	}
	if inList {
		return nil, errors.New("unterminated member list at the end of the output")
	}
	return dt, nil
}

// deepListWords parses one line of a bracketed member list: words separated
// by single spaces, "[" first on the first line, "]" last on the last.
func deepListWords(body string, first bool) (ids []int, closed bool, err error) {
	words := strings.Split(body, " ")
	for i, w := range words {
		switch {
		case w == "[" && i == 0 && first:
		case w == "]" && i == len(words)-1 && (!first || i > 0):
			closed = true
		default:
			id, err := strconv.Atoi(w)
			if err != nil || id <= 0 || w[0] == '0' || w[0] == '+' {
				return nil, false, fmt.Errorf("bad member list word %q", w)
			}
			ids = append(ids, id)
		}
	}
	if first && words[0] != "[" {
		return nil, false, errors.New("member list does not start with [")
	}
	return ids, closed, nil
}

// deepOneMember parses a one-per-line member: "%-5d" or "{ 1 2 }", then,
// with a command name, two spaces and the name.
func deepOneMember(n *deepNode, body string) error {
	var rest string
	if m := deepSetRe.FindStringSubmatch(body); m != nil {
		var set []int
		if m[1] != " ?" {
			for _, f := range strings.Fields(m[1]) {
				v, err := strconv.Atoi(f)
				if err != nil || v <= 0 {
					return fmt.Errorf("bad PID %q in set", f)
				}
				set = append(set, v)
			}
			n.Members = append(n.Members, set[len(set)-1])
		}
		n.Sets = append(n.Sets, set)
		rest = body[len(m[0]):]
		if rest == "" {
			return nil
		}
	} else {
		digits := len(body) - len(strings.TrimLeft(body, "0123456789"))
		if digits == 0 {
			return errors.New("not a member, holder or namespace line")
		}
		id, err := strconv.Atoi(body[:digits])
		if err != nil || id <= 0 || body[0] == '0' {
			return fmt.Errorf("bad member ID %q", body[:digits])
		}
		n.Members = append(n.Members, id)
		pad := max(5-digits, 0)
		rest = body[digits:]
		if !strings.HasPrefix(rest, strings.Repeat(" ", pad)) {
			return errors.New("member ID not padded to 5 columns")
		}
		rest = rest[pad:]
	}
	if !strings.HasPrefix(rest, "  ") || len(rest) == 2 {
		return errors.New("member not followed by two spaces and a command name")
	}
	n.Comms = append(n.Comms, rest[2:])
	return nil
}

// find returns every node of the given type and inode.
func (dt *deepTree) find(typ string, ino uint64) []*deepNode {
	var out []*deepNode
	for _, n := range dt.Nodes {
		if !n.Invisible && n.Type == typ && n.Ino == ino {
			out = append(out, n)
		}
	}
	return out
}

// one returns the single node of this type and inode, failing the test if
// there is none or more than one.
func (dt *deepTree) one(t testing.TB, typ string, ino uint64) *deepNode {
	t.Helper()
	found := dt.find(typ, ino)
	if len(found) != 1 {
		t.Fatalf("want exactly one %s namespace with inode %d, found %d in:\n%s", typ, ino, len(found), dt.Text)
	}
	if dev := deepNSDev(t); found[0].Dev != dev {
		t.Fatalf("%s: device %d, want the nsfs device %d", found[0], found[0].Dev, dev)
	}
	return found[0]
}

// none fails the test if the tree shows this namespace.
func (dt *deepTree) none(t testing.TB, typ string, ino uint64) {
	t.Helper()
	if found := dt.find(typ, ino); len(found) != 0 {
		t.Fatalf("%s namespace %d is shown (line %d), but must not be, in:\n%s", typ, ino, found[0].Line, dt.Text)
	}
}

// under returns the single node (typ, ino) and checks that its parent in
// the tree is the node (ptyp, pino).
func (dt *deepTree) under(t testing.TB, typ string, ino uint64, ptyp string, pino uint64) *deepNode {
	t.Helper()
	n := dt.one(t, typ, ino)
	if n.Parent == nil || n.Parent.Invisible || n.Parent.Type != ptyp || n.Parent.Ino != pino {
		t.Fatalf("%s (line %d) is under %s, want under %s {%d %d}, in:\n%s", n, n.Line, n.Parent, ptyp, deepNSDev(t), pino, dt.Text)
	}
	return n
}

// members checks the node's members exactly (order as printed).
func (n *deepNode) members(t testing.TB, want ...int) {
	t.Helper()
	if !slices.Equal(n.Members, want) && !(len(n.Members) == 0 && len(want) == 0) {
		t.Fatalf("%s (line %d): members %v, want %v", n, n.Line, n.Members, want)
	}
}

// held checks the node's "held by" lines exactly.
func (n *deepNode) held(t testing.TB, want ...string) {
	t.Helper()
	if !slices.Equal(n.Held, want) && !(len(n.Held) == 0 && len(want) == 0) {
		t.Fatalf("%s (line %d): held by %q, want %q", n, n.Line, n.Held, want)
	}
}

// heldByHostMount checks the holders of a namespace bind-mounted at path
// in the tool's own mount namespace mntNS: exactly that line, plus at most
// the same mount in other mount namespaces. Every mount namespace created
// by copying the host's while the mount exists (unshare -m by any test
// running on this host meanwhile) really holds the namespace too.
func (n *deepNode) heldByHostMount(t testing.TB, path string, mntNS uint64) {
	t.Helper()
	want := fmt.Sprintf("bind mount %s (mount ns %d)", path, mntNS)
	prefix := "bind mount " + path + " (mount ns "
	found := 0
	for _, h := range n.Held {
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
		t.Fatalf("%s (line %d): unexpected holder %q; want %q (and copies in other mount namespaces)", n, n.Line, h, want)
	}
	if found != 1 {
		t.Fatalf("%s (line %d): held by %q, want %q once", n, n.Line, n.Held, want)
	}
}

// hasMember reports whether id is among the node's members.
func (n *deepNode) hasMember(id int) bool { return slices.Contains(n.Members, id) }

// deepNSDev is the device of nsfs (the first number of every namespace ID).
func deepNSDev(t testing.TB) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/user", &st); err != nil {
		t.Fatal(err)
	}
	return st.Dev
}

// deepSelf returns the inode of the test's own namespace of type typ; the
// tool, started by the test, shares it.
func deepSelf(t testing.TB, typ string) uint64 {
	t.Helper()
	return nstest.Inode(t, "self/ns/"+typ)
}

// deepScan runs the tool with args, requires exit status 0, and parses its
// output strictly.
func deepScan(t testing.TB, args ...string) *deepTree {
	t.Helper()
	return deepScanWithin(t, 60*time.Second, args...)
}

// deepScanWithin is deepScan with a deadline: a run that does not finish in
// time is killed and fails the test.
func deepScanWithin(t testing.TB, limit time.Duration, args ...string) *deepTree {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, nstest.Tool(t), args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("namespaces_of %v did not finish within %v (killed); stderr:\n%s", args, limit, errOut.String())
	}
	if err != nil {
		t.Fatalf("namespaces_of %v: %v\nstderr:\n%s", args, err, errOut.String())
	}
	dt, err := parseDeepTree(out.String())
	if err != nil {
		t.Fatalf("namespaces_of %v: output is not a tree: %v\n%s", args, err, out.String())
	}
	return dt
}

// deepQuote quotes s for sh.
func deepQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// deepTempDir is t.TempDir with symbolic links resolved, so that its paths
// read as mountinfo shows them.
func deepTempDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
