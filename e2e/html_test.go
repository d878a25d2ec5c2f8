package e2e

// Issue #12 acceptance 1-3: the HTML page of a real deep scan, opened in a
// real headless Chromium (internal/browsertest), shows the namespaces the
// test made where the text tree shows them, finds them, explains them as
// --holders --show-comm does, and shows hostile text as text.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/browsertest"
	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
	"github.com/namespaces-of/namespaces_of/nsjson/schema"
	"github.com/namespaces-of/namespaces_of/render/tree"
)

// htmlScenario is the output tests' scenario (outScenario: a user-namespace
// chain, nested PID namespaces, an fd-held net namespace, a PID namespace
// held by pid_for_children) plus a socket-held net namespace, a
// thread-held UTS namespace, a net namespace held by a bind mount whose path
// has quotes and markup in it, and a process whose command is markup.
type htmlScenario struct {
	*outScenario
	Socket, SocketFD  int     // the process holding a socket in SocketNet
	SocketNet         nsfs.ID // held by the socket only
	ThreadPID, TID    int     // the thread alone in ThreadUTS
	ThreadUTS         nsfs.ID
	MountPath         string  // the bind mount holding MountNet
	MountNet, HostMnt nsfs.ID // ...and the mount namespace it is in
	Hostile           int     // the process whose comm is markup
	HostileComm       string  // as the kernel keeps it (15 bytes)
}

// The names the page must show as text.
const (
	htmlHostileComm  = `<img src=x onerror=alert(1)>`
	htmlHostileMount = `netns "q" <b> <img src=x onerror=alert(2)>`
	htmlProbeComm    = "nsof-sockprobe" // the socket holder's comm, unique to this test
)

func htmlStartScenario(t *testing.T) *htmlScenario {
	t.Helper()
	s := &htmlScenario{outScenario: outStartScenario(t)}

	sock := nstest.Start(t, nil, helperNamed(t, htmlProbeComm), "socket")
	s.Socket, s.SocketFD = sock.PID, sock.ReadyInt(t, 0)
	s.SocketNet = nsfs.ID{Dev: nsfsDev(t), Ino: uint64(sock.ReadyInt(t, 1))}
	if s.SocketNet == outNSOf(t, s.Socket, "net") {
		t.Fatal("the socket is in the helper's own net namespace")
	}
	if c := commOf(t, s.Socket); c != htmlProbeComm {
		t.Fatalf("the socket holder's comm is %q, want %q", c, htmlProbeComm)
	}

	th := nstest.StartHelper(t, nil, "thread", "uts", "exit-main")
	s.ThreadPID, s.TID = th.ReadyInt(t, 0), th.ReadyInt(t, 1)
	s.ThreadUTS = outLinkOf(t, s.ThreadPID, fmt.Sprintf("task/%d/ns/uts", s.TID))

	s.MountPath = filepath.Join(nstest.TempDir(t), htmlHostileMount)
	src := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}, "sleep")
	s.MountNet = outNSOf(t, src.PID, "net")
	nstest.BindMount(t, fmt.Sprintf("/proc/%d/ns/net", src.PID), s.MountPath)
	src.Kill()
	s.HostMnt = outNSOf(t, os.Getpid(), "mnt")

	h := nstest.Start(t, nil, helperNamed(t, htmlHostileComm), "sleep")
	s.Hostile = h.PID
	// The kernel keeps 15 bytes of a command name: "<img src=x oner".
	s.HostileComm = commOf(t, h.PID)
	if s.HostileComm != htmlHostileComm[:15] {
		t.Fatalf("the hostile helper's comm is %q, want %q", s.HostileComm, htmlHostileComm[:15])
	}
	return s
}

// helperNamed returns a symbolic link to nshelper called name: a process
// started through it has name (its first 15 bytes) as its command name.
func helperNamed(t *testing.T, name string) string {
	t.Helper()
	link := filepath.Join(t.TempDir(), name)
	if err := os.Symlink(nstest.Helper(t), link); err != nil {
		t.Fatal(err)
	}
	return link
}

// commOf reads /proc/PID/comm.
func commOf(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

func TestHTMLDeepScanInBrowser(t *testing.T) {
	nstest.RequireRoot(t)
	browsertest.Chromium(t)
	s := htmlStartScenario(t)

	page, doc := htmlRun(t, "--deep-scan", "--output=html")
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("the embedded document does not match the schema: %v", err)
	}
	m, err := nsjson.Decode(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	created := htmlCreated(s)
	if !kernel().pidfdGetfd {
		// Sockets are looked into through pidfd_getfd (Linux 5.6+):
		// without it the socket-held namespace cannot be found.
		if m.Namespaces[s.SocketNet] != nil {
			t.Errorf("socket-held net %v found although the kernel has no pidfd_getfd", s.SocketNet)
		}
		delete(created, "socket-held net")
	}
	for name, id := range created {
		if m.Namespaces[id] == nil {
			t.Fatalf("%s %v is not in the page's scan", name, id)
		}
	}

	b := browsertest.Start(t)
	p := b.Open(t, page, browsertest.Options{})

	// Acceptance 1: both trees hold every namespace of the document once,
	// each under its parent in the text tree of the same scan; and the
	// created ones sit where the tool's own tree puts them now.
	trees := p.Trees(t)
	for _, h := range []struct {
		name string
		args []string
		view model.View
	}{
		{"user", []string{"--deep-scan", "--holders", "--show-comm"}, model.View{}},
		{"pid", []string{"--pidns", "--deep-scan", "--holders", "--show-comm"}, model.View{Hierarchy: model.PIDHierarchy}},
	} {
		var text bytes.Buffer
		if err := tree.Render(&text, m, tree.Options{View: h.view, ShowComm: true, Holders: true, ShowMaps: true, Width: 80}); err != nil {
			t.Fatal(err)
		}
		want := htmlTreeOf(parseTree(t, text.String(), h.args...))
		if !slices.Equal(trees[h.name], want) {
			t.Errorf("%s tree of the page differs from the text tree of its scan:\n got %v\nwant %v", h.name, trees[h.name], want)
		}
		count := map[string]int{}
		for _, n := range trees[h.name] {
			count[n.Key]++
		}
		for id, ns := range m.Namespaces {
			if (h.name == "user" || ns.Type == nsfs.PID) && count[browsertest.KeyOf(id)] != 1 {
				t.Errorf("%s tree: %v %v appears %d times", h.name, ns.Type, id, count[browsertest.KeyOf(id)])
			}
		}
		live := htmlTreeOf(runTree(t, h.args...))
		for name, id := range created {
			k := browsertest.KeyOf(id)
			if h.name == "pid" && m.Namespaces[id].Type != nsfs.PID {
				continue
			}
			if got, want := htmlParentOf(trees[h.name], k), htmlParentOf(live, k); got != want || got == "?" {
				t.Errorf("%s tree: %s %s is under %q in the page, under %q in the tool's tree", h.name, name, k, got, want)
			}
		}
	}

	// Acceptance 2: searches highlight exactly the matching nodes.
	queries := []string{
		strconv.Itoa(s.Hostile),                // a PID: the namespaces it is in
		strconv.Itoa(s.Socket),                 // ... and those it holds
		htmlProbeComm,                          // a command
		strconv.FormatUint(s.MountNet.Ino, 10), // an inode
	}
	if kernel().pidfdGetfd {
		queries = append(queries, "net:["+strconv.FormatUint(s.SocketNet.Ino, 10)+"]")
	}
	for _, q := range queries {
		want := browsertest.WantHits(m, q)
		browsertest.CheckSearch(t, p, q, want)
		if len(want["user"]) == 0 {
			t.Errorf("search %q: no expected match: the check proves nothing", q)
		}
	}
	probe := browsertest.WantHits(m, htmlProbeComm)["user"]
	if (kernel().pidfdGetfd && !slices.Contains(probe, browsertest.KeyOf(s.SocketNet))) || !slices.Contains(probe, browsertest.KeyOf(outNSOf(t, s.Socket, "net"))) {
		t.Errorf("search %q: %v lacks the held net namespace or the holder's own; %s", htmlProbeComm, probe, htmlWhere(t, m, s.Socket))
	}
	if got := browsertest.WantHits(m, strconv.FormatUint(s.MountNet.Ino, 10)); len(got["user"]) != 1 {
		t.Errorf("search for inode %d: %v, want that namespace alone", s.MountNet.Ino, got)
	}
	if !bytes.Contains(doc, []byte(`"workloads"`)) {
		t.Log("the document names no containers (no workloads): container-name search is covered by render/html's TestBrowserWorkloads")
	}

	// Selecting a node shows its members and holders as --holders
	// --show-comm prints them: for the page's own scan, every namespace;
	// for the namespaces made here, also the tool's tree of now.
	details := p.AllDetails(t)
	browsertest.CheckPage(t, p, m)
	live := runTree(t, "--deep-scan", "--holders", "--show-comm")
	for name, id := range created {
		n := live.get(t, m.Namespaces[id].Type.String(), id.Ino)
		d := details[browsertest.KeyOf(id)]
		var members [][2]string
		for _, l := range n.Lines {
			members = append(members, [2]string{strconv.Itoa(l.IDs[0]), l.Comm})
		}
		if !slices.Equal(d.Members, members) && !(len(d.Members) == 0 && len(members) == 0) {
			t.Errorf("%s: details members %q, the tool prints %q", name, d.Members, members)
		}
		// Other tests run meanwhile: their processes may hold anything for
		// a moment (a scan holds a socket's namespace), and a bind mount
		// propagates into the mount namespaces they make. Compare what
		// this test made: holders that are its processes, mounts in the
		// tool's mount namespace, threads and ancestors.
		if got, want := htmlOwn(d.Holders, s), htmlOwn(n.Holders, s); !slices.Equal(got, want) {
			t.Errorf("%s: details holders %q, the tool prints %q", name, d.Holders, n.Holders)
		}
	}

	// Acceptance 3: the markup in the command and the path is text.
	hostileNet := details[browsertest.KeyOf(outNSOf(t, s.Hostile, "net"))]
	if !slices.Contains(hostileNet.Members, [2]string{strconv.Itoa(s.Hostile), s.HostileComm}) {
		t.Errorf("the details of its net namespace lack %d %q: %q; %s", s.Hostile, s.HostileComm, hostileNet.Members, htmlWhere(t, m, s.Hostile))
	}
	wantHeld := fmt.Sprintf("bind mount %s (mount ns %d)", s.MountPath, s.HostMnt.Ino)
	if d := details[browsertest.KeyOf(s.MountNet)]; !slices.Contains(d.Holders, wantHeld) {
		t.Errorf("bind-mount-held net namespace: holders %q, want %q", d.Holders, wantHeld)
	}
	var rows struct{ Mount, Elements int }
	p.Eval(t, `({Mount: Array.from(document.querySelectorAll('#tree-user .row')).filter((r) => r.textContent.includes(`+strconv.Quote(s.MountPath)+`)).length,
		Elements: document.querySelectorAll('img, iframe, object, embed, script').length})`, &rows)
	if rows.Mount != 1 || rows.Elements != 2 {
		t.Errorf("%d tree rows show the mount path as text (want 1); %d img/iframe/object/embed/script elements (want the page's 2 scripts)", rows.Mount, rows.Elements)
	}
	p.CheckQuiet(t)
}

// htmlOwn keeps the holder lines about what the scenario made: "of PID N"
// for its processes, bind mounts in the tool's mount namespace, and lines
// naming no process (threads, ancestors).
func htmlOwn(lines []string, s *htmlScenario) []string {
	pids := append([]int{s.O, s.A, s.B, s.F, s.P, s.Socket, s.ThreadPID, s.Hostile}, s.Chain[:]...)
	out := []string{}
	for _, l := range lines {
		own := !strings.Contains(l, " of PID ") || strings.HasPrefix(l, "thread ")
		for _, pid := range pids {
			own = own || strings.Contains(l, fmt.Sprintf(" of PID %d ", pid)) || strings.HasSuffix(l, fmt.Sprintf(" of PID %d", pid))
		}
		if strings.HasPrefix(l, "bind mount ") {
			own = strings.HasSuffix(l, fmt.Sprintf("(mount ns %d)", s.HostMnt.Ino))
		}
		if own {
			out = append(out, l)
		}
	}
	return out
}

// htmlWhere says, for a failure message, which namespaces the page's scan
// lists pid in, and which /proc/PID/ns shows now.
func htmlWhere(t *testing.T, m *model.Model, pid int) string {
	var in []string
	for id, ns := range m.Namespaces {
		if slices.Contains(ns.PIDs, pid) {
			in = append(in, ns.Type.String()+":"+strconv.FormatUint(id.Ino, 10))
		}
	}
	slices.Sort(in)
	var now []string
	for _, typ := range nsTypes {
		now = append(now, typ+":"+strconv.FormatUint(outNSOf(t, pid, typ).Ino, 10))
	}
	return fmt.Sprintf("the scan lists PID %d in %v; /proc says %v", pid, in, now)
}

// htmlRun runs the tool with args (an HTML output), requires success,
// writes the page to a file, and returns its path and embedded document.
func htmlRun(t *testing.T, args ...string) (page string, doc []byte) {
	t.Helper()
	r := nstest.Run(t, args...)
	checkOK(t, r, args)
	page = filepath.Join(t.TempDir(), "host.html")
	if err := os.WriteFile(page, []byte(r.Stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	return page, browsertest.EmbeddedJSON(t, page)
}

// htmlCreated names the namespaces the scenario made.
func htmlCreated(s *htmlScenario) map[string]nsfs.ID {
	out := map[string]nsfs.ID{}
	for _, w := range s.NS {
		out[w.Name] = w.ID
	}
	out["socket-held net"] = s.SocketNet
	out["thread-held uts"] = s.ThreadUTS
	out["bind-mount-held net"] = s.MountNet
	return out
}

// htmlTreeOf lists a parsed text tree as the page's tree nodes.
func htmlTreeOf(tr *parsedTree) []browsertest.TreeNode {
	out := []browsertest.TreeNode{}
	key := func(n *node) string {
		if n == nil {
			return ""
		}
		if n.Invisible {
			return "invisible"
		}
		return browsertest.Key(n.Dev, n.Ino)
	}
	for _, n := range tr.Nodes {
		typ := n.Type
		if n.Invisible {
			typ = "user"
		}
		out = append(out, browsertest.TreeNode{Key: key(n), Parent: key(n.Parent), Type: typ})
	}
	return out
}

// htmlParentOf returns the parent key of k in a tree, "?" if k is absent.
func htmlParentOf(nodes []browsertest.TreeNode, k string) string {
	for _, n := range nodes {
		if n.Key == k {
			return n.Parent
		}
	}
	return "?"
}
