package e2e

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// userChain is a chain of three nested user namespaces, one helper process
// in each: level 1 is created by root with UIDs/GIDs 0-65535 mapped to
// 100000-165535; level 2 by UID 1000 of level 1 (101000 outside) with
// `unshare -r`; level 3 by root of level 2 (also 101000 outside).
type userChain struct {
	PIDs  [3]int
	Users [3]uint64
}

func startUserChain(t *testing.T) userChain {
	t.Helper()
	_, helper := nstest.PublicBinaries(t)
	wide := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 100000, Size: 65536}}
	p1 := nstest.Start(t, &syscall.SysProcAttr{
		Cloneflags:                 syscall.CLONE_NEWUSER,
		UidMappings:                wide,
		GidMappings:                wide,
		GidMappingsEnableSetgroups: true,
	}, helper, "sleep")
	// nsenter and unshare -r exec (they fork only for PID namespaces), so
	// the process started is the helper at the next level.
	p2 := nstest.Start(t, nil, "nsenter", "-t", strconv.Itoa(p1.PID), "-U", "-S", "1000", "-G", "1000",
		"--", "unshare", "-r", helper, "sleep")
	p3 := nstest.Start(t, nil, "nsenter", "-t", strconv.Itoa(p2.PID), "-U",
		"--", "unshare", "-r", helper, "sleep")
	var c userChain
	for i, p := range []*nstest.Proc{p1, p2, p3} {
		if got := p.ReadyInt(t, 0); got != p.PID {
			t.Fatalf("level %d: the helper is PID %d, the started process %d: something forked", i+1, got, p.PID)
		}
		c.PIDs[i] = p.PID
		c.Users[i] = nstest.NS(t, p.PID, "user")
	}
	if c.Users[0] == selfNS(t, "user") || c.Users[1] == c.Users[0] || c.Users[2] == c.Users[1] {
		t.Fatalf("the helpers did not get new user namespaces: %v", c.Users)
	}
	return c
}

// initialRoot checks that the first root of tr is the test's own (initial)
// user namespace, as a root with the full identity maps, and returns it.
func initialRoot(t *testing.T, tr *parsedTree, maps bool) *node {
	t.Helper()
	if len(tr.Roots) == 0 {
		t.Fatalf("empty output")
	}
	root := tr.Roots[0]
	checkNode(t, tr, root, want{Type: "user", Ino: selfNS(t, "user")})
	if root.Level != 0 || root.UID != 0 {
		t.Errorf("initial user namespace %v: level %d UID %d, want level 0 UID 0", root, root.Level, root.UID)
	}
	if maps {
		// "0 0 4294967295" for the initial user namespace.
		self := os.Getpid()
		checkUser(t, root, 0, idMap(t, self, "uid_map"), idMap(t, self, "gid_map"))
	} else if root.HasMaps {
		t.Errorf("%v: maps printed with PID arguments", root)
	}
	return root
}

// Acceptance 1: a user-namespace chain three deep, one process per level:
// each level under its parent, with the creator UID and the ID maps.
func TestUserNamespaceChain(t *testing.T) {
	nstest.RequireRoot(t)
	c := startUserChain(t)
	tr := runTree(t)
	root := initialRoot(t, tr, true)

	l1 := checkUnder(t, tr, root, want{Type: "user", Ino: c.Users[0], Members: []int{c.PIDs[0]}})
	l2 := checkUnder(t, tr, l1, want{Type: "user", Ino: c.Users[1], Members: []int{c.PIDs[1]}})
	l3 := checkUnder(t, tr, l2, want{Type: "user", Ino: c.Users[2], Members: []int{c.PIDs[2]}})
	// The helpers created only user namespaces, so each level owns nothing
	// but the next level.
	checkChildren(t, tr, l1, want{Type: "user", Ino: c.Users[1]})
	checkChildren(t, tr, l2, want{Type: "user", Ino: c.Users[2]})
	checkChildren(t, tr, l3)

	checkUser(t, l1, 0, "0 100000 65536", "0 100000 65536")
	checkUser(t, l2, 101000, "0 101000 1", "0 101000 1")
	checkUser(t, l3, 101000, "0 101000 1", "0 101000 1")
	// The maps are those the kernel shows to a reader in the initial user
	// namespace.
	for i, n := range []*node{l1, l2, l3} {
		if u, g := idMap(t, c.PIDs[i], "uid_map"), idMap(t, c.PIDs[i], "gid_map"); n.UIDMap != u || n.GIDMap != g {
			t.Errorf("%v: maps u: %q g: %q, /proc/%d says u: %q g: %q", n, n.UIDMap, n.GIDMap, c.PIDs[i], u, g)
		}
	}
	// The helpers' other namespaces are the initial ones.
	for _, pid := range c.PIDs {
		for _, typ := range []string{"net", "mnt", "uts", "ipc", "pid", "cgroup", "time"} {
			n := tr.get(t, typ, nstest.NS(t, pid, typ))
			if n.Parent != root || !slices.Contains(n.Members, pid) {
				t.Errorf("%v: want it under the initial user namespace with member %d", n, pid)
			}
		}
	}
}

// unprivilegedUserNS reports why unprivileged users cannot create user
// namespaces here, or "" if they can.
func unprivilegedUserNS() string {
	read := func(path string) (string, bool) {
		data, err := os.ReadFile(path)
		return strings.TrimSpace(string(data)), err == nil
	}
	if v, ok := read("/proc/sys/user/max_user_namespaces"); ok && v == "0" {
		return "user.max_user_namespaces is 0"
	}
	if v, ok := read("/proc/sys/kernel/unprivileged_userns_clone"); ok && v == "0" {
		return "kernel.unprivileged_userns_clone is 0"
	}
	if v, ok := read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); ok && v == "1" {
		return "kernel.apparmor_restrict_unprivileged_userns is 1"
	}
	return ""
}

// Acceptance 1: a user namespace created by an unprivileged user shows that
// user's UID.
func TestUnprivilegedCreatorUID(t *testing.T) {
	nstest.RequireRoot(t)
	if why := unprivilegedUserNS(); why != "" {
		t.Skip("unprivileged users cannot create user namespaces: " + why)
	}
	_, helper := nstest.PublicBinaries(t)
	p := nstest.Start(t, nobody(), "unshare", "-r", helper, "sleep")
	userNS := nstest.NS(t, p.PID, "user")

	tr := runTree(t)
	root := initialRoot(t, tr, true)
	n := checkUnder(t, tr, root, want{Type: "user", Ino: userNS, Members: []int{p.PID}})
	checkUser(t, n, 65534, "0 65534 1", "0 65534 1")
	checkChildren(t, tr, n)
}

// ownedFixture: helper A in a new user namespace that owns A's new mnt, net
// and uts namespaces; helper B in new net, uts, ipc and cgroup namespaces
// owned by the initial user namespace.
type ownedFixture struct {
	A, B   int
	AUser  uint64
	AOwned []want // mnt, net, uts of A, in display order, members [A]
	BOwned []want // cgroup, ipc, net, uts of B, members [B]
}

func startOwned(t *testing.T) ownedFixture {
	t.Helper()
	a := nstest.StartHelper(t, nstest.NewUserNS(syscall.CLONE_NEWNS|syscall.CLONE_NEWNET|syscall.CLONE_NEWUTS), "sleep")
	b := nstest.StartHelper(t, &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWCGROUP,
	}, "sleep")
	f := ownedFixture{A: a.PID, B: b.PID, AUser: nstest.NS(t, a.PID, "user")}
	for _, typ := range []string{"mnt", "net", "uts"} {
		ino := nstest.NS(t, a.PID, typ)
		if ino == selfNS(t, typ) {
			t.Fatalf("helper A is in the initial %s namespace", typ)
		}
		f.AOwned = append(f.AOwned, want{Type: typ, Ino: ino, Members: []int{a.PID}})
	}
	for _, typ := range []string{"cgroup", "ipc", "net", "uts"} {
		ino := nstest.NS(t, b.PID, typ)
		if ino == selfNS(t, typ) {
			t.Fatalf("helper B is in the initial %s namespace", typ)
		}
		f.BOwned = append(f.BOwned, want{Type: typ, Ino: ino, Members: []int{b.PID}})
	}
	return f
}

// Acceptance 2: namespaces owned by a new user namespace appear under it,
// not under the initial one; those owned by the initial user namespace
// appear under the root.
func TestOwnedNamespaces(t *testing.T) {
	nstest.RequireRoot(t)
	f := startOwned(t)
	tr := runTree(t)
	root := initialRoot(t, tr, true)

	u := checkUnder(t, tr, root, want{Type: "user", Ino: f.AUser, Members: []int{f.A}})
	checkUser(t, u, 0, "0 0 1", "0 0 1")
	// Exactly A's three new namespaces, ordered by type.
	checkChildren(t, tr, u, f.AOwned...)
	for _, w := range f.AOwned {
		checkUnder(t, tr, u, w)
	}
	// A's other namespaces are the initial ones, under the root.
	for _, typ := range []string{"cgroup", "ipc", "pid", "time"} {
		n := checkUnder(t, tr, root, want{Type: typ, Ino: selfNS(t, typ)})
		if !slices.Contains(n.Members, f.A) {
			t.Errorf("%v: members lack helper A (%d)", n, f.A)
		}
	}
	for _, w := range f.BOwned {
		checkUnder(t, tr, root, w)
	}
	// B stays in the initial user namespace.
	if !slices.Contains(root.Members, f.B) || slices.Contains(root.Members, f.A) {
		t.Errorf("initial user namespace members: want B (%d) and not A (%d): %v", f.B, f.A, root.Members)
	}
	// Under the root: non-user namespaces ordered by type then inode, then
	// the child user namespaces by inode.
	checkSiblingOrder(t, tr, root)
	checkSiblingOrder(t, tr, u)
}

// checkSiblingOrder checks the documented order of n's children.
func checkSiblingOrder(t *testing.T, tr *parsedTree, n *node) {
	t.Helper()
	rank := func(c *node) int {
		if c.Type == "user" {
			return len(nsTypes)
		}
		return slices.Index(nsTypes, c.Type)
	}
	for i := 1; i < len(n.Children); i++ {
		a, b := n.Children[i-1], n.Children[i]
		if rank(a) > rank(b) || rank(a) == rank(b) && a.Ino >= b.Ino {
			t.Errorf("children of %v out of order: %v before %v; output: %s", n, a, b, tr.dump())
		}
	}
}

// pidChain: process A is PID 1 of a new PID namespace; its child B is PID 1
// of a PID namespace nested in A's (`unshare --pid --fork` run as PID 1).
type pidChain struct {
	A, B         int
	Outer, Inner uint64
}

func startPIDChain(t *testing.T) pidChain {
	t.Helper()
	a := nstest.Start(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID},
		"unshare", "--pid", "--fork", nstest.Helper(t), "sleep")
	if got := a.ReadyInt(t, 0); got != 1 {
		t.Fatalf("the nested helper is PID %d in its namespace, want 1", got)
	}
	c := pidChain{A: a.PID, B: onlyChild(t, a.PID)}
	c.Outer, c.Inner = nstest.NS(t, c.A, "pid"), nstest.NS(t, c.B, "pid")
	if c.Outer == selfNS(t, "pid") || c.Inner == c.Outer {
		t.Fatalf("PID namespaces not nested: A %d B %d", c.Outer, c.Inner)
	}
	return c
}

// pidRoot checks that the first root of a --pidns tree is the initial PID
// namespace and that every node is a PID namespace.
func pidRoot(t *testing.T, tr *parsedTree) *node {
	t.Helper()
	if len(tr.Roots) == 0 {
		t.Fatal("empty output")
	}
	everyNode(t, tr, func(n *node) string {
		if n.Invisible || n.Type != "pid" {
			return "--pidns prints it; want only PID namespaces"
		}
		return ""
	})
	root := tr.Roots[0]
	checkNode(t, tr, root, want{Type: "pid", Ino: selfNS(t, "pid")})
	return root
}

// Acceptance 3: nested PID namespaces two deep, with --pidns and
// --all-pids.
func TestNestedPIDNamespaces(t *testing.T) {
	nstest.RequireRoot(t)
	c := startPIDChain(t)

	t.Run("pidns", func(t *testing.T) {
		tr := runTree(t, "--pidns")
		root := pidRoot(t, tr)
		outer := checkUnder(t, tr, root, want{Type: "pid", Ino: c.Outer, Members: []int{c.A}})
		checkChildren(t, tr, outer, want{Type: "pid", Ino: c.Inner, Members: []int{c.B}})
		checkChildren(t, tr, outer.Children[0])
		checkSiblingOrder(t, tr, root)
	})

	wantSets := map[int][]int{c.A: {c.A, 1}, c.B: {c.B, 2, 1}}
	for pid, set := range wantSets {
		if got := nstgid(t, pid); !slices.Equal(got, set) {
			t.Fatalf("NStgid of %d is %v, want %v", pid, got, set)
		}
	}
	for _, comm := range []bool{false, true} {
		args := []string{"--pidns", "--all-pids"}
		if comm {
			args = append(args, "--show-comm")
		}
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			tr := runTree(t, args...)
			root := pidRoot(t, tr)
			outer := checkUnder(t, tr, root, want{Type: "pid", Ino: c.Outer, Members: []int{c.A}})
			inner := checkUnder(t, tr, outer, want{Type: "pid", Ino: c.Inner, Members: []int{c.B}})
			for _, x := range []struct {
				n    *node
				pid  int
				comm string
			}{{outer, c.A, "unshare"}, {inner, c.B, "nshelper"}} {
				if x.n.HasList || len(x.n.Lines) != 1 {
					t.Fatalf("%v: want one member line, got list %v lines %v", x.n, x.n.HasList, x.n.Lines)
				}
				m := x.n.Lines[0]
				text := "{ " + joinInts(nstgid(t, x.pid)) + " }"
				if comm {
					text += "  " + x.comm
				}
				if !m.Set || !slices.Equal(m.IDs, wantSets[x.pid]) || m.Text != text {
					t.Errorf("%v: member line %q, want %q", x.n, m.Text, text)
				}
			}
			// Every member of every PID namespace is printed as its set.
			everyNode(t, tr, func(n *node) string {
				if n.HasList {
					return "bracketed list with --all-pids"
				}
				for _, m := range n.Lines {
					if !m.Set || m.HasComm != comm {
						return fmt.Sprintf("member line %q: want a PID set, command name %v", m.Text, comm)
					}
				}
				return ""
			})
		})
	}

	t.Run("subtree", func(t *testing.T) {
		tr := runTree(t, "--pidns", "--subtree="+strconv.Itoa(c.A))
		if len(tr.Roots) != 1 || len(tr.Nodes) != 2 {
			t.Fatalf("want exactly the outer PID namespace and its child, got:\n%s", tr.Text)
		}
		checkNode(t, tr, tr.Roots[0], want{Type: "pid", Ino: c.Outer, Members: []int{c.A}})
		checkChildren(t, tr, tr.Roots[0], want{Type: "pid", Ino: c.Inner, Members: []int{c.B}})
	})

	t.Run("pids", func(t *testing.T) {
		// Only B and its ancestors: the initial PID namespace (B is not a
		// member there as far as the tree goes), A's and B's.
		tr := runTree(t, "--pidns", strconv.Itoa(c.B))
		if len(tr.Roots) != 1 || len(tr.Nodes) != 3 {
			t.Fatalf("want the chain of three PID namespaces, got:\n%s", tr.Text)
		}
		checkNode(t, tr, tr.Roots[0], want{Type: "pid", Ino: selfNS(t, "pid"), Members: []int{}})
		checkChildren(t, tr, tr.Roots[0], want{Type: "pid", Ino: c.Outer, Members: []int{}})
		checkChildren(t, tr, tr.Roots[0].Children[0], want{Type: "pid", Ino: c.Inner, Members: []int{c.B}})
	})
}

// joinInts formats v as single-spaced decimal numbers.
func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " ")
}
