package e2e

// --diff: comparing a saved scan with a new one (issue 14, acceptance 1, 2
// and 4). The host has other tests' namespaces and processes coming and
// going, so each test asserts exactly on the namespaces and processes it
// made itself, and that nothing else mentions them.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// diffChange is one change of the --output=json document or --watch line.
type diffChange struct {
	Time   string `json:"time"`
	Change string `json:"change"`
	Type   string `json:"type"`
	Device uint64 `json:"device"`
	Inode  uint64 `json:"inode"`
	Old    *struct {
		Type  string           `json:"type"`
		Owner *json.RawMessage `json:"owner"`
	} `json:"old"`
	New *struct {
		Type   string `json:"type"`
		Parent *struct {
			Inode uint64 `json:"inode"`
		} `json:"parent"`
		Owner *struct {
			Inode uint64 `json:"inode"`
		} `json:"owner"`
	} `json:"new"`
	Because []string `json:"because"`
	PIDs    struct {
		Joined []int `json:"joined"`
		Left   []int `json:"left"`
	} `json:"pids"`
	Threads struct {
		Joined []struct{ TID, PID int } `json:"joined"`
		Left   []struct{ TID, PID int } `json:"left"`
	} `json:"threads"`
	Holders struct {
		Added []struct {
			Kind    string `json:"kind"`
			Path    string `json:"path"`
			MountNS *struct {
				Inode uint64 `json:"inode"`
			} `json:"mount_ns"`
		} `json:"added"`
		Removed []json.RawMessage `json:"removed"`
	} `json:"holders"`
	Fields []string `json:"fields"`
}

type diffDoc struct {
	SchemaVersion int          `json:"schema_version"`
	Changes       []diffChange `json:"changes"`
}

// saveScan runs the tool with args and --output=json and writes the
// document to a file in dir.
func saveScan(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	r := nstest.Run(t, append(args, "--output=json")...)
	if r.Code != 0 {
		t.Fatalf("saving a scan: exit %d: %s", r.Code, r.Stderr)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(r.Stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var diffLine = regexp.MustCompile(`^([-+~!]) (\w+) \{(\d+) (\d+)\}: (.*)$`)

// textChanges parses --diff text output by inode; it fails the test on a
// line of another shape or a namespace listed twice.
func textChanges(t *testing.T, out string) map[uint64]string {
	t.Helper()
	byIno := map[uint64]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		m := diffLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("diff line of unknown shape: %q", line)
		}
		ino, _ := strconv.ParseUint(m[4], 10, 64)
		if _, dup := byIno[ino]; dup {
			t.Fatalf("inode %d listed twice:\n%s", ino, out)
		}
		byIno[ino] = line
	}
	return byIno
}

// TestDiff: acceptance 1. Between a saved scan and a new one: a net
// namespace held only by a bind mount, a user namespace owning a uts
// namespace, a net namespace only a thread is in, and a process (alone in
// its ipc namespace) that exited.
func TestDiff(t *testing.T) {
	nstest.RequireRoot(t)
	dev := nsfsDev(t)
	dir := nstest.TempDir(t)
	hostUser, hostMnt := selfNS(t, "user"), selfNS(t, "mnt")
	hostTypes := []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

	earlier := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWIPC}, "sleep")
	earlierIPC := nstest.NS(t, earlier.PID, "ipc")
	old := saveScan(t, dir, "old.json", "--deep-scan")

	// A net namespace whose only holder is a bind mount.
	netProc := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}, "sleep")
	boundNet := nstest.NS(t, netProc.PID, "net")
	mountPoint := filepath.Join(dir, "netns")
	nstest.BindMount(t, fmt.Sprintf("/proc/%d/ns/net", netProc.PID), mountPoint)
	netProc.Kill()
	// A user namespace holding a uts namespace.
	userProc := nstest.StartHelper(t, nstest.NewUserNS(syscall.CLONE_NEWUTS), "sleep")
	newUser, newUTS := nstest.NS(t, userProc.PID, "user"), nstest.NS(t, userProc.PID, "uts")
	// A net namespace only a thread is in.
	threadProc := nstest.StartHelper(t, nil, "thread", "net")
	pid, tid := threadProc.ReadyInt(t, 0), threadProc.ReadyInt(t, 1)
	threadNet := nstest.Inode(t, fmt.Sprintf("%d/task/%d/ns/net", pid, tid))
	// The earlier process goes, and its ipc namespace with it.
	earlier.Kill()

	ours := []int{earlier.PID, netProc.PID, userProc.PID, pid, tid}
	ns := func(typ string, ino uint64) string { return fmt.Sprintf("%s {%d %d}", typ, dev, ino) }
	owner := fmt.Sprintf("{%d %d}", dev, hostUser)
	wantNew := map[uint64]string{
		boundNet: fmt.Sprintf("+ %s: owner %s; held by bind mount %s (mount ns %d)", ns("net", boundNet), owner, mountPoint, hostMnt),
		newUser: fmt.Sprintf("+ %s: parent %s; creator_uid 0; uid_map [0 0 1]; gid_map [0 0 1]; pids %d (nshelper)",
			ns("user", newUser), owner, userProc.PID),
		newUTS:    fmt.Sprintf("+ %s: owner {%d %d}; pids %d (nshelper)", ns("uts", newUTS), dev, newUser, userProc.PID),
		threadNet: fmt.Sprintf("+ %s: owner %s; threads %d of PID %d (nshelper)", ns("net", threadNet), owner, tid, pid),
	}

	t.Run("text", func(t *testing.T) {
		r := nstest.Run(t, "--diff="+old)
		if r.Code != 3 {
			t.Fatalf("exit %d, want 3: %s", r.Code, r.Stderr)
		}
		got := textChanges(t, r.Stdout)
		// Mount namespaces others make meanwhile copy the bind mount.
		copies := regexp.MustCompile("^" + regexp.QuoteMeta(wantNew[boundNet]) +
			"(, bind mount " + regexp.QuoteMeta(mountPoint) + ` \(mount ns \d+\))*$`)
		if copies.MatchString(got[boundNet]) {
			got[boundNet] = wantNew[boundNet]
		}
		for ino, want := range wantNew {
			if got[ino] != want && !replacing(got[ino], want) {
				t.Errorf("inode %d:\n got %q\nwant %q", ino, got[ino], want)
			}
		}
		wantGone := fmt.Sprintf("- %s: owner %s; pids %d (nshelper)", ns("ipc", earlierIPC), owner, earlier.PID)
		if g := got[earlierIPC]; g != wantGone && !reusedMeanwhile(g, earlierIPC) {
			t.Errorf("the earlier process's namespace:\n got %q\nwant %q", g, wantGone)
		}
		// The host's namespaces: who joined and left, by PID.
		for _, typ := range hostTypes {
			line := got[selfNS(t, typ)]
			joined, left := textMembers(line)
			wantJoined := []int{pid}
			if typ != "user" && typ != "uts" {
				wantJoined = append(wantJoined, userProc.PID)
			}
			var wantLeft []int
			if typ != "ipc" {
				wantLeft = []int{earlier.PID}
			}
			checkOurs(t, "host "+typ+" joined", joined, ours, wantJoined)
			checkOurs(t, "host "+typ+" left", left, ours, wantLeft)
		}
		// Nothing else mentions our processes.
		for ino, line := range got {
			if _, known := wantNew[ino]; known || ino == earlierIPC || slices.Contains(hostInodes(t, hostTypes), ino) {
				continue
			}
			for _, p := range ours {
				if regexp.MustCompile(`\b` + strconv.Itoa(p) + `\b`).MatchString(line) {
					t.Errorf("a change we did not make mentions PID %d: %q", p, line)
				}
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		r := nstest.Run(t, "--diff="+old, "--output=json")
		if r.Code != 3 {
			t.Fatalf("exit %d, want 3: %s", r.Code, r.Stderr)
		}
		var doc diffDoc
		if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
			t.Fatalf("%v:\n%s", err, r.Stdout)
		}
		byIno := map[uint64]diffChange{}
		for _, c := range doc.Changes {
			byIno[c.Inode] = c
		}
		check := func(ino uint64, kind, typ string, pids []int) diffChange {
			t.Helper()
			c, ok := byIno[ino]
			if kind == "added" && c.Change == "replaced" {
				kind = c.Change // see replacing
			}
			if !ok || c.Change != kind || c.Type != typ || c.Device != dev || !slices.Equal(c.PIDs.Joined, pids) {
				t.Errorf("inode %d: %+v, want %s %s with pids %v", ino, c, kind, typ, pids)
			}
			return c
		}
		c := check(boundNet, "added", "net", []int{})
		inHost := 0
		for _, h := range c.Holders.Added {
			if h.Kind != "bind-mount" || h.Path != mountPoint || h.MountNS == nil {
				t.Errorf("bind-mounted net namespace: holder %+v", h)
			} else if h.MountNS.Inode == hostMnt {
				inHost++
			}
		}
		if inHost != 1 {
			t.Errorf("bind-mounted net namespace: %d holders in mount namespace %d, want 1: %+v", inHost, hostMnt, c.Holders.Added)
		}
		if c := check(newUser, "added", "user", []int{userProc.PID}); c.New == nil || c.New.Parent == nil || c.New.Parent.Inode != hostUser {
			t.Errorf("new user namespace: %+v", c.New)
		}
		if c := check(newUTS, "added", "uts", []int{userProc.PID}); c.New == nil || c.New.Owner == nil || c.New.Owner.Inode != newUser {
			t.Errorf("new uts namespace: %+v", c.New)
		}
		if c := check(threadNet, "added", "net", []int{}); len(c.Threads.Joined) != 1 || c.Threads.Joined[0].TID != tid || c.Threads.Joined[0].PID != pid {
			t.Errorf("thread-only net namespace: threads %+v", c.Threads.Joined)
		}
		if c := byIno[earlierIPC]; c.Change != "replaced" {
			if c.Change != "removed" || c.Type != "ipc" || !slices.Equal(c.PIDs.Left, []int{earlier.PID}) {
				t.Errorf("earlier process's ipc namespace: %+v", c)
			}
		}
		for _, typ := range hostTypes {
			c := byIno[selfNS(t, typ)]
			if c.Change != "changed" {
				t.Errorf("host %s: %+v, want changed", typ, c)
			}
			if !slices.Contains(c.PIDs.Joined, pid) || slices.Contains(c.PIDs.Joined, userProc.PID) != (typ != "user" && typ != "uts") ||
				slices.Contains(c.PIDs.Left, earlier.PID) != (typ != "ipc") {
				t.Errorf("host %s: joined %v, left %v", typ, c.PIDs.Joined, c.PIDs.Left)
			}
		}
	})

	t.Run("file with itself", func(t *testing.T) {
		for _, args := range [][]string{{"--diff=" + old, "--diff=" + old}, {"--diff=" + old, "--diff=" + old, "--output=json"}} {
			r := nstest.Run(t, args...)
			wantOut := ""
			if len(args) == 3 {
				wantOut = "changes\": []"
			}
			if r.Code != 0 || r.Stderr != "" || (wantOut == "" && r.Stdout != "") || !strings.Contains(r.Stdout, wantOut) {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want 0 and no change", args, r.Code, r.Stdout, r.Stderr)
			}
		}
	})
}

// reusedMeanwhile reports whether line says another test's namespace got
// inode ino after ours was gone: then it is a replacement of ours.
func reusedMeanwhile(line string, ino uint64) bool {
	return strings.HasPrefix(line, "! ") && strings.Contains(line, fmt.Sprintf("replaces ipc {%d %d}", nsfsDevice, ino))
}

// replacing reports whether got reports, as a replacement, the namespace
// want reports as added: one this test made after the saved scan can get
// the inode of a namespace that another process (not this test) had when
// the scan was saved, and that is a replacement, with the same details
// and what the old one had ("; was ...").
func replacing(got, want string) bool {
	head, details, ok := strings.Cut(strings.TrimPrefix(want, "+ "), ": ")
	if !ok {
		return false
	}
	rest, ok := strings.CutPrefix(got, "! "+head+": replaces ")
	if !ok {
		return false
	}
	_, tail, ok := strings.Cut(rest, "); ")
	return ok && (tail == details || strings.HasPrefix(tail, details+"; was "))
}

func hostInodes(t *testing.T, types []string) []uint64 {
	var out []uint64
	for _, typ := range types {
		out = append(out, selfNS(t, typ))
	}
	return out
}

var memberPID = regexp.MustCompile(`(\d+)(?: \([^)]*\))?`)

// textMembers reads the "pids joined ..., left ..." part of a "~" line.
func textMembers(line string) (joined, left []int) {
	for _, part := range strings.Split(line, "; ") {
		if i := strings.Index(part, "pids joined "); i >= 0 {
			part = part[i:]
		} else if i := strings.Index(part, "pids left "); i >= 0 {
			part = part[i:]
		} else {
			continue
		}
		target := &joined
		for _, word := range strings.Split(strings.TrimPrefix(part, "pids "), ", ") {
			if strings.HasPrefix(word, "left ") {
				target = &left
			}
			word = strings.TrimPrefix(strings.TrimPrefix(word, "joined "), "left ")
			if m := memberPID.FindStringSubmatch(word); m != nil {
				n, _ := strconv.Atoi(m[1])
				*target = append(*target, n)
			}
		}
	}
	return joined, left
}

// checkOurs compares the PIDs of ours that list holds with want.
func checkOurs(t *testing.T, what string, list, ours, want []int) {
	t.Helper()
	var got []int
	for _, p := range list {
		if slices.Contains(ours, p) {
			got = append(got, p)
		}
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s: our PIDs %v, want %v (list %v)", what, got, want, list)
	}
}

// TestDiffRecycledInode: acceptance 2. An ipc namespace is saved, its
// process exits, and uts namespaces are made until one gets the freed inode
// number: the new scan reports a replacement, never a change of the ipc
// namespace.
func TestDiffRecycledInode(t *testing.T) {
	nstest.RequireRoot(t)
	dev := nsfsDev(t)
	dir := nstest.TempDir(t)
	first := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWIPC}, "sleep")
	ino := nstest.NS(t, first.PID, "ipc")
	old := saveScan(t, dir, "old.json", strconv.Itoa(first.PID))
	first.Kill()

	// Inode numbers come from one allocator that hands out the lowest
	// free number; an ipc namespace is freed by a kernel worker shortly
	// after its last process exits, so a few tries suffice. Each miss is
	// killed at once, freeing its number for the next try.
	const tries = 2000
	var reuser *nstest.Proc
	for i := 0; i < tries && reuser == nil; i++ {
		p := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS}, "sleep")
		if nstest.NS(t, p.PID, "uts") == ino {
			reuser = p
			break
		}
		p.Kill()
	}
	if reuser == nil {
		t.Skipf("the kernel did not reuse inode %d within %d new uts namespaces", ino, tries)
	}

	r := nstest.Run(t, "--diff="+old, strconv.Itoa(reuser.PID))
	if r.Code != 3 {
		t.Fatalf("exit %d, want 3: %s", r.Code, r.Stderr)
	}
	// The 64-bit IDs differ too where the kernel has them (NS_GET_ID, 6.18+).
	because := []string{"type"}
	if kernel().nsGetID {
		because = append(because, "nsid")
	}
	want := fmt.Sprintf("! uts {%d %d}: replaces ipc {%d %d} (%s); owner {%d %d}; pids %d (nshelper); was pids %d (nshelper)",
		dev, ino, dev, ino, strings.Join(because, ", "), dev, selfNS(t, "user"), reuser.PID, first.PID)
	if got := textChanges(t, r.Stdout)[ino]; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}

	r = nstest.Run(t, "--diff="+old, strconv.Itoa(reuser.PID), "--output=json")
	var doc diffDoc
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil || r.Code != 3 {
		t.Fatalf("exit %d, %v:\n%s", r.Code, err, r.Stdout)
	}
	found := 0
	for _, c := range doc.Changes {
		if c.Inode != ino {
			continue
		}
		found++
		if c.Change != "replaced" || c.Type != "uts" || c.Old == nil || c.Old.Type != "ipc" ||
			!slices.Equal(c.Because, because) || !slices.Equal(c.PIDs.Joined, []int{reuser.PID}) || !slices.Equal(c.PIDs.Left, []int{first.PID}) {
			t.Errorf("inode %d: %+v", ino, c)
		}
	}
	if found != 1 {
		t.Errorf("inode %d is in %d changes, want 1", ino, found)
	}
}

// TestDiffBadInput: acceptance 4. One line on stderr naming the input,
// exit 2, nothing on stdout.
func TestDiffBadInput(t *testing.T) {
	nstest.RequireRoot(t)
	dir := nstest.TempDir(t)
	good := saveScan(t, dir, "good.json", strconv.Itoa(os.Getpid()))
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	newer := write("newer.json", strings.Replace(string(data), `"schema_version": 1`, `"schema_version": 2`, 1))
	notJSON := write("notes.txt", "net {4 4026531833}\n")
	otherJSON := write("other.json", `{"schema_version": 1, "changes": []}`)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.json")

	for _, c := range []struct {
		name  string
		args  []string
		names []string
	}{
		{"not JSON", []string{"--diff=" + notJSON}, []string{notJSON}},
		{"other JSON", []string{"--diff=" + good, "--diff=" + otherJSON}, []string{otherJSON, "not a namespaces_of document"}},
		{"newer schema_version", []string{"--diff=" + newer}, []string{newer, "schema_version 2"}},
		{"missing file", []string{"--diff=" + missing}, []string{missing}},
		{"directory", []string{"--diff=" + dir}, []string{dir, "not a regular file"}},
		{"FIFO", []string{"--diff=" + fifo, "--output=json"}, []string{fifo, "not a regular file"}},
		{"--diff with --watch", []string{"--diff=" + good, "--watch"}, []string{"--diff", "--watch"}},
		{"three files", []string{"--diff=" + good, "--diff=" + good, "--diff=" + good}, []string{"--diff"}},
		{"zero interval", []string{"--watch=0s"}, []string{"--watch", "0s"}},
		{"bad interval", []string{"--watch=fast"}, []string{"--watch", "fast"}},
		{"--diff with --output=dot", []string{"--diff=" + good, "--output=dot"}, []string{"--output=dot"}},
		{"view differs from the saved one", []string{"--diff=" + good, "--pidns"}, []string{good, "--pidns"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := nstest.Run(t, c.args...)
			lines := stderrLines(r.Stderr)
			if r.Code != 2 || r.Stdout != "" || len(lines) != 1 {
				t.Fatalf("%q: exit %d, stdout %q, stderr %q; want 2, nothing, one line", c.args, r.Code, r.Stdout, r.Stderr)
			}
			for _, name := range c.names {
				if !strings.Contains(lines[0], name) {
					t.Errorf("stderr %q does not name %q", lines[0], name)
				}
			}
		})
	}
}
