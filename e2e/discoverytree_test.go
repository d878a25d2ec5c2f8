package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// This file is a small, strict parser of the text tree, for the discovery
// tests (discovery_test.go). It keeps every namespace line with its tree
// parent, its member IDs and its "held by" lines verbatim, so the tests can
// compare holders exactly.

// discNode is one namespace line of the tree (or the invisible-ancestor
// pseudo node, Type "invisible").
type discNode struct {
	Type     string
	Dev, Ino uint64
	Rest     string // what follows "{dev ino}" (the user-namespace "<UID: ...>")
	Level    int
	Parent   *discNode
	Children []*discNode
	Members  []int
	Holders  []string // the text after "held by ", in output order
}

func (n *discNode) String() string {
	if n == nil {
		return "<none>"
	}
	if n.Type == "invisible" {
		return "[invisible ancestor user NS]"
	}
	return fmt.Sprintf("%s {%d %d}", n.Type, n.Dev, n.Ino)
}

// discTree is a parsed tree output.
type discTree struct {
	Text  string
	Roots []*discNode
	Nodes []*discNode
}

var (
	discNSLine     = regexp.MustCompile(`^(cgroup|ipc|mnt|net|pid|time|user|uts) \{([0-9]+) ([0-9]+)\}(.*)$`)
	discIndentOnly = regexp.MustCompile(`^ *`)
)

const (
	discLevelIndent  = 4
	discMemberIndent = 8
)

// discParse parses the default tree output (bracketed member lists, no
// --show-comm), failing the test on any line it does not understand.
func discParse(t testing.TB, out string) *discTree {
	t.Helper()
	tr, err := discParseText(out)
	if err != nil {
		t.Fatalf("cannot parse the tree: %v\n%s", err, out)
	}
	return tr
}

func discParseText(out string) (*discTree, error) {
	tr := &discTree{Text: out}
	var stack []*discNode // stack[i]: the open node at level i
	var cur *discNode
	inList := false
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" && out == "" {
			break
		}
		ind := len(discIndentOnly.FindString(line))
		body := line[ind:]
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d %q: %s", i+1, line, fmt.Sprintf(format, args...))
		}
		var n *discNode
		if m := discNSLine.FindStringSubmatch(body); m != nil && !inList {
			dev, _ := strconv.ParseUint(m[2], 10, 64)
			ino, _ := strconv.ParseUint(m[3], 10, 64)
			n = &discNode{Type: m[1], Dev: dev, Ino: ino, Rest: m[4]}
			if m[1] == "user" && !strings.HasPrefix(m[4], " <UID: ") {
				return nil, fail("user namespace line without <UID: ...>")
			}
			if m[1] != "user" && m[4] != "" {
				return nil, fail("trailing text after a non-user namespace")
			}
		} else if body == "[invisible ancestor user NS]" && !inList {
			n = &discNode{Type: "invisible"}
		}
		if n != nil {
			if ind%discLevelIndent != 0 {
				return nil, fail("indent %d is not a multiple of %d", ind, discLevelIndent)
			}
			n.Level = ind / discLevelIndent
			if n.Level > len(stack) {
				return nil, fail("level %d under level %d", n.Level, len(stack)-1)
			}
			stack = stack[:n.Level]
			if n.Level == 0 {
				tr.Roots = append(tr.Roots, n)
			} else {
				n.Parent = stack[n.Level-1]
				n.Parent.Children = append(n.Parent.Children, n)
			}
			stack = append(stack, n)
			tr.Nodes = append(tr.Nodes, n)
			cur = n
			continue
		}
		if cur == nil {
			return nil, fail("text before the first namespace")
		}
		if want := cur.Level*discLevelIndent + discMemberIndent; ind != want {
			return nil, fail("indent %d, want %d under %v", ind, want, cur)
		}
		switch {
		case inList || strings.HasPrefix(body, "["):
			words := strings.Fields(body)
			if !inList {
				if len(cur.Members) > 0 || len(cur.Holders) > 0 {
					return nil, fail("second member list of %v", cur)
				}
				words = words[1:] // "["
				inList = true
			}
			for _, w := range words {
				if w == "]" {
					inList = false
					continue
				}
				if !inList {
					return nil, fail("text after ]")
				}
				id, err := strconv.Atoi(w)
				if err != nil || id <= 0 {
					return nil, fail("member %q is not a positive integer", w)
				}
				cur.Members = append(cur.Members, id)
			}
		case strings.HasPrefix(body, "held by "):
			cur.Holders = append(cur.Holders, strings.TrimPrefix(body, "held by "))
		default:
			return nil, fail("neither a member list nor a holder")
		}
	}
	if inList {
		return nil, fmt.Errorf("unterminated member list")
	}
	return tr, nil
}

// find returns every node of the given type and inode.
func (tr *discTree) find(typ string, ino uint64) []*discNode {
	var out []*discNode
	for _, n := range tr.Nodes {
		if n.Type == typ && n.Ino == ino {
			out = append(out, n)
		}
	}
	return out
}

// one returns the single node of the given type and inode, failing the
// test when it is missing or shown twice.
func (tr *discTree) one(t testing.TB, typ string, ino uint64) *discNode {
	t.Helper()
	ns := tr.find(typ, ino)
	if len(ns) != 1 {
		t.Fatalf("%s %d appears %d times in the tree, want once", typ, ino, len(ns))
	}
	return ns[0]
}

// has reports whether some node has the given inode (any type).
func (tr *discTree) has(ino uint64) bool {
	return slices.ContainsFunc(tr.Nodes, func(n *discNode) bool { return n.Ino == ino })
}

// discExpect is what a test knows about one namespace it created.
type discExpect struct {
	Type    string
	Ino     uint64
	Under   string // tree parent type ("user" or "pid")
	UnderNo uint64 // tree parent inode
	Members []int  // exact member list (nil: none)
	Holders []string
}

// check compares the node of e with e: tree parent, members and the exact
// "held by" lines.
func (e discExpect) check(t testing.TB, tr *discTree) *discNode {
	t.Helper()
	n := tr.one(t, e.Type, e.Ino)
	if p := n.Parent; p == nil || p.Type != e.Under || p.Ino != e.UnderNo {
		t.Errorf("%v is under %v, want under %s %d", n, p, e.Under, e.UnderNo)
	}
	if !slices.Equal(n.Members, e.Members) {
		t.Errorf("%v members %v, want %v", n, n.Members, e.Members)
	}
	if got := discOwnHolders(t, n.Holders); !slices.Equal(got, e.Holders) {
		t.Errorf("%v holders:\n  got  %q\n  want %q", n, got, e.Holders)
	}
	return n
}

// discScannerFD matches the holder line of an fd of a namespace scanner
// (another run of the tool, or a test binary scanning through the library)
// that happened to hold the namespace open while it resolved it.
var discScannerFD = regexp.MustCompile(`^fd [0-9]+ of PID [0-9]+ \((namespaces_of|[^()]*\.test)\)$`)

// discOwnHolders drops, with a log line, the holders that are fds of
// concurrent scanners: on a shared machine another scan may hold any
// namespace for a moment, and that is no fault of the scan under test.
func discOwnHolders(t testing.TB, holders []string) []string {
	t.Helper()
	var out []string
	for _, h := range holders {
		if discScannerFD.MatchString(h) {
			t.Logf("ignoring a concurrent scanner's holder: %q", h)
			continue
		}
		out = append(out, h)
	}
	return out
}

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
	tr, err := discParseText(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Roots) != 2 || len(tr.Nodes) != 6 {
		t.Fatalf("roots %v nodes %v", tr.Roots, tr.Nodes)
	}
	if got := tr.Roots[0].Members; !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Errorf("members %v", got)
	}
	n := tr.one(t, "net", 8)
	if n.Parent.Ino != 2 || !slices.Equal(n.Members, []int{5}) {
		t.Errorf("net 8: parent %v members %v", n.Parent, n.Members)
	}
	if !slices.Equal(discOwnHolders(t, []string{"fd 3 of PID 7 (namespaces_of)", "fd 4 of PID 8 (discover.test)", "fd 5 of PID 9 (nshelper)"}), []string{"fd 5 of PID 9 (nshelper)"}) {
		t.Errorf("discOwnHolders keeps a scanner's fd or drops another")
	}
	if h := tr.one(t, "uts", 9).Holders; !slices.Equal(h, []string{"bind mount /a b/nsfs (mount ns 4026531832)"}) {
		t.Errorf("uts holders %q", h)
	}
	if p := tr.one(t, "uts", 9).Parent; p.Type != "invisible" {
		t.Errorf("uts parent %v", p)
	}
	for _, bad := range []string{
		"  net {4 1}\n",                        // odd indent
		"user {4 1} <UID: 0>\n    [ 1 ]\n",     // member at the wrong indent
		"user {4 1} <UID: 0>\n        [ 1\n",   // unterminated
		"user {4 1} <UID: 0>\n        hello\n", // unknown text
		"net {4 1} extra\n",
		"user {4 1} <UID: 0>\n        net {4 2}\n", // child two levels down
	} {
		if _, err := discParseText(bad); err == nil {
			t.Errorf("parsed %q without error", bad)
		}
	}
}
