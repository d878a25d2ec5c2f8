package e2e

// Issue #4 acceptance: the JSON, list and DOT outputs on namespaces the
// tests create (the scenario is described at outScenario, in
// outputs_helpers_test.go).

import (
	"bytes"
	"fmt"
	"os/exec"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
	"github.com/namespaces-of/namespaces_of/nsjson/schema"
)

// Acceptance 1 and 2: the JSON of a full scan (and of a deep scan) holds
// every namespace the test created, with its type, parent, owner, creator
// UID, ID maps, members and holders, and validates against the schema.
func TestOutputsJSONScenario(t *testing.T) {
	nstest.RequireRoot(t)
	s := outStartScenario(t)
	procs := append(s.Chain[:], s.O, s.A, s.B, s.F, s.P)
	for _, deep := range []bool{false, true} {
		name, args := "default", []string{}
		if deep {
			name, args = "deep-scan", []string{"--deep-scan"}
		}
		t.Run(name, func(t *testing.T) {
			m := runJSON(t, args...)
			if m.SelfUser != s.Self.User || m.SelfPID != s.Self.PID {
				t.Errorf("self: user %v pid %v, want %v %v", m.SelfUser, m.SelfPID, s.Self.User, s.Self.PID)
			}
			for _, w := range s.NS {
				if w.DeepOnly && !deep {
					if _, ok := m.Namespaces[w.ID]; ok {
						t.Errorf("%v: in the JSON without --deep-scan, but it has no member", w)
					}
					continue
				}
				outCheckNS(t, m, w, true, deep)
			}
			// The test's own user and PID namespaces are the tops.
			for _, id := range []nsfs.ID{s.Self.User, s.Self.PID} {
				if ns, ok := m.Namespaces[id]; !ok || !ns.Parent.IsZero() {
					t.Errorf("the test's namespace %v: missing or has a parent", id)
				}
			}
			// Every process of the scenario is a member of each of its
			// namespaces (the test's own ones included), and described as
			// /proc describes it.
			for _, pid := range procs {
				for _, typ := range nsTypes {
					id := outNSOf(t, pid, typ)
					if ns, ok := m.Namespaces[id]; !ok || !slices.Contains(ns.PIDs, pid) {
						t.Errorf("process %d: its %s namespace %v is missing or lacks it as a member", pid, typ, id)
					}
				}
				outCheckTask(t, m, pid)
			}
		})
	}
}

// Acceptance 1: the options that filter the tree filter the JSON the same
// way. Each case checks the JSON against the scenario, then compares its
// namespaces, and what each is under, with the tree printed for the same
// options.
func TestOutputsJSONFilters(t *testing.T) {
	nstest.RequireRoot(t)
	s := outStartScenario(t)
	u1, u2, u3 := s.Get(t, "user level 1"), s.Get(t, "user level 2"), s.Get(t, "user level 3")
	uO := s.Get(t, "user of O")
	outer, inner := s.Get(t, "outer PID namespace"), s.Get(t, "inner PID namespace")
	netSet, _ := nsfs.ParseTypeSet("net")
	pid := strconv.Itoa

	// members returns w with only the given members (PID arguments scan
	// only those processes).
	members := func(w outNS, pids ...int) outNS {
		w.PIDs = pids
		return w
	}
	type filterCase struct {
		name string
		args []string
		view model.View
		// exact: the document holds exactly the namespaces of want;
		// otherwise at least those, and only namespaces of shown types.
		exact bool
		want  []outNS
		none  []outNS // must not be in the document
		maps  bool    // ID maps are read (not with PID arguments)
		// global views depend on every process of the host, which other
		// tests may change between the JSON and the tree run; they are
		// compared again (up to 3 times) before a difference counts.
		global bool
	}
	cases := []filterCase{
		{name: "pidns", args: []string{"--pidns"}, view: model.View{Hierarchy: model.PIDHierarchy},
			want: []outNS{outer, inner}, none: []outNS{u1, uO, s.Get(t, "pid_for_children PID namespace")}, global: true},
		{name: "namespaces=net", args: []string{"--namespaces=net"}, view: model.View{Types: netSet},
			want: []outNS{u1, u2, u3, uO, s.Get(t, "net of O")}, none: []outNS{s.Get(t, "mnt of O"), s.Get(t, "uts of O"), outer},
			maps: true, global: true},
		{name: "subtree=chain", args: []string{"--subtree=" + pid(s.Chain[0])}, view: model.View{Subtree: u1.ID},
			exact: true, want: []outNS{u1, u2, u3}, maps: true},
		{name: "subtree=O", args: []string{"--subtree=" + pid(s.O)}, view: model.View{Subtree: uO.ID},
			exact: true, want: []outNS{uO, s.Get(t, "mnt of O"), s.Get(t, "net of O"), s.Get(t, "uts of O")}, maps: true},
		{name: "pidns subtree=A", args: []string{"--pidns", "--subtree=" + pid(s.A)},
			view: model.View{Hierarchy: model.PIDHierarchy, Subtree: outer.ID}, exact: true, want: []outNS{outer, inner}},
		{name: "pidns B", args: []string{"--pidns", pid(s.B)}, view: model.View{Hierarchy: model.PIDHierarchy}, exact: true,
			want: []outNS{
				{Name: "the test's PID namespace", Type: nsfs.PID, ID: s.Self.PID, Owner: s.Self.User, CreatorUID: -1},
				members(outer), members(inner, s.B),
			}},
	}
	// PID arguments: the namespaces of level 3 and of O, and their
	// ancestors; ID maps are not read.
	pidArgs := []outNS{
		members(u1), members(u2), members(u3, s.Chain[2]),
		{Name: "the test's user namespace", Type: nsfs.User, ID: s.Self.User, CreatorUID: 0},
		members(uO, s.O), members(s.Get(t, "mnt of O"), s.O), members(s.Get(t, "net of O"), s.O), members(s.Get(t, "uts of O"), s.O),
	}
	for _, typ := range nsTypes {
		tp, _ := nsfs.ParseType(typ)
		for _, p := range []int{s.Chain[2], s.O} {
			id := outNSOf(t, p, typ)
			if slices.ContainsFunc(pidArgs, func(w outNS) bool { return w.ID == id }) {
				continue
			}
			// One of the test's own namespaces, shared by both or one.
			w := outNS{Name: "the test's " + typ, Type: tp, ID: id, Owner: s.Self.User, CreatorUID: -1}
			if tp == nsfs.PID {
				w.Parent = nsfs.ID{}
			}
			for _, q := range []int{s.Chain[2], s.O} {
				if outNSOf(t, q, typ) == id {
					w.PIDs = append(w.PIDs, q)
				}
			}
			pidArgs = append(pidArgs, w)
		}
	}
	cases = append(cases, filterCase{name: "pids", args: []string{pid(s.Chain[2]), pid(s.O)}, exact: true, want: pidArgs})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			attempts := 1
			if c.global {
				attempts = 3
			}
			for attempt := 1; ; attempt++ {
				m := runJSON(t, c.args...)
				for _, w := range c.want {
					outCheckNS(t, m, w, c.maps, false)
				}
				for _, w := range c.none {
					if _, ok := m.Namespaces[w.ID]; ok {
						t.Errorf("%v: in the document, but %v filters it out", w, c.args)
					}
				}
				for id, ns := range m.Namespaces {
					if !c.view.Shows(ns.Type) {
						t.Errorf("%v %v: in the document, but %v shows no %v namespaces", ns.Type, id, c.args, ns.Type)
					}
				}
				if c.exact && len(m.Namespaces) != len(c.want) {
					var got []string
					for id, ns := range m.Namespaces {
						got = append(got, fmt.Sprintf("%v %v", ns.Type, id))
					}
					t.Errorf("the document holds %d namespaces, want exactly the %d checked: %v", len(got), len(c.want), got)
				}
				if t.Failed() {
					return
				}

				tr := runTree(t, append([]string{"--output=tree", "--no-color"}, c.args...)...)
				problems := outCompareTree(m, c.view, tr)
				if len(problems) == 0 {
					return
				}
				if attempt < attempts {
					t.Logf("attempt %d: the JSON and the tree differ (the host changed in between?), again:\n%s",
						attempt, strings.Join(problems, "\n"))
					continue
				}
				t.Errorf("the JSON and the tree for %v differ:\n%s\ntree:\n%s", c.args, strings.Join(problems, "\n"), tr.Text)
				return
			}
		})
	}
}

// Acceptance 2: the schema check is not vacuous: documents broken in small
// ways are rejected.
func TestOutputsJSONSchemaRejectsBroken(t *testing.T) {
	_, data := outRunJSONBytes(t)
	doc := string(data)
	for _, c := range []struct{ name, old, new string }{
		{"schema_version is a string", `"schema_version": 1`, `"schema_version": "1"`},
		{"unknown namespace type", `"type": "mnt"`, `"type": "xyz"`},
		{"a required key is missing", `"pids": [`, `"pidz": [`},
		{"inode is negative", `"inode": 4`, `"inode": -4`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(doc, c.old) {
				t.Fatalf("the document has no %q to break", c.old)
			}
			broken := strings.Replace(doc, c.old, c.new, 1)
			if err := schema.Validate([]byte(broken)); err == nil {
				t.Errorf("schema.Validate accepts a document with %s", c.name)
			}
		})
	}
}

// Acceptance 3: a real scan written as JSON, decoded with nsjson.Decode and
// encoded again with the view of the options gives the same bytes; for the
// full (deep) scan, the view is model.View{}.
func TestOutputsJSONRoundTrip(t *testing.T) {
	nstest.RequireRoot(t)
	s := outStartScenario(t)
	netMnt, _ := nsfs.ParseTypeSet("net,mnt")
	for _, c := range []struct {
		name string
		args []string
		view model.View
	}{
		{"deep-scan", []string{"--deep-scan"}, model.View{}},
		{"default", nil, model.View{}},
		{"search-tasks", []string{"--search-tasks"}, model.View{}},
		{"pidns", []string{"--pidns", "--all-pids"}, model.View{Hierarchy: model.PIDHierarchy}},
		{"namespaces=net,mnt", []string{"--namespaces=net,mnt", "--deep-scan"}, model.View{Types: netMnt}},
		{"subtree", []string{"--subtree=" + strconv.Itoa(s.O)}, model.View{Subtree: s.Get(t, "user of O").ID}},
		{"pids", []string{strconv.Itoa(s.Chain[2]), strconv.Itoa(s.B)}, model.View{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, data := outRunJSONBytes(t, c.args...)
			var again bytes.Buffer
			if err := nsjson.Encode(&again, m, c.view); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if !bytes.Equal(again.Bytes(), data) {
				t.Errorf("decoding %v and encoding again changes the document: %s", c.args, outFirstDiff(data, again.Bytes()))
			}
		})
	}
}

// outFirstDiff describes the first line where two documents differ.
func outFirstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < max(len(la), len(lb)); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y || i >= len(la) || i >= len(lb) {
			return fmt.Sprintf("line %d: tool wrote %q, re-encoded %q (%d vs %d bytes)", i+1, x, y, len(a), len(b))
		}
	}
	return "no line differs"
}

// Acceptance 4: NS, TYPE, NPROCS and PID of the list agree with the
// installed lsns (util-linux 2.38) for the namespaces both list, and so do
// PARENT and OWNER with lsns's PNS and ONS.
//
// What lsns's PID column is: lsns reads /proc in directory order (by PID)
// and, for each namespace, keeps the member with the lowest PID
// (add_process_to_namespace: `if (!ns->proc || ns->proc->pid > proc->pid)
// ns->proc = proc`); the help text says "lowest PID in the namespace". It
// is neither the namespace's creator nor the first process to have joined
// it: the joiner J below starts first (lower PID), then C creates a network
// namespace, then J enters it, and lsns prints J. Processes whose
// /proc/PID/ns links cannot be read (PID 1 here) are not counted by either
// tool, so the initial namespaces show PID 2 (kthreadd).
//
// Each tool counts its own process as a member of the initial namespaces
// when it runs, and not the other, so on an unchanged host the counts are
// equal. Other processes may come and go between runs, so each lsns run is
// bracketed by two runs of ours: where both agree the state was stable and
// lsns must give the same row; where they differ lsns must lie between
// them, with one process of slack. A namespace fails only if no attempt
// agrees. The namespaces the test created have the members the test gave
// them and must match exactly, first time.
func TestOutputsListMatchesLsns(t *testing.T) {
	nstest.RequireRoot(t)
	if _, err := exec.LookPath("lsns"); err != nil {
		t.Skip("lsns (util-linux) is not installed")
	}
	s := outStartScenario(t)
	jpid, join := outStartJoiner(t, nstest.Helper(t))
	c := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS}, "sleep")
	join(c.PID)
	cNet, cUTS := outNSOf(t, c.PID, "net"), outNSOf(t, c.PID, "uts")
	if outNSOf(t, jpid, "net") != cNet {
		t.Fatalf("the joiner %d did not enter %d's net namespace", jpid, c.PID)
	}

	// The rows the created namespaces must have: NS TYPE NPROCS PID PNS ONS.
	type row = []string
	ino := func(id nsfs.ID) string {
		if id.IsZero() {
			return ""
		}
		return strconv.FormatUint(id.Ino, 10)
	}
	want := map[string]row{}
	for _, w := range s.IDs(false) {
		parent, owner := "", ino(w.Owner)
		if w.Type.Hierarchical() {
			parent = ino(w.Parent)
		}
		if w.Type == nsfs.User {
			owner = parent
		}
		want[ino(w.ID)] = row{ino(w.ID), w.Type.String(), strconv.Itoa(len(w.PIDs)), strconv.Itoa(slices.Min(w.PIDs)), parent, owner}
	}
	want[ino(cNet)] = row{ino(cNet), "net", "2", strconv.Itoa(min(jpid, c.PID)), "", ino(s.Self.User)}
	want[ino(cUTS)] = row{ino(cUTS), "uts", "1", strconv.Itoa(c.PID), "", ino(s.Self.User)}

	const ours, theirs = "NS,TYPE,NPROCS,PID,PARENT,OWNER", "NS,TYPE,NPROCS,PID,PNS,ONS"
	// lsns prints 0 where there is no parent or owner; we leave it empty.
	norm := func(r row) row {
		r = slices.Clone(r)
		for i := 4; i < 6; i++ {
			if r[i] == "0" {
				r[i] = ""
			}
		}
		return r
	}
	agreed := map[string]bool{}
	failures := map[string]string{}
	for attempt := 1; attempt <= 3; attempt++ {
		l1 := outListRows(t, ours)
		ls := outLsns(t, theirs)
		l2 := outListRows(t, ours)
		for k, r := range ls {
			ls[k] = norm(r)
		}
		if attempt == 1 {
			for ns, w := range want {
				for _, x := range []struct {
					who  string
					rows map[string][]string
				}{{"namespaces_of (before lsns)", l1}, {"lsns", ls}, {"namespaces_of (after lsns)", l2}} {
					if got, ok := x.rows[ns]; !ok {
						t.Errorf("%s does not list the created namespace %s (%s)", x.who, ns, w[1])
					} else if !slices.Equal(got, w) {
						t.Errorf("%s lists the created namespace as %q, want %q", x.who, got, w)
					}
				}
			}
			// lsns's PID is the lowest member, not the creator C.
			if jpid < c.PID {
				if r := ls[ino(cNet)]; r != nil && r[3] != strconv.Itoa(jpid) {
					t.Errorf("lsns PID of %d's net namespace is %s, want the joiner %d (the lowest member PID)", c.PID, r[3], jpid)
				}
			} else {
				t.Logf("PIDs wrapped (joiner %d > creator %d): the lowest-PID case is not exercised", jpid, c.PID)
			}
		}
		present := map[string]bool{}
		for ns, lr := range ls {
			a, b := l1[ns], l2[ns]
			if want[ns] != nil || a == nil || b == nil || a[1] != lr[1] || b[1] != lr[1] {
				continue // created (checked above), or not listed by all three runs
			}
			present[ns] = true
			// PARENT and OWNER never change for a namespace.
			if !slices.Equal(a[4:], lr[4:]) {
				failures[ns] = fmt.Sprintf("PARENT OWNER %q, lsns PNS ONS %q", a[4:], lr[4:])
				continue
			}
			var ok bool
			if slices.Equal(a[:4], b[:4]) {
				ok = slices.Equal(a[:4], lr[:4])
			} else {
				n1, _ := strconv.Atoi(a[2])
				n2, _ := strconv.Atoi(b[2])
				n, _ := strconv.Atoi(lr[2])
				ok = min(n1, n2)-1 <= n && n <= max(n1, n2)+1 && (lr[3] == a[3] || lr[3] == b[3])
			}
			if ok {
				agreed[ns] = true
			} else {
				failures[ns] = fmt.Sprintf("ours %q then %q, lsns %q", a[:4], b[:4], lr[:4])
			}
		}
		var pending []string
		for ns := range failures {
			if !agreed[ns] && present[ns] {
				pending = append(pending, ns+": "+failures[ns])
			}
		}
		if len(present) == 0 {
			t.Fatalf("no namespace besides the created ones is listed by both tools")
		}
		if len(pending) == 0 {
			return
		}
		if attempt == 3 || t.Failed() {
			slices.Sort(pending)
			t.Errorf("the list and lsns disagree (in every attempt):\n%s", strings.Join(pending, "\n"))
			return
		}
		t.Logf("attempt %d: the list and lsns disagree; the host may have changed, again:\n%s", attempt, strings.Join(pending, "\n"))
	}
}

// Acceptance 4: every column in raw mode: each row splits into one field
// per column, PARENT and OWNER are those of the JSON for every namespace
// both show, and the created namespaces' rows are right in every column.
func TestOutputsListAllColumns(t *testing.T) {
	nstest.RequireRoot(t)
	s := outStartScenario(t)
	const columns = "NS,TYPE,NPROCS,PID,PPID,USER,UID,COMM,PARENT,OWNER,HOLDERS,PATH,ID"
	rows := outListRows(t, columns, "--deep-scan")
	m := runJSON(t, "--deep-scan")
	ino := func(id nsfs.ID) string {
		if id.IsZero() {
			return ""
		}
		return strconv.FormatUint(id.Ino, 10)
	}
	nsidOf := func(ns *model.Namespace) string {
		if ns.NSID == 0 {
			return ""
		}
		return strconv.FormatUint(ns.NSID, 10)
	}
	same := 0
	for id, ns := range m.Namespaces {
		r, ok := rows[ino(id)]
		if !ok || r[1] != ns.Type.String() || (ns.NSID != 0 && r[12] != nsidOf(ns)) {
			// Gone, or the inode was reused by a new namespace (the
			// kernel's IDs are never reused) between the two runs.
			continue
		}
		same++
		parent, owner := "", ino(ns.Owner)
		if ns.Type.Hierarchical() {
			parent = ino(ns.Parent)
		}
		if ns.Type == nsfs.User {
			owner = ino(ns.Parent)
		}
		if r[8] != parent || r[9] != owner {
			t.Errorf("%v %v: PARENT %q OWNER %q, the JSON says %q %q", ns.Type, id, r[8], r[9], parent, owner)
		}
	}
	if same < len(s.NS) {
		t.Errorf("only %d namespaces are in both the list and the JSON", same)
	}

	for _, w := range s.NS {
		r, ok := rows[ino(w.ID)]
		if !ok {
			t.Errorf("%v: not in the list", w)
			continue
		}
		cell := map[string]string{}
		for i, name := range strings.Split(columns, ",") {
			cell[name] = r[i]
		}
		exp := map[string]string{"TYPE": w.Type.String(), "NPROCS": strconv.Itoa(len(w.PIDs))}
		if ns, ok := m.Namespaces[w.ID]; ok {
			exp["ID"] = nsidOf(ns)
		}
		switch {
		case len(w.PIDs) > 0:
			p := slices.Min(w.PIDs)
			st := procStatus(t, p)
			uid := strings.Fields(st["Uid"])[0]
			name := uid
			if u, err := user.LookupId(uid); err == nil {
				name = u.Username
			}
			exp["PID"], exp["PPID"], exp["UID"], exp["USER"] = strconv.Itoa(p), st["PPid"], uid, name
			exp["COMM"] = st["Name"]
			exp["PATH"] = fmt.Sprintf("/proc/%d/ns/%s", p, w.Type)
		case w.Holders[0].Kind == model.HolderFD:
			exp["PATH"] = fmt.Sprintf("/proc/%d/fd/%d", w.Holders[0].PID, w.Holders[0].FD)
		default:
			exp["PATH"] = fmt.Sprintf("/proc/%d/ns/%s", w.Holders[0].PID, w.Holders[0].Kind)
		}
		for _, col := range []string{"PID", "PPID", "UID", "USER", "COMM"} {
			if _, ok := exp[col]; !ok {
				exp[col] = "" // no member: nothing to show
			}
		}
		exp["HOLDERS"] = ""
		if len(w.Holders) > 0 {
			exp["HOLDERS"] = string(w.Holders[0].Kind) + ":1"
		}
		for col, v := range exp {
			if cell[col] != v {
				t.Errorf("%v: %s is %q, want %q (row %q)", w, col, cell[col], v, r)
			}
		}
	}
}

// Acceptance 5: the DOT output is accepted by Graphviz, every created
// namespace is a node (in the cluster of its owner), and every parent and
// owner link of a created namespace is an edge.
func TestOutputsDOT(t *testing.T) {
	nstest.RequireRoot(t)
	s := outStartScenario(t)
	text := runText(t, "--output=dot", "--deep-scan")
	d := outParseDot(t, text)

	for _, w := range s.NS {
		cluster, ok := d.Nodes[w.ID]
		if !ok {
			t.Errorf("%v: no node", w)
			continue
		}
		// Edges into the namespace: exactly its parent and owner links.
		want := map[outEdge]bool{}
		if w.Type.Hierarchical() {
			want[outEdge{From: w.Parent, To: w.ID, Class: "parent"}] = true
		}
		if w.Type != nsfs.User {
			want[outEdge{From: w.Owner, To: w.ID, Class: "owner"}] = true
		}
		got := map[outEdge]bool{}
		for e := range d.Edges {
			if e.To == w.ID {
				got[e] = true
			}
		}
		if !outSameEdges(got, want) {
			t.Errorf("%v: edges in %v, want %v", w, outEdgeList(got), outEdgeList(want))
		}
		for e := range want {
			if _, ok := d.Nodes[e.From]; !ok {
				t.Errorf("%v: the %s edge comes from %v, which is no node", w, e.Class, e.From)
			}
		}
		// Frames: a user namespace's node is in its own cluster, nested in
		// its parent's; any other in its owner's.
		if w.Type == nsfs.User {
			if cluster != outCluster(w.ID) || d.Parents[cluster] != outCluster(w.Parent) {
				t.Errorf("%v: in cluster %q inside %q, want %q inside %q", w, cluster, d.Parents[cluster], outCluster(w.ID), outCluster(w.Parent))
			}
		} else if cluster != outCluster(w.Owner) {
			t.Errorf("%v: in cluster %q, want its owner's %q", w, cluster, outCluster(w.Owner))
		}
	}

	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("Graphviz dot is not installed (CI installs graphviz): the DOT text was not laid out")
	}
	outDotAccepts(t, "the deep scan", text, len(d.Nodes))
	// The scenario alone, through PID arguments, whatever else the host has.
	pids := []string{"--output=dot"}
	for _, p := range append(s.Chain[:], s.O, s.A, s.B) {
		pids = append(pids, strconv.Itoa(p))
	}
	small := runText(t, pids...)
	outDotAccepts(t, "the scenario's processes", small, len(outParseDot(t, small).Nodes))
}

// outDotAccepts requires `dot -Tsvg` to turn text into an SVG document
// without a complaint. Laying out a host with thousands of namespaces can
// take Graphviz minutes, so such a graph is only logged.
func outDotAccepts(t *testing.T, what, text string, nodes int) {
	t.Helper()
	if nodes > 500 {
		t.Logf("%s: %d nodes; not laying it out", what, nodes)
		return
	}
	cmd := exec.Command("dot", "-Tsvg")
	cmd.Stdin = strings.NewReader(text)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || errOut.Len() > 0 {
			t.Errorf("dot -Tsvg rejects the DOT of %s: %v\n%s", what, err, errOut.String())
		}
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("dot -Tsvg did not finish within 3 minutes on %s (%d nodes)", what, nodes)
	}
	if !bytes.Contains(out.Bytes(), []byte("<svg")) || !bytes.Contains(out.Bytes(), []byte("</svg>")) {
		t.Errorf("dot -Tsvg wrote no SVG document for %s", what)
	}
}

func outSameEdges(a, b map[outEdge]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for e := range a {
		if !b[e] {
			return false
		}
	}
	return true
}

func outEdgeList(m map[outEdge]bool) []string {
	var out []string
	for e := range m {
		out = append(out, fmt.Sprintf("%v -%s-> %v", e.From, e.Class, e.To))
	}
	slices.Sort(out)
	return out
}

// Acceptance 6: bad output options are usage errors: exit status 2, one
// line on stderr that names the problem, nothing on stdout.
func TestOutputsBadValues(t *testing.T) {
	for _, c := range []struct {
		args    []string
		mention string
	}{
		{[]string{"--output=xml"}, `"xml"`},
		{[]string{"--output="}, `--output`},
		{[]string{"--output=list", "--columns=NS,bogus"}, `"bogus"`},
		{[]string{"--output=list", "--columns=NS,,TYPE"}, `empty column name`},
		{[]string{"--raw"}, `--raw`},
		{[]string{"--output=json", "--no-headings"}, `--no-headings`},
		{[]string{"--output=dot", "--columns=NS"}, `--columns`},
		{[]string{"--output=tree", "--raw"}, `--raw`},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := nstest.Run(t, c.args...)
			if r.Code != 2 {
				t.Errorf("exit status %d, want 2", r.Code)
			}
			if r.Stdout != "" {
				t.Errorf("stdout %q, want nothing", r.Stdout)
			}
			lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
			if !strings.HasSuffix(r.Stderr, "\n") || len(lines) != 1 || !strings.HasPrefix(lines[0], "namespaces_of: ") {
				t.Fatalf("stderr %q, want one line starting \"namespaces_of: \"", r.Stderr)
			}
			if !strings.Contains(lines[0], c.mention) {
				t.Errorf("stderr %q does not mention %s", lines[0], c.mention)
			}
		})
	}
}
