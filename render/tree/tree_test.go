package tree

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func id(ino uint64) nsfs.ID { return nsfs.ID{Dev: 4, Ino: ino} }

// Namespaces of the synthetic model.
var (
	// User namespaces.
	userRoot  = id(4026531837) // the scanner's own, topmost
	userChild = id(4026532200) // child of userRoot
	userGrand = id(4026532300) // child of userChild: unknown creator, nil/empty maps
	userEmpty = id(4026532800) // child of userRoot with no members: held only as an ancestor
	userOther = id(4026530000) // a second topmost user namespace (lower inode, printed after)
	userHeld  = id(4026532850) // child of userRoot, no members, descendant holders stored

	// PID namespaces.
	pidRoot   = id(4026531836)
	pidChild  = id(4026532203) // parent pidRoot, owner userChild
	pidGrand  = id(4026532301) // parent pidChild, owner userGrand
	pidPinned = id(4026532600) // parent pidRoot, held by pid_for_children only
	pidEmpty  = id(4026532650) // parent pidRoot, no members: ancestor of pidLeaf
	pidLeaf   = id(4026532651) // parent pidEmpty

	// Namespaces owned by userRoot.
	cgroupRoot = id(4026531835)
	ipcRoot    = id(4026531839)
	mntRoot    = id(4026531841)
	netRoot    = id(4026531840)
	timeRoot   = id(4026531834)
	utsRoot    = id(4026531838)
	netBlue    = id(4026532500) // no members; fds, a socket, bind mounts
	timePinned = id(4026532601) // held by time_for_children only
	cgroupKern = id(4026532700) // found only through the kernel's list
	netThread  = id(4026532900) // occupied only by a non-initial thread
	netMany    = id(4026532950) // many members, so the list wraps

	// Namespaces owned by userChild / userEmpty / userOther.
	netChild  = id(4026532201)
	mntChild  = id(4026532202)
	utsChild  = id(4026532204)
	netGrand  = id(4026532801) // owner userEmpty
	utsOther  = id(4026530001) // owner userOther
	utsHeld   = id(4026532851) // owner userHeld
	netOrphan = id(4026532400) // owner not visible
	ipcOrphan = id(4026532401) // owner not visible
	mntOrphan = id(4026532402) // owner not visible, no members: fd holder
)

// rootPIDs are the members of the scanner's own namespaces: enough of them,
// with varied widths, for the list to wrap at every width tested.
var rootPIDs = []int{1, 2, 3, 17, 88, 99, 412, 666, 1200, 1999, 2048, 3000, 3001, 3002,
	10001, 10002, 10003, 23456, 31337, 65535, 99999, 100000, 123456, 234567, 345678,
	456789, 567890, 678901, 789012, 890123, 901234, 1000000, 2000000, 3999999, 4194303}

func user(ns nsfs.ID, parent nsfs.ID, uid int64, pids ...int) *model.Namespace {
	return &model.Namespace{ID: ns, Type: nsfs.User, Parent: parent, CreatorUID: uid, PIDs: pids}
}

func owned(t nsfs.Type, ns, owner nsfs.ID, pids ...int) *model.Namespace {
	return &model.Namespace{ID: ns, Type: t, Owner: owner, CreatorUID: -1, PIDs: pids}
}

func pidns(ns, parent, owner nsfs.ID, pids ...int) *model.Namespace {
	n := owned(nsfs.PID, ns, owner, pids...)
	n.Parent = parent
	return n
}

func identity() []procfs.IDRange { return []procfs.IDRange{{Inside: 0, Outside: 0, Count: 4294967295}} }

// testModel builds the synthetic model every golden file is rendered from.
func testModel() *model.Model {
	m := model.New()
	m.SelfUser, m.SelfPID = userRoot, pidRoot
	add := func(ns *model.Namespace) *model.Namespace { m.Namespaces[ns.ID] = ns; return ns }

	ur := add(user(userRoot, nsfs.ID{}, 0, rootPIDs...))
	ur.UIDMap, ur.GIDMap = identity(), identity()
	uc := add(user(userChild, userRoot, 1000, 4300, 4312, 4313))
	uc.UIDMap = []procfs.IDRange{{Inside: 0, Outside: 1000, Count: 1}, {Inside: 1, Outside: 100000, Count: 65536}}
	uc.GIDMap = []procfs.IDRange{{Inside: 0, Outside: 1000, Count: 1}}
	ug := add(user(userGrand, userChild, -1, 4320))
	ug.UIDMap, ug.GIDMap = nil, []procfs.IDRange{}
	add(user(userEmpty, userRoot, 1000)) // maps nil: no member to read them from
	uh := add(user(userHeld, userRoot, 1000))
	uh.Holders = []model.Holder{ // as a model may store them, instead of computing
		{Kind: model.HolderDescendant, Of: utsHeld},
		{Kind: model.HolderDescendant, Of: id(4026539999)}, // not in the model
	}
	uo := add(user(userOther, nsfs.ID{}, 0, 7000))
	uo.UIDMap, uo.GIDMap = identity(), identity()

	add(pidns(pidRoot, nsfs.ID{}, userRoot, rootPIDs...))
	add(pidns(pidChild, pidRoot, userChild, 4312, 4313))
	add(pidns(pidGrand, pidChild, userGrand, 4320))
	pp := add(pidns(pidPinned, pidRoot, userRoot))
	pp.Holders = []model.Holder{{Kind: model.HolderPIDChildren, PID: 77}}
	add(pidns(pidEmpty, pidRoot, userRoot))
	add(pidns(pidLeaf, pidEmpty, userRoot, 6000))

	for _, ns := range []*model.Namespace{
		owned(nsfs.Cgroup, cgroupRoot, userRoot, rootPIDs...),
		owned(nsfs.IPC, ipcRoot, userRoot, rootPIDs...),
		owned(nsfs.Mount, mntRoot, userRoot, rootPIDs...),
		owned(nsfs.Net, netRoot, userRoot, 1, 2, 3, 17, 88, 99, 412, 666, 1200),
		owned(nsfs.Time, timeRoot, userRoot, rootPIDs...),
		owned(nsfs.UTS, utsRoot, userRoot, rootPIDs...),
	} {
		add(ns)
	}
	// Threads (as --search-tasks would find them): the leaders, plus
	// non-initial threads of PID 1200.
	nr := m.Namespaces[netRoot]
	for _, ns := range []*model.Namespace{ur, nr} {
		for _, pid := range nr.PIDs {
			ns.Threads = append(ns.Threads, model.Thread{TID: pid, PID: pid})
			if pid == 1200 {
				ns.Threads = append(ns.Threads, model.Thread{TID: 1201, PID: 1200}, model.Thread{TID: 1202, PID: 1200})
			}
		}
	}
	nr.Holders = []model.Holder{{Kind: model.HolderSocket, PID: 88, FD: 3}}

	nb := add(owned(nsfs.Net, netBlue, userRoot))
	nb.Holders = []model.Holder{
		{Kind: model.HolderBindMount, Path: "/run/netns/blue", MountNS: mntRoot},
		{Kind: model.HolderBindMount, Path: "/run/netns/evil\nnet {4 4026531840}", MountNS: mntRoot},
		{Kind: model.HolderBindMount, Path: "/run/netns/\xff\xfe", MountNS: mntChild},
		{Kind: model.HolderFD, PID: 412, FD: 7},
		{Kind: model.HolderFD, PID: 666, FD: 8},   // unsafe comm
		{Kind: model.HolderFD, PID: 17, FD: 10},   // task known, comm not read
		{Kind: model.HolderFD, PID: 99998, FD: 9}, // no task: no comm
		{Kind: model.HolderSocket, PID: 88, FD: 5},
	}
	tp := add(owned(nsfs.Time, timePinned, userRoot))
	tp.Holders = []model.Holder{{Kind: model.HolderTimeChildren, PID: 77}}
	ck := add(owned(nsfs.Cgroup, cgroupKern, userRoot))
	ck.Holders = []model.Holder{{Kind: model.HolderKernelList}}
	nt := add(owned(nsfs.Net, netThread, userRoot))
	nt.Threads = []model.Thread{{TID: 4400, PID: 4390}}
	var many []int
	for pid := 20000; pid < 20000+120*7; pid += 7 {
		many = append(many, pid)
	}
	add(owned(nsfs.Net, netMany, userRoot, many...))

	add(owned(nsfs.Net, netChild, userChild, 4312))
	m.Namespaces[netChild].Holders = []model.Holder{{Kind: model.HolderSocket, PID: 4312, FD: 4}}
	add(owned(nsfs.Mount, mntChild, userChild, 4300, 4312, 4313))
	add(owned(nsfs.UTS, utsChild, userChild, 4300, 4312, 4313, 4320))
	add(owned(nsfs.Net, netGrand, userEmpty, 5000))
	add(owned(nsfs.UTS, utsOther, userOther, 7000))
	add(owned(nsfs.UTS, utsHeld, userHeld, 5100))

	add(owned(nsfs.Net, netOrphan, nsfs.ID{}, 7100, 7101))
	add(owned(nsfs.IPC, ipcOrphan, nsfs.ID{}, 7100))
	mo := add(owned(nsfs.Mount, mntOrphan, nsfs.ID{}))
	mo.Holders = []model.Holder{{Kind: model.HolderFD, PID: 7100, FD: 12}}

	tasks := []*model.Task{
		{ID: 1, Comm: "systemd", NStgid: []int{1}},
		{ID: 2, Comm: "kthreadd", NStgid: []int{2}},
		{ID: 77, Comm: "unshare", NStgid: []int{77}},
		{ID: 88, Comm: "dhclient", NStgid: []int{88}},
		{ID: 412, Comm: "sleep", NStgid: []int{412}},
		{ID: 666, Comm: "evil\x1b[31m\nuser {4 1}", NStgid: []int{666}},
		{ID: 1200, Comm: "dockerd", NStgid: []int{1200}},
		{ID: 1201, TGID: 1200, Comm: "dockerd-worker", NStgid: []int{1201}},
		{ID: 1202, TGID: 1200, Comm: "dockerd-gc", NStgid: []int{1202}},
		{ID: 4300, Comm: "bash", NStgid: []int{4300}},
		{ID: 4312, Comm: "sh", NStgid: []int{4312, 1}},
		{ID: 4313, Comm: "sleep", NStgid: []int{4313, 2}},
		{ID: 4320, Comm: "nginx: worker", NStgid: []int{4320, 9, 1}},
		{ID: 6000, Comm: "init", NStgid: []int{6000, 1}},
		{ID: 7100, Comm: "containerd", NStgid: []int{7100}},
		{ID: 17}, // known task, nothing read
	}
	for _, t := range tasks {
		if t.TGID == 0 {
			t.TGID = t.ID
		}
		m.Tasks[t.ID] = t
	}
	m.Normalize()
	return m
}

var (
	netOnly  = nsfs.NewTypeSet(nsfs.Net)
	userOnly = nsfs.NewTypeSet(nsfs.User)
	pidView  = model.View{Hierarchy: model.PIDHierarchy}
)

var goldenCases = []struct {
	name string
	opts Options
}{
	{"default", Options{ShowMaps: true, Width: 80}},
	{"default_color", Options{ShowMaps: true, Color: true, Width: 80}},
	{"no_maps", Options{Width: 80}},
	{"width_32", Options{ShowMaps: true, Width: 32}},
	{"width_200", Options{ShowMaps: true, Width: 200}},
	{"width_10_min32", Options{ShowMaps: true, Width: 10}},
	{"no_pids", Options{ShowMaps: true, NoPIDs: true, Width: 80}},
	{"no_pids_color", Options{ShowMaps: true, NoPIDs: true, Color: true, Width: 80}},
	{"show_comm", Options{ShowMaps: true, ShowComm: true, Width: 80}},
	{"show_comm_color", Options{ShowMaps: true, ShowComm: true, Color: true, Width: 80}},
	{"pidns", Options{View: pidView, Width: 80}},
	{"pidns_all_pids", Options{View: pidView, AllPIDs: true, Width: 80}},
	{"pidns_all_pids_comm", Options{View: pidView, AllPIDs: true, ShowComm: true, Width: 80}},
	{"pidns_all_pids_comm_color", Options{View: pidView, AllPIDs: true, ShowComm: true, Color: true, Width: 80}},
	{"pidns_holders", Options{View: pidView, Holders: true, Width: 80}},
	{"threads", Options{View: model.View{Types: netOnly}, Threads: true, Width: 80}},
	{"threads_comm", Options{View: model.View{Types: netOnly}, Threads: true, ShowComm: true, Width: 80}},
	{"types_net", Options{View: model.View{Types: netOnly}, ShowMaps: true, Width: 80}},
	{"types_user", Options{View: model.View{Types: userOnly}, ShowMaps: true, Width: 80}},
	{"subtree_user", Options{View: model.View{Subtree: userChild}, ShowMaps: true, Width: 80}},
	{"subtree_pid", Options{View: model.View{Hierarchy: model.PIDHierarchy, Subtree: pidChild}, AllPIDs: true, Width: 80}},
	{"subtree_missing", Options{View: model.View{Subtree: id(1)}, Width: 80}},
	{"holders", Options{ShowMaps: true, Holders: true, Width: 80}},
	{"holders_color", Options{ShowMaps: true, Holders: true, Color: true, Width: 80}},
	{"holders_no_pids", Options{NoPIDs: true, Holders: true, Width: 80}},
	// A display filter selecting net namespaces: user namespaces above
	// them stay as context lines, without members.
	{"match_net", Options{View: model.View{Match: isNet}, ShowMaps: true, Holders: true, Color: true, Width: 80}},
}

func isNet(ns *model.Namespace) bool { return ns.Type == nsfs.Net }

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, testModel(), tc.opts); err != nil {
				t.Fatalf("Render: %v", err)
			}
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got := buf.String(); got != string(want) {
				t.Errorf("output differs from %s (go test -update rewrites it)\n got:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// TestGoldenInvariants checks properties every golden output must have,
// independently of the golden files themselves.
func TestGoldenInvariants(t *testing.T) {
	for _, tc := range goldenCases {
		var buf bytes.Buffer
		if err := Render(&buf, testModel(), tc.opts); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !tc.opts.Color && strings.Contains(out, "\x1b") {
			t.Errorf("%s: escape sequence without Color", tc.name)
		}
		for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if out == "" {
				break
			}
			if strings.HasSuffix(line, " ") {
				t.Errorf("%s line %d: trailing space: %q", tc.name, i+1, line)
			}
			starts := strings.Count(line, colorUser) + strings.Count(line, colorID)
			resets := strings.Count(line, colorReset)
			bare := strings.NewReplacer(colorUser, "", colorID, "", colorReset, "").Replace(line)
			if starts != resets || strings.Contains(bare, "\x1b") ||
				max(strings.LastIndex(line, colorUser), strings.LastIndex(line, colorID)) > strings.LastIndex(line, colorReset) {
				t.Errorf("%s line %d: unbalanced or unknown escape sequence: %q", tc.name, i+1, line)
			}
		}
	}
}

func TestEmptyModel(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, model.New(), Options{Width: 80}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("empty model rendered %q", buf.String())
	}
	if err := Render(&buf, nil, Options{}); err == nil {
		t.Error("nil model: no error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	err := Render(failWriter{}, testModel(), Options{Width: 80})
	if err == nil || err.Error() != "disk full" {
		t.Errorf("Render to a failing writer: got %v, want disk full", err)
	}
}

// wrapWords runs the wrapper over words and returns the lines it emits.
func wrapWords(words []string, width int) []string {
	var lines []string
	lw := lineWrapper{width: width, emit: func(l []byte) { lines = append(lines, string(l)) }}
	for _, w := range words {
		lw.add([]byte(w))
	}
	lw.flush()
	return lines
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		words []string
		width int
		want  []string
	}{
		{nil, 10, nil},
		{[]string{"[", "]"}, 10, []string{"[ ]"}},
		{[]string{"[", "1", "2", "3", "]"}, 9, []string{"[ 1 2 3 ]"}},                // exactly fits
		{[]string{"[", "1", "2", "3", "]"}, 8, []string{"[ 1 2 3", "]"}},             // one over
		{[]string{"[", "10", "20", "30", "]"}, 5, []string{"[ 10", "20 30", "]"}},    // boundaries
		{[]string{"[", "123456789", "1", "]"}, 4, []string{"[", "123456789", "1 ]"}}, // long word alone
		{[]string{"123456789"}, 4, []string{"123456789"}},                            // only a long word
		{[]string{"[", "1", "]"}, 0, []string{"[", "1", "]"}},                        // degenerate width
		{[]string{"a", "bb", "ccc", "dddd"}, 6, []string{"a bb", "ccc", "dddd"}},     // greedy
		{[]string{"a", "bb", "ccc", "dddd", "e"}, 100, []string{"a bb ccc dddd e"}},  // wide
	} {
		got := wrapWords(tc.words, tc.width)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.words, tc.width, got, tc.want)
		}
	}
}

// TestListWidth checks the width arithmetic on a member list: the text of
// each line (without its indent) fits Width minus the indent, never less
// than 32, and rejoins to the full list.
func TestListWidth(t *testing.T) {
	m := model.New()
	ns := owned(nsfs.Net, netRoot, nsfs.ID{})
	for pid := 1; pid <= 300; pid++ {
		ns.PIDs = append(ns.PIDs, pid*37)
	}
	m.Namespaces[ns.ID] = ns
	var all strings.Builder
	all.WriteString("[")
	for _, pid := range ns.PIDs {
		all.WriteString(" ")
		all.WriteString(strconv.Itoa(pid))
	}
	all.WriteString(" ]")
	for _, width := range []int{-5, 0, 31, 32, 40, 41, 80, 81, 200} {
		var buf bytes.Buffer
		if err := Render(&buf, m, Options{Width: width}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		// lines[0] is the pseudo node, lines[1] the net namespace at level 1.
		avail := max(width-12, 32)
		var texts []string
		for i, l := range lines[2:] {
			text, ok := strings.CutPrefix(l, strings.Repeat(" ", 12))
			if !ok || strings.HasPrefix(text, " ") {
				t.Fatalf("width %d line %d: bad indent: %q", width, i, l)
			}
			if len(text) > avail {
				t.Errorf("width %d: line %q longer than %d", width, text, avail)
			}
			texts = append(texts, text)
			if i+1 < len(lines[2:]) {
				// the next word would not have fitted
				next := strings.Fields(lines[i+3])[0]
				if len(text)+1+len(next) <= avail {
					t.Errorf("width %d: line %q could have held %q", width, text, next)
				}
			}
		}
		if got := strings.Join(texts, " "); got != all.String() {
			t.Errorf("width %d: lines do not rejoin to the list", width)
		}
	}
}

func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"/run/netns/blue": "/run/netns/blue",
		"with space":      "with space",
		"ünïcödé":         "ünïcödé",
		"":                `""`,
		"a\nb":            `"a\nb"`,
		"\x1b[31m":        `"\x1b[31m"`,
		"tab\t":           `"tab\t"`,
		"del\x7f":         `"del\x7f"`,
		"\xff":            `"\xff"`,
		"bidi\u202e":      `"bidi\u202e"`,
		"line\u2028sep":   `"line\u2028sep"`,
		"c1\u0085":        `"c1\u0085"`,
		`"quoted"`:        `"\"quoted\""`,
		`mid"quote`:       `mid"quote`,
	} {
		if got := safeText(in); got != want {
			t.Errorf("safeText(%q) = %s, want %s", in, got, want)
		}
	}
}

// benchModel has one namespace with n members, all with known tasks.
func benchModel(n int) *model.Model {
	m := model.New()
	u := user(userRoot, nsfs.ID{}, 0)
	u.UIDMap, u.GIDMap = identity(), identity()
	m.Namespaces[u.ID] = u
	ns := owned(nsfs.Net, netRoot, userRoot)
	for i := 0; i < n; i++ {
		pid := 1000 + i*3
		ns.PIDs = append(ns.PIDs, pid)
		u.PIDs = append(u.PIDs, pid)
		ns.Threads = append(ns.Threads, model.Thread{TID: pid, PID: pid}, model.Thread{TID: pid + 1, PID: pid})
		m.Tasks[pid] = &model.Task{ID: pid, TGID: pid, Comm: "worker", NStgid: []int{pid, i + 1}}
	}
	m.Namespaces[ns.ID] = ns
	return m
}

func BenchmarkRender(b *testing.B) {
	m := benchModel(10000)
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"list", Options{ShowMaps: true, Width: 80}},
		{"list_color", Options{ShowMaps: true, Color: true, Width: 80}},
		{"comm", Options{ShowComm: true, Width: 80}},
		{"holders", Options{Holders: true, Threads: true, Width: 80}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Render(io.Discard, m, bc.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
