package e2e

import (
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// checkInvisible checks that the last root is the invisible-ancestor pseudo
// node holding exactly the initial namespaces of the given types, each with
// the tool (pid) as its only member. With deep, namespaces without members
// may be there too: a deep scan also finds namespaces owned by the initial
// user namespace that are held by bind mounts anywhere on the host.
func checkInvisible(t *testing.T, tr *parsedTree, pid int, deep bool, types ...string) {
	t.Helper()
	inv := tr.invisible()
	if inv == nil || tr.Roots[len(tr.Roots)-1] != inv {
		t.Fatalf("want the [invisible ancestor user NS] node last; output: %s", tr.dump())
	}
	if inv.HasList || len(inv.Lines) > 0 {
		t.Errorf("the pseudo node has members")
	}
	var ws []want
	for _, typ := range types {
		ws = append(ws, want{Type: typ, Ino: selfNS(t, typ), Members: []int{pid}})
	}
	seen := &node{Invisible: true, LineNo: inv.LineNo}
	for _, n := range inv.Children {
		if deep && len(n.Members) == 0 && n.Type != "user" {
			continue
		}
		seen.Children = append(seen.Children, n)
	}
	checkChildren(t, tr, seen, ws...)
	checkSiblingOrder(t, tr, inv)
	for _, n := range inv.Children {
		checkChildren(t, tr, n)
	}
}

// Acceptance 7: run in a new user namespace that shares the host's PID
// namespace, the tool shows its own user namespace as a root, and every
// namespace it is in, all owned by the initial user namespace it cannot
// see, under the invisible-ancestor node.
func TestInvisibleAncestorSharedPIDNS(t *testing.T) {
	nstest.RequireRoot(t)
	cmd, report := wrapped(t, nstest.Tool(t), []string{"unshare", "-Ur"}, []string{"user"})
	r := nstest.RunCmd(t, cmd)
	pid, ns := report()
	tr := checkRun(t, r, cmd.Args)

	if len(tr.Roots) != 2 {
		t.Fatalf("want the tool's user namespace and the invisible node, got roots %v; output: %s", tr.Roots, tr.dump())
	}
	own := tr.Roots[0]
	checkNode(t, tr, own, want{Type: "user", Ino: ns["user"], Members: []int{pid}})
	checkUser(t, own, 0, "0 0 1", "0 0 1")
	checkChildren(t, tr, own) // it owns nothing
	checkInvisible(t, tr, pid, false, "cgroup", "ipc", "mnt", "net", "pid", "time", "uts")
	// Every other process belongs to the initial user namespace, which it
	// cannot inspect from there.
	if len(stderrLines(r.Stderr)) != 1 {
		t.Errorf("stderr %q: want the count of processes not inspected", r.Stderr)
	}
}

// Acceptance 7: with its own PID and mount namespaces (owned by its user
// namespace) and a /proc of its own, the tool shows them under its user
// namespace, and the rest under the invisible-ancestor node.
func TestInvisibleAncestorOwnPIDNS(t *testing.T) {
	nstest.RequireRoot(t)
	cmd, report := wrapped(t, nstest.Tool(t), []string{"unshare", "-Urpf", "--mount-proc"}, []string{"user", "mnt", "pid"})
	r := nstest.RunCmd(t, cmd)
	pid, ns := report()
	tr := checkRun(t, r, cmd.Args)
	if pid != 1 {
		t.Fatalf("the tool runs as PID %d in its PID namespace, want 1", pid)
	}
	if ns["mnt"] == selfNS(t, "mnt") || ns["pid"] == selfNS(t, "pid") {
		t.Fatalf("unshare did not make new mount and PID namespaces: %v", ns)
	}
	if r.Stderr != "" {
		t.Errorf("stderr %q: the only process in the new /proc is the tool", r.Stderr)
	}
	if len(tr.Roots) != 2 {
		t.Fatalf("want the tool's user namespace and the invisible node, got roots %v; output: %s", tr.Roots, tr.dump())
	}
	own := tr.Roots[0]
	checkNode(t, tr, own, want{Type: "user", Ino: ns["user"], Members: []int{1}})
	checkUser(t, own, 0, "0 0 1", "0 0 1")
	checkChildren(t, tr, own,
		want{Type: "mnt", Ino: ns["mnt"], Members: []int{1}},
		want{Type: "pid", Ino: ns["pid"], Members: []int{1}})
	checkInvisible(t, tr, 1, false, "cgroup", "ipc", "net", "time", "uts")
}

// Acceptance 7: the caller's own tree is complete. The tool joins (with
// nsenter) a user namespace U0 that has a member process and a child user
// namespace U1, which owns a net namespace; U0, U1 and U1's net namespace
// form the tool's tree, everything else (the initial namespaces of the three
// processes) is under the invisible-ancestor node.
func TestInvisibleAncestorOwnTree(t *testing.T) {
	nstest.RequireRoot(t)
	a := nstest.StartHelper(t, nstest.NewUserNS(0), "sleep")
	enter := []string{"nsenter", "-t", strconv.Itoa(a.PID), "-U", "--"}
	c := nstest.Start(t, nil, enter[0], append(enter[1:], "unshare", "-rn", nstest.Helper(t), "sleep")...)
	u0, u1, net1 := nstest.NS(t, a.PID, "user"), nstest.NS(t, c.PID, "user"), nstest.NS(t, c.PID, "net")
	if u1 == u0 || net1 == selfNS(t, "net") {
		t.Fatalf("the child helper is not in new user and net namespaces")
	}

	cmd, report := wrapped(t, nstest.Tool(t), enter, []string{"user"})
	r := nstest.RunCmd(t, cmd)
	pid, ns := report()
	tr := checkRun(t, r, cmd.Args)
	if ns["user"] != u0 {
		t.Fatalf("the tool ran in user namespace %d, want %d", ns["user"], u0)
	}
	if len(tr.Roots) != 2 {
		t.Fatalf("want the tool's user namespace and the invisible node, got roots %v; output: %s", tr.Roots, tr.dump())
	}
	own := tr.Roots[0]
	checkNode(t, tr, own, want{Type: "user", Ino: u0, Members: sorted(a.PID, pid)})
	checkUser(t, own, 0, "0 0 1", "0 0 1")
	checkChildren(t, tr, own, want{Type: "user", Ino: u1, Members: []int{c.PID}})
	child := own.Children[0]
	checkUser(t, child, 0, "0 0 1", "0 0 1")
	checkChildren(t, tr, child, want{Type: "net", Ino: net1, Members: []int{c.PID}})
	checkChildren(t, tr, child.Children[0])

	inv := tr.invisible()
	var ws []want
	for _, typ := range []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "uts"} {
		members := sorted(a.PID, c.PID, pid)
		if typ == "net" {
			members = sorted(a.PID, pid)
		}
		ws = append(ws, want{Type: typ, Ino: selfNS(t, typ), Members: members})
	}
	checkChildren(t, tr, inv, ws...)
}

// sorted returns the PIDs in ascending order.
func sorted(pids ...int) []int {
	slices.Sort(pids)
	return pids
}

// Acceptance 7: several topmost visible user namespaces. Inside a new user
// namespace, a sibling user namespace (created by root, so a child of the
// initial one), kept only by a bind mount the tool can see, is a second
// root; the tool's own root comes first.
func TestSeveralTopmostUserNamespaces(t *testing.T) {
	nstest.RequireRoot(t)
	sib := nstest.StartHelper(t, nstest.NewUserNS(0), "sleep")
	sibNS := nstest.NS(t, sib.PID, "user")
	mountPoint := filepath.Join(t.TempDir(), "sibling-userns")
	nstest.BindMount(t, "/proc/"+strconv.Itoa(sib.PID)+"/ns/user", mountPoint)
	sib.Kill() // now only the bind mount keeps it

	cmd, report := wrapped(t, nstest.Tool(t), []string{"unshare", "-Ur"}, []string{"user"}, "--deep-scan")
	r := nstest.RunCmd(t, cmd)
	pid, ns := report()
	tr := checkRun(t, r, cmd.Args)

	own := tr.Roots[0]
	checkNode(t, tr, own, want{Type: "user", Ino: ns["user"], Members: []int{pid}})
	checkUser(t, own, 0, "0 0 1", "0 0 1")
	checkChildren(t, tr, own)
	sibling := tr.get(t, "user", sibNS)
	if sibling.Level != 0 || sibling == own {
		t.Fatalf("%v: want it a root after the tool's own; output: %s", sibling, tr.dump())
	}
	// No member: its creator is root, mapped to 0 in the tool's namespace;
	// no member's maps to read.
	checkNode(t, tr, sibling, want{Type: "user", Ino: sibNS, Members: []int{}})
	checkUser(t, sibling, 0, "?", "?")
	checkChildren(t, tr, sibling)
	checkInvisible(t, tr, pid, true, "cgroup", "ipc", "mnt", "net", "pid", "time", "uts")
}
