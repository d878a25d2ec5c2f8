package e2e

// Helpers of outputs_test.go (issue #4: the JSON, list and DOT outputs):
// the scenario those tests create, and readers of the JSON, list and DOT
// outputs. Running the tool and reading the tree go through the shared
// helpers (helpers_test.go, treeparse_test.go).

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
	"github.com/namespaces-of/namespaces_of/nsjson/schema"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// runJSON runs the tool with --output=json and args, requires success,
// validates the document against the documented schema and decodes it into
// the library's model. Every JSON document of these tests goes through it.
func runJSON(t testing.TB, args ...string) *model.Model {
	t.Helper()
	m, _ := outRunJSONBytes(t, args...)
	return m
}

// outRunJSONBytes is runJSON that also returns the document as written.
func outRunJSONBytes(t testing.TB, args ...string) (*model.Model, []byte) {
	t.Helper()
	full := append([]string{"--output=json"}, args...)
	r := nstest.Run(t, full...)
	checkOK(t, r, full)
	data := []byte(r.Stdout)
	if err := schema.Validate(data); err != nil {
		t.Fatalf("namespaces_of %s: the document does not match the schema: %v", strings.Join(full, " "), err)
	}
	m, err := nsjson.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("namespaces_of %s: nsjson.Decode: %v", strings.Join(full, " "), err)
	}
	return m, data
}

// outNS is what a test expects of one namespace it created.
type outNS struct {
	Name string // for messages: "user level 2", "net of O", ...
	Type nsfs.Type
	ID   nsfs.ID
	// Parent is the parent of a user or PID namespace; Owner the owning
	// user namespace of any other type (PID namespaces have both).
	Parent, Owner nsfs.ID
	// CreatorUID, UIDMap and GIDMap of a user namespace, as seen from the
	// test's (initial) user namespace.
	CreatorUID     int64
	UIDMap, GIDMap []procfs.IDRange
	// PIDs are the member processes.
	PIDs []int
	// Holders are found with --deep-scan; DeepOnly namespaces have no
	// member and are found only then.
	Holders  []model.Holder
	DeepOnly bool
}

func (w outNS) String() string { return fmt.Sprintf("%s (%s %v)", w.Name, w.Type, w.ID) }

// outScenario is the state the output tests create:
//   - a chain of three user namespaces, one helper per level: level 1 made
//     by the test (root) with Cloneflags CLONE_NEWUSER and the maps
//     0-65535 -> 100000 (UIDs) and 200000 (GIDs); level 2 made by root of
//     level 1 (UID 100000 outside) with `unshare --map-user=7
//     --map-group=8`; level 3 by UID 7 of level 2 (still 100000 outside)
//     with `unshare -r`;
//   - helper O in a new user namespace (root mapped to root) that owns O's
//     new mnt, net and uts namespaces;
//   - nested PID namespaces two deep: A (`unshare --pid --fork`, started
//     with CLONE_NEWPID) is PID 1 of the outer one, its child B PID 1 of
//     the inner one; A's pid_for_children link holds the inner one too;
//   - for --deep-scan: a net namespace held only by an fd of helper F
//     (`nshelper fd net`), and a PID namespace with no member, held only
//     by the pid_for_children link of helper P.
type outScenario struct {
	Self              struct{ User, PID nsfs.ID } // the test's own namespaces
	Chain             [3]int
	O, A, B, F, FD, P int
	NS                []outNS // every namespace created
}

// outStartScenario creates the scenario; t.Cleanup kills every process.
func outStartScenario(t *testing.T) *outScenario {
	t.Helper()
	// The levels below the first run as UID 100000 of the host, which
	// cannot enter nstest's private build directory.
	_, helper := nstest.PublicBinaries(t)
	s := &outScenario{}
	me := os.Getpid()
	s.Self.User, s.Self.PID = outNSOf(t, me, "user"), outNSOf(t, me, "pid")
	r := func(in, out, n uint32) []procfs.IDRange {
		return []procfs.IDRange{{Inside: in, Outside: out, Count: n}}
	}

	// The user-namespace chain. nsenter and unshare without --fork exec, so
	// each started process is the helper itself.
	p1 := nstest.Start(t, &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 100000, Size: 65536}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 200000, Size: 65536}},
	}, helper, "sleep")
	p2 := nstest.Start(t, nil, "nsenter", "-t", strconv.Itoa(p1.PID), "-U",
		"--", "unshare", "-U", "--map-user=7", "--map-group=8", helper, "sleep")
	p3 := nstest.Start(t, nil, "nsenter", "-t", strconv.Itoa(p2.PID), "-U", "-S", "7", "-G", "8",
		"--", "unshare", "-U", "-r", helper, "sleep")
	levels := []struct {
		uid, gid []procfs.IDRange
		creator  int64
	}{
		{r(0, 100000, 65536), r(0, 200000, 65536), 0},
		{r(7, 100000, 1), r(8, 200000, 1), 100000},
		{r(0, 100000, 1), r(0, 200000, 1), 100000},
	}
	parent := s.Self.User
	for i, p := range []*nstest.Proc{p1, p2, p3} {
		if got := p.ReadyInt(t, 0); got != p.PID {
			t.Fatalf("user level %d: the helper is PID %d, the started process %d: something forked", i+1, got, p.PID)
		}
		s.Chain[i] = p.PID
		id := outNSOf(t, p.PID, "user")
		if id == parent {
			t.Fatalf("user level %d: the helper did not get a new user namespace", i+1)
		}
		l := levels[i]
		// The fixture's own check that the maps are what the chain was
		// built to have (the tool is checked against these below).
		outRequireMap(t, p.PID, "uid_map", l.uid)
		outRequireMap(t, p.PID, "gid_map", l.gid)
		s.NS = append(s.NS, outNS{Name: fmt.Sprintf("user level %d", i+1), Type: nsfs.User, ID: id, Parent: parent,
			CreatorUID: l.creator, UIDMap: l.uid, GIDMap: l.gid, PIDs: []int{p.PID}})
		parent = id
	}

	// A user namespace owning three namespaces of its member O.
	o := nstest.StartHelper(t, nstest.NewUserNS(syscall.CLONE_NEWNS|syscall.CLONE_NEWNET|syscall.CLONE_NEWUTS), "sleep")
	s.O = o.PID
	oUser := outNSOf(t, o.PID, "user")
	outRequireMap(t, o.PID, "uid_map", r(0, 0, 1))
	outRequireMap(t, o.PID, "gid_map", r(0, 0, 1))
	s.NS = append(s.NS, outNS{Name: "user of O", Type: nsfs.User, ID: oUser, Parent: s.Self.User,
		CreatorUID: 0, UIDMap: r(0, 0, 1), GIDMap: r(0, 0, 1), PIDs: []int{o.PID}})
	for _, typ := range []string{"mnt", "net", "uts"} {
		id := outNSOf(t, o.PID, typ)
		if id == outNSOf(t, me, typ) {
			t.Fatalf("helper O is in the test's %s namespace", typ)
		}
		tp, _ := nsfs.ParseType(typ)
		s.NS = append(s.NS, outNS{Name: typ + " of O", Type: tp, ID: id, Owner: oUser, CreatorUID: -1, PIDs: []int{o.PID}})
	}

	// Nested PID namespaces: A is PID 1 of the outer one, B of the inner.
	pc := startPIDChain(t)
	s.A, s.B = pc.A, pc.B
	outer, inner := outNSOf(t, s.A, "pid"), outNSOf(t, s.B, "pid")
	if pfc := outLinkOf(t, s.A, "ns/pid_for_children"); pfc != inner {
		t.Fatalf("A's pid_for_children is %v, want B's PID namespace %v", pfc, inner)
	}
	s.NS = append(s.NS,
		outNS{Name: "outer PID namespace", Type: nsfs.PID, ID: outer, Parent: s.Self.PID, Owner: s.Self.User, CreatorUID: -1, PIDs: []int{s.A}},
		outNS{Name: "inner PID namespace", Type: nsfs.PID, ID: inner, Parent: outer, Owner: s.Self.User, CreatorUID: -1, PIDs: []int{s.B},
			Holders: []model.Holder{{Kind: model.HolderPIDChildren, PID: s.A}}},
	)

	// Deep scan: a net namespace held by an fd only.
	f := nstest.StartHelper(t, nil, "fd", "net")
	s.F, s.FD = f.PID, f.ReadyInt(t, 0)
	fdNet := outLinkOf(t, s.F, "fd/"+strconv.Itoa(s.FD))
	if fdNet.Ino != uint64(f.ReadyInt(t, 1)) {
		t.Fatalf("helper F: fd %d is %v, the helper says inode %s", s.FD, fdNet, f.Ready[1])
	}
	s.NS = append(s.NS, outNS{Name: "fd-held net namespace", Type: nsfs.Net, ID: fdNet, Owner: s.Self.User, CreatorUID: -1,
		Holders: []model.Holder{{Kind: model.HolderFD, PID: s.F, FD: s.FD}}, DeepOnly: true})

	// Deep scan: a PID namespace held by pid_for_children only.
	p := nstest.StartHelper(t, nil, "pid-for-children")
	s.P = p.PID
	pfc := outLinkOf(t, s.P, "ns/pid_for_children")
	if pfc == s.Self.PID || pfc == outNSOf(t, s.P, "pid") {
		t.Fatalf("helper P: pid_for_children %v is not a new PID namespace", pfc)
	}
	s.NS = append(s.NS, outNS{Name: "pid_for_children PID namespace", Type: nsfs.PID, ID: pfc, Parent: s.Self.PID, Owner: s.Self.User,
		CreatorUID: -1, Holders: []model.Holder{{Kind: model.HolderPIDChildren, PID: s.P}}, DeepOnly: true})
	return s
}

// Get returns the expectation of the namespace named name.
func (s *outScenario) Get(t testing.TB, name string) outNS {
	t.Helper()
	for _, w := range s.NS {
		if w.Name == name {
			return w
		}
	}
	t.Fatalf("no namespace %q in the scenario", name)
	return outNS{}
}

// IDs returns the IDs of the scenario's namespaces, without the deep-only
// ones unless deep.
func (s *outScenario) IDs(deep bool) map[nsfs.ID]outNS {
	out := map[nsfs.ID]outNS{}
	for _, w := range s.NS {
		if deep || !w.DeepOnly {
			out[w.ID] = w
		}
	}
	return out
}

// outCheckNS checks one namespace of a decoded document against what the
// test created. maps says whether ID maps were read (not with PID
// arguments); deep whether holders were looked for.
func outCheckNS(t testing.TB, m *model.Model, w outNS, maps, deep bool) {
	t.Helper()
	ns, ok := m.Namespaces[w.ID]
	if !ok {
		t.Errorf("%v: missing from the JSON", w)
		return
	}
	if ns.Type != w.Type {
		t.Errorf("%v: type %v", w, ns.Type)
	}
	wantParent, wantOwner := w.Parent, w.Owner
	if !w.Type.Hierarchical() {
		wantParent = nsfs.ID{}
	}
	if w.Type == nsfs.User {
		wantOwner = nsfs.ID{} // a user namespace's owner is its parent
	}
	if ns.Parent != wantParent {
		t.Errorf("%v: parent %v, want %v", w, ns.Parent, wantParent)
	}
	if ns.Owner != wantOwner {
		t.Errorf("%v: owner %v, want %v", w, ns.Owner, wantOwner)
	}
	if ns.CreatorUID != w.CreatorUID {
		t.Errorf("%v: creator UID %d, want %d", w, ns.CreatorUID, w.CreatorUID)
	}
	wantUID, wantGID := w.UIDMap, w.GIDMap
	if !maps {
		wantUID, wantGID = nil, nil
	}
	if !outSameMap(ns.UIDMap, wantUID) || !outSameMap(ns.GIDMap, wantGID) {
		t.Errorf("%v: maps u %v g %v, want u %v g %v", w, ns.UIDMap, ns.GIDMap, wantUID, wantGID)
	}
	if !slices.Equal(ns.PIDs, w.PIDs) {
		t.Errorf("%v: members %v, want %v", w, ns.PIDs, w.PIDs)
	}
	var wantHolders []model.Holder
	if deep {
		wantHolders = w.Holders
	}
	if !slices.Equal(ns.Holders, wantHolders) {
		t.Errorf("%v: holders %+v, want %+v", w, ns.Holders, wantHolders)
	}
}

// outSameMap compares ID maps, telling nil (unknown) from empty.
func outSameMap(a, b []procfs.IDRange) bool {
	return (a == nil) == (b == nil) && slices.Equal(a, b)
}

// outCheckTask checks what the document says of a member process against
// /proc.
func outCheckTask(t testing.TB, m *model.Model, pid int) {
	t.Helper()
	task, ok := m.Tasks[pid]
	if !ok {
		t.Errorf("task %d: missing from the JSON", pid)
		return
	}
	st := procStatus(t, pid)
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		t.Fatal(err)
	}
	ppid, _ := strconv.Atoi(st["PPid"])
	uid, _ := strconv.Atoi(strings.Fields(st["Uid"])[0])
	if task.Comm != strings.TrimSuffix(string(comm), "\n") || task.PPID != ppid || task.UID != uid || task.TGID != pid {
		t.Errorf("task %d: comm %q ppid %d uid %d tgid %d; /proc says comm %q ppid %d uid %d",
			pid, task.Comm, task.PPID, task.UID, task.TGID, strings.TrimSpace(string(comm)), ppid, uid)
	}
	if task.NStgid != nil {
		var want []int
		for _, f := range strings.Fields(st["NStgid"]) {
			n, _ := strconv.Atoi(f)
			want = append(want, n)
		}
		if !slices.Equal(task.NStgid, want) {
			t.Errorf("task %d: nstgid %v, /proc says %v", pid, task.NStgid, want)
		}
	}
}

// outNSOf returns the identity of process pid's namespace of type typ.
func outNSOf(t testing.TB, pid int, typ string) nsfs.ID {
	t.Helper()
	return outLinkOf(t, pid, "ns/"+typ)
}

// outLinkOf returns the identity of the namespace /proc/PID/<rel> names.
func outLinkOf(t testing.TB, pid int, rel string) nsfs.ID {
	t.Helper()
	var st unix.Stat_t
	path := fmt.Sprintf("/proc/%d/%s", pid, rel)
	if err := unix.Stat(path, &st); err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return nsfs.ID{Dev: st.Dev, Ino: st.Ino}
}

// outRequireMap requires /proc/PID/<file> to hold exactly want.
func outRequireMap(t testing.TB, pid int, file string, want []procfs.IDRange) {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		t.Fatal(err)
	}
	got, err := procfs.ParseIDMap(data)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("/proc/%d/%s is %q, the fixture wants %v", pid, file, data, want)
	}
}

// outStartJoiner starts a process that waits for a PID on its stdin and
// then (the same process, through exec) joins that process's network
// namespace and runs the helper. It returns the process's PID and a
// function that sends the PID and waits for the helper's ready line. So
// the joiner's PID is lower than that of a namespace created after it
// started.
func outStartJoiner(t *testing.T, helper string) (pid int, join func(target int)) {
	t.Helper()
	p, stdin := nstest.StartWithInput(t, nil, "sh", "-c", `read target && exec nsenter --net="/proc/$target/ns/net" -- "$0" sleep`, helper)
	return p.PID, func(target int) {
		t.Helper()
		if _, err := fmt.Fprintf(stdin, "%d\n", target); err != nil {
			t.Fatal(err)
		}
		stdin.Close()
		p.AwaitReady(t)
		if len(p.Ready) == 0 || p.Ready[0] != strconv.Itoa(p.PID) {
			t.Fatalf("the joiner's helper says ready %q, want PID %d: something forked", p.Ready, p.PID)
		}
	}
}

// outCompareTree reports how the namespaces of a decoded document differ
// from those of the tree printed for the same options: the same set, and
// each printed under the namespace the document names as its parent (user
// and PID namespaces in their hierarchy) or owner (other types in the user
// hierarchy).
func outCompareTree(m *model.Model, v model.View, tr *parsedTree) []string {
	// The tree's namespaces, and the namespace each one is printed under
	// (zero: a root, or under the invisible pseudo node).
	under := map[nsfs.ID]nsfs.ID{}
	types := map[nsfs.ID]string{}
	for _, n := range tr.Nodes {
		if n.Invisible {
			continue
		}
		id := nsfs.ID{Dev: n.Dev, Ino: n.Ino}
		types[id] = n.Type
		if p := n.Parent; p != nil && !p.Invisible {
			under[id] = nsfs.ID{Dev: p.Dev, Ino: p.Ino}
		} else {
			under[id] = nsfs.ID{}
		}
	}
	var problems []string
	for id, ns := range m.Namespaces {
		if _, ok := types[id]; !ok {
			problems = append(problems, fmt.Sprintf("%v %v is in the JSON, not in the tree", ns.Type, id))
			continue
		}
		up := ns.Parent
		if v.Hierarchy == model.UserHierarchy && ns.Type != nsfs.User {
			up = ns.Owner
		}
		if _, inDoc := m.Namespaces[up]; !inDoc {
			up = nsfs.ID{} // outside the view: the tree shows it as a root
		}
		if got := under[id]; got != up {
			problems = append(problems, fmt.Sprintf("%v %v is under %v in the tree, under %v in the JSON", ns.Type, id, got, up))
		}
	}
	for id, typ := range types {
		if _, ok := m.Namespaces[id]; !ok {
			problems = append(problems, fmt.Sprintf("%s %v is in the tree, not in the JSON", typ, id))
		}
	}
	sort.Strings(problems)
	return problems
}

// outListRows runs the list output with --raw --no-headings and the given
// columns (plus args) and returns its rows, keyed by the first column (NS),
// checking that each row has one field per column.
func outListRows(t testing.TB, columns string, args ...string) map[string][]string {
	t.Helper()
	ncol := len(strings.Split(columns, ","))
	full := append([]string{"--output=list", "--raw", "--no-headings", "--columns=" + columns}, args...)
	text := runText(t, full...)
	rows := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, " ")
		if len(f) != ncol {
			t.Errorf("list row %q has %d fields, want %d (one per column)", line, len(f), ncol)
			continue
		}
		if _, dup := rows[f[0]]; dup {
			t.Errorf("list shows NS %s twice", f[0])
		}
		rows[f[0]] = f
	}
	return rows
}

// outLsns runs the installed lsns with -r -n -o columns and returns its rows
// keyed by NS. lsns needs no bound as tight as the tool's: it is quadratic
// in the number of processes.
func outLsns(t testing.TB, columns string) map[string][]string {
	t.Helper()
	ncol := len(strings.Split(columns, ","))
	out := execOutput(t, 5*time.Minute, "lsns", "-r", "-n", "-o", columns)
	rows := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, " ")
		if len(f) != ncol {
			t.Fatalf("lsns row %q has %d fields, want %d", line, len(f), ncol)
		}
		rows[f[0]] = f
	}
	return rows
}

// outDot is a DOT graph reduced to what the tests check.
type outDot struct {
	Nodes   map[nsfs.ID]string // node -> innermost enclosing cluster ("" for none)
	Parents map[string]string  // cluster -> its enclosing cluster
	Edges   map[outEdge]bool
}

type outEdge struct {
	From, To nsfs.ID
	Class    string
}

var (
	outDotNode    = regexp.MustCompile(`^\s*"ns_([0-9]+)_([0-9]+)" \[`)
	outDotEdge    = regexp.MustCompile(`^\s*"ns_([0-9]+)_([0-9]+)" -> "ns_([0-9]+)_([0-9]+)" \[class="([^"]*)"`)
	outDotCluster = regexp.MustCompile(`^\s*subgraph "(cluster_[^"]+)" \{$`)
)

// outParseDot parses the DOT text the tool writes (render/dot: node names
// ns_DEV_INO, clusters cluster_DEV_INO, one statement per line).
func outParseDot(t testing.TB, text string) *outDot {
	t.Helper()
	d := &outDot{Nodes: map[nsfs.ID]string{}, Parents: map[string]string{}, Edges: map[outEdge]bool{}}
	id := func(dev, ino string) nsfs.ID {
		var x nsfs.ID
		x.Dev, _ = strconv.ParseUint(dev, 10, 64)
		x.Ino, _ = strconv.ParseUint(ino, 10, 64)
		return x
	}
	stack := []string{""}
	for _, line := range strings.Split(text, "\n") {
		switch {
		case outDotCluster.MatchString(line):
			name := outDotCluster.FindStringSubmatch(line)[1]
			d.Parents[name] = stack[len(stack)-1]
			stack = append(stack, name)
		case strings.TrimSpace(line) == "}":
			if len(stack) == 0 {
				t.Fatalf("DOT closes more braces than it opens:\n%s", text)
			}
			stack = stack[:len(stack)-1]
		case outDotEdge.MatchString(line):
			m := outDotEdge.FindStringSubmatch(line)
			d.Edges[outEdge{From: id(m[1], m[2]), To: id(m[3], m[4]), Class: m[5]}] = true
		case outDotNode.MatchString(line):
			m := outDotNode.FindStringSubmatch(line)
			n := id(m[1], m[2])
			if _, dup := d.Nodes[n]; dup {
				t.Errorf("DOT declares node %v twice", n)
			}
			d.Nodes[n] = stack[len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("DOT braces do not balance (%d open at the end)", len(stack))
	}
	return d
}

func outCluster(id nsfs.ID) string { return fmt.Sprintf("cluster_%d_%d", id.Dev, id.Ino) }
