package e2e

// End-to-end tests of issue #3, "Find every namespace on the host, and say
// what keeps each one alive": every kind of member-less namespace is found
// by --deep-scan, under the right owner or parent, with the exact "held by"
// line; whatever lsns(8) lists is found too; an unprivileged run works and
// says what it could not do; and no source blocks or has side effects on the
// files it comes across.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
)

// discExec runs a command (setup, or lsns) and returns its stdout, failing
// the test if it fails or hangs. The bound is generous: lsns on a host with
// thousands of namespaces is slow.
func discExec(t testing.TB, name string, args ...string) string {
	t.Helper()
	return execOutput(t, 180*time.Second, name, args...)
}

// discPrivateDir returns a new directory that is a private bind mount of
// itself, so that namespace files can be bind-mounted below it (unshare
// --mount=FILE needs a non-shared parent mount). It is unmounted when the
// test ends, after everything mounted below it.
func discPrivateDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "d")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(d, d, "", unix.MS_BIND, ""); err != nil {
		t.Fatalf("bind mount %s: %v", d, err)
	}
	t.Cleanup(func() { unix.Unmount(d, unix.MNT_DETACH) })
	if err := unix.Mount("", d, "", unix.MS_PRIVATE, ""); err != nil {
		t.Fatalf("make %s private: %v", d, err)
	}
	return d
}

// discUnmount registers the unmounting of path at the end of the test.
func discUnmount(t testing.TB, path string) {
	t.Cleanup(func() { unix.Unmount(path, unix.MNT_DETACH) })
}

// discPIDForChildren returns the inode of the PID namespace that pid made
// for its children, asked through a pidfd: it works before any child
// exists, when /proc/PID/ns/pid_for_children cannot be read.
func discPIDForChildren(t testing.TB, pid int) uint64 {
	t.Helper()
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	defer unix.Close(pidfd)
	fd, err := unix.IoctlRetInt(pidfd, unix.PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE)
	if err != nil {
		t.Fatalf("PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE of %d: %v", pid, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// discCase is one namespace a test created, with what the user-namespace
// tree (and, for PID namespaces, the PID-namespace tree) must show of it.
type discCase struct {
	name string
	user expect
	pid  *expect
	// absentWithout names the kernel interface this kernel lacks and only
	// which could find the namespace: then it must not be shown.
	absentWithout string
}

// discHeldStates creates one namespace of every member-less kind issue #3
// lists (and the bind-mount paths of its point 5), each kept alive by
// exactly one thing, and returns what the trees must show.
func discHeldStates(t *testing.T) []discCase {
	t.Helper()
	dev := nsfsDev(t)
	selfUser, selfPID, selfMnt := selfNS(t, "user"), selfNS(t, "pid"), selfNS(t, "mnt")
	var cases []discCase
	add := func(name string, e expect) *discCase {
		if e.Under == "" {
			e.Under, e.UnderNo = "user", selfUser
		}
		cases = append(cases, discCase{name: name, user: e})
		return &cases[len(cases)-1]
	}

	// A network namespace held only by a socket: only pidfd_getfd (Linux
	// 5.6+) can reach it; without it, it must be absent.
	sock := nstest.StartHelper(t, nil, "socket")
	c := add("net held by a socket", expect{Type: "net", Ino: uint64(sock.ReadyInt(t, 1)),
		Holders: []string{fmt.Sprintf("socket fd %d", sock.ReadyInt(t, 0)) + ofPID(t, sock.PID)}})
	if !kernel().pidfdGetfd {
		c.absentWithout = "pidfd_getfd (Linux 5.6+)"
	}

	// A PID namespace just made by unshare(CLONE_NEWPID), with no process
	// in it yet: pid_for_children cannot even be read.
	// Only PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE (Linux 6.11+) can name it,
	// for the tool and for the test alike.
	if kernel().pidfdNamespaces {
		pfc := nstest.StartHelper(t, nil, "pid-for-children", "no-child")
		pfcIno := discPIDForChildren(t, pfc.PID)
		if pfcIno == nstest.NS(t, pfc.PID, "pid") {
			t.Fatalf("pid-for-children helper: the child PID namespace is its own")
		}
		if _, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid_for_children", pfc.PID)); err == nil {
			t.Logf("note: pid_for_children of %d is readable without a child", pfc.PID)
		}
		held := []string{"pid_for_children" + ofPID(t, pfc.PID)}
		c = add("pid with no process, held by pid_for_children", expect{Type: "pid", Ino: pfcIno, Holders: held})
		c.pid = &expect{Type: "pid", Ino: pfcIno, Under: "pid", UnderNo: nstest.NS(t, pfc.PID, "pid"), Holders: held}
	} else {
		t.Log("not checked: a PID namespace with no process yet (needs PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE, Linux 6.11+)")
	}

	// A time namespace held only by time_for_children.
	tfc := nstest.StartHelper(t, nil, "time-for-children")
	tfcIno := nstest.Inode(t, fmt.Sprintf("%d/ns/time_for_children", tfc.PID))
	if tfcIno == nstest.NS(t, tfc.PID, "time") {
		t.Fatalf("time-for-children helper: the child time namespace is its own")
	}
	add("time held by time_for_children", expect{Type: "time", Ino: tfcIno,
		Holders: []string{"time_for_children" + ofPID(t, tfc.PID)}})

	// A mount namespace held only by a bind mount in ours (outer), holding
	// in turn the only bind mount of a network namespace (inner): no
	// process is in either.
	d := discPrivateDir(t)
	outer, inner, solo := filepath.Join(d, "mnt"), filepath.Join(d, "inner"), filepath.Join(d, "solo")
	for _, f := range []string{outer, solo} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		discUnmount(t, f)
	}
	discExec(t, "unshare", "--mount="+outer, "--propagation", "private",
		"sh", "-c", `touch "$1" && exec unshare --net="$1" true`, "sh", inner)
	// Runs before the unmount of outer (cleanups run last first), so the
	// inner mount goes with its own umount rather than with the namespace.
	t.Cleanup(func() { exec.Command("nsenter", "--mount="+outer, "umount", "-l", inner).Run() })
	outerIno := inodeOf(t, outer)
	innerIno, err := strconv.ParseUint(strings.TrimSpace(discExec(t, "nsenter", "--mount="+outer, "stat", "-c", "%i", inner)), 10, 64)
	if err != nil {
		t.Fatalf("inode of %s in mount ns %d: %v", inner, outerIno, err)
	}
	if innerIno == selfNS(t, "net") {
		t.Fatalf("%s is our own network namespace", inner)
	}
	add("mnt held by a bind mount, holding a bind mount", expect{Type: "mnt", Ino: outerIno,
		Holders: []string{fmt.Sprintf("bind mount %s (mount ns %d)", outer, selfMnt)}})
	add("net held by a bind mount in a process-less mount ns", expect{Type: "net", Ino: innerIno,
		Holders: []string{fmt.Sprintf("bind mount %s (mount ns %d)", inner, outerIno)}})
	discExec(t, "unshare", "--mount="+solo, "true")
	add("mnt held by a bind mount", expect{Type: "mnt", Ino: inodeOf(t, solo),
		Holders: []string{fmt.Sprintf("bind mount %s (mount ns %d)", solo, selfMnt)}})

	// UTS and network namespaces entered by one non-leader thread only.
	th := nstest.StartHelper(t, nil, "thread", "uts,net")
	pid, tid := th.ReadyInt(t, 0), th.ReadyInt(t, 1)
	for _, typ := range []string{"uts", "net"} {
		ino := nstest.Inode(t, fmt.Sprintf("%d/task/%d/ns/%s", pid, tid, typ))
		if ino == nstest.NS(t, pid, typ) {
			t.Fatalf("thread helper: %s of thread %d is the leader's", typ, tid)
		}
		add(typ+" held by a non-leader thread", expect{Type: typ, Ino: ino,
			Holders: []string{fmt.Sprintf("thread %d of PID %d", tid, pid)}})
	}

	// A user namespace with no member, kept by the network namespace it
	// owns, which has a member.
	first := nstest.StartHelper(t, nstest.NewUserNS(syscall.CLONE_NEWNET), "sleep")
	ancUser, ancNet := nstest.NS(t, first.PID, "user"), nstest.NS(t, first.PID, "net")
	second := nstest.Start(t, nil, "nsenter", fmt.Sprintf("--net=/proc/%d/ns/net", first.PID), nstest.Helper(t), "sleep")
	first.Kill()
	if got := nstest.NS(t, second.PID, "net"); got != ancNet {
		t.Fatalf("nsenter'd helper is in net %d, want %d", got, ancNet)
	}
	if got := nstest.NS(t, second.PID, "user"); got != selfUser {
		t.Fatalf("nsenter'd helper is in user %d, want ours", got)
	}
	add("user held as ancestor only", expect{Type: "user", Ino: ancUser,
		Holders: []string{fmt.Sprintf("ancestor of net {%d %d}", dev, ancNet)}})
	add("net with a member, owned by the ancestor-only user", expect{Type: "net", Ino: ancNet,
		Under: "user", UnderNo: ancUser, Members: []int{second.PID}})

	// A user and a PID namespace held only by fds (the PID namespace's
	// init exited; the fd keeps it).
	fu := nstest.StartHelper(t, nil, "fd", "user")
	add("user held by an fd", expect{Type: "user", Ino: uint64(fu.ReadyInt(t, 1)),
		Holders: []string{fmt.Sprintf("fd %d", fu.ReadyInt(t, 0)) + ofPID(t, fu.PID)}})
	fp := nstest.StartHelper(t, nil, "fd", "pid")
	fpIno := uint64(fp.ReadyInt(t, 1))
	held := []string{fmt.Sprintf("fd %d", fp.ReadyInt(t, 0)) + ofPID(t, fp.PID)}
	c = add("pid held by an fd", expect{Type: "pid", Ino: fpIno, Holders: held})
	c.pid = &expect{Type: "pid", Ino: fpIno, Under: "pid", UnderNo: selfPID, Holders: held}

	// Bind mounts at awkward paths: one with spaces, one below a directory
	// named "nsfs". The process whose namespaces they are exits. They are
	// made in a mount namespace of their own (kept by a member process):
	// a mount namespace anyone creates meanwhile copies every mount of its
	// creator's, nsfs bind mounts of net and uts namespaces included, which
	// would add holders in ours.
	spaced := filepath.Join(d, "with space", "net ns")
	nsfsNamed := filepath.Join(d, "nsfs", "uts")
	for _, p := range []string{spaced, nsfsNamed} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keeper := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}, "sleep")
	keeperMnt := nstest.NS(t, keeper.PID, "mnt")
	sp := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS}, "sleep")
	netIno, utsIno := nstest.NS(t, sp.PID, "net"), nstest.NS(t, sp.PID, "uts")
	for _, m := range [][2]string{{"net", spaced}, {"uts", nsfsNamed}} {
		discExec(t, "nsenter", fmt.Sprintf("--mount=/proc/%d/ns/mnt", keeper.PID),
			"mount", "--bind", fmt.Sprintf("/proc/%d/ns/%s", sp.PID, m[0]), m[1])
	}
	sp.Kill()
	add("net held by a bind mount with spaces in its path", expect{Type: "net", Ino: netIno,
		Holders: []string{fmt.Sprintf("bind mount %s (mount ns %d)", spaced, keeperMnt)}})
	add("uts held by a bind mount below a directory named nsfs", expect{Type: "uts", Ino: utsIno,
		Holders: []string{fmt.Sprintf("bind mount %s (mount ns %d)", nsfsNamed, keeperMnt)}})
	return cases
}

// TestDiscDeepScanHolders covers issue #3 points 1 and 5: each member-less
// namespace is in the --deep-scan tree, under its owner (and, for PID
// namespaces, under its parent in --pidns), with exactly the holder that was
// made.
func TestDiscDeepScanHolders(t *testing.T) {
	nstest.RequireRoot(t)
	cases := discHeldStates(t)
	tr := runTree(t, "--deep-scan", "--holders")
	ptr := runTree(t, "--pidns", "--deep-scan", "--holders")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.absentWithout != "" {
				// Absent, or held only by a concurrent scanner's fd.
				t.Logf("the kernel lacks %s: the namespace must be absent", c.absentWithout)
				for _, n := range tr.all(c.user.Type, c.user.Ino) {
					if got := ownHolders(t, n.Holders); len(got) > 0 || len(n.Members) > 0 {
						t.Errorf("%v is shown, held by %q: only %s could have found it", n, got, c.absentWithout)
					}
				}
				return
			}
			c.user.check(t, tr)
			if c.pid != nil {
				c.pid.check(t, ptr)
			}
		})
	}
	// Without --deep-scan none of the member-less ones is found (the
	// ancestor-only user namespace is, through its member's net).
	plain := runTree(t, "--holders")
	for _, c := range cases {
		if len(c.user.Members) == 0 && !strings.HasPrefix(c.name, "user held as ancestor") {
			if n := plain.all(c.user.Type, c.user.Ino); len(n) != 0 {
				t.Errorf("%s: %s %d found without --deep-scan", c.name, c.user.Type, c.user.Ino)
			}
		}
	}
}

// discLsnsEntry is one namespace of `lsns -J`.
type discLsnsEntry struct {
	NS       json.RawMessage `json:"ns"` // a number in 2.38, a string in some versions
	Type     string          `json:"type"`
	PID      int             `json:"pid"`
	Command  string          `json:"command"`
	Children []discLsnsEntry `json:"children"`
}

// discLsns runs lsns -J and returns its namespaces, flattened.
func discLsns(t testing.TB) []discLsnsEntry {
	t.Helper()
	out := discExec(t, "lsns", "-J")
	var doc struct {
		Namespaces []discLsnsEntry `json:"namespaces"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("lsns -J: %v\n%s", err, out)
	}
	var all []discLsnsEntry
	var walk func([]discLsnsEntry)
	walk = func(es []discLsnsEntry) {
		for _, e := range es {
			all = append(all, e)
			walk(e.Children)
		}
	}
	walk(doc.Namespaces)
	if len(all) == 0 {
		t.Fatalf("lsns -J listed nothing:\n%s", out)
	}
	return all
}

func (e discLsnsEntry) ino(t testing.TB) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(strings.Trim(string(e.NS), `"`), 10, 64)
	if err != nil {
		t.Fatalf("lsns ns %s: %v", e.NS, err)
	}
	return n
}

// discPinned is an lsns namespace whose PID is pinned by a pidfd, so that
// after the scan the test can tell whether it certainly existed throughout.
type discPinned struct {
	typ   string
	ino   uint64
	pid   int
	pidfd int
	comm  string
}

// stillThere reports whether the process lsns named is still the same
// process (its pidfd is live) and still in the namespace: then the
// namespace existed during the whole scan.
func (p discPinned) stillThere() bool {
	if err := unix.PidfdSendSignal(p.pidfd, 0, nil, 0); err != nil {
		return false
	}
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/ns/%s", p.pid, p.typ), &st); err != nil {
		return false
	}
	return st.Ino == p.ino
}

// TestDiscLsnsSubset covers issue #3 point 2: every namespace the installed
// lsns lists is in the --deep-scan output. Namespaces of processes that
// exit meanwhile (other tests may run) are left out of the comparison.
func TestDiscLsnsSubset(t *testing.T) {
	nstest.RequireRoot(t)
	if _, err := exec.LookPath("lsns"); err != nil {
		t.Skip("lsns is not installed")
	}
	if !kernel().pidfdOpen {
		t.Skip("needs pidfd_open, Linux 5.3+: the comparison pins lsns's processes with pidfds")
	}
	// Some of the states above, plus members in fresh namespaces, which
	// lsns must list (they show its output is parsed right).
	sock := nstest.StartHelper(t, nil, "socket")
	nstest.StartHelper(t, nil, "thread", "uts,net")
	nstest.StartHelper(t, nil, "fd", "user")
	nstest.StartHelper(t, nil, "time-for-children")
	member := nstest.StartHelper(t, nstest.NewUserNS(syscall.CLONE_NEWNET|syscall.CLONE_NEWUTS|syscall.CLONE_NEWIPC|syscall.CLONE_NEWNS), "sleep")

	entries := discLsns(t)
	var pinned []discPinned
	listedPID1 := false
	for _, e := range entries {
		if e.PID == 1 {
			listedPID1 = true
		}
		p := discPinned{typ: e.Type, ino: e.ino(t), pid: e.PID, comm: e.Command, pidfd: -1}
		fd, err := unix.PidfdOpen(e.PID, 0)
		if err != nil {
			continue // exited since lsns ran
		}
		p.pidfd = fd
		t.Cleanup(func() { unix.Close(fd) })
		if p.stillThere() {
			pinned = append(pinned, p)
		}
	}
	memberNS := map[uint64]string{}
	for _, typ := range []string{"user", "net", "uts", "ipc", "mnt"} {
		want := nstest.NS(t, member.PID, typ)
		memberNS[want] = typ
		if !slices.ContainsFunc(entries, func(e discLsnsEntry) bool { return e.Type == typ && e.ino(t) == want }) {
			t.Fatalf("lsns -J does not list %s %d of helper %d: the comparison would mean nothing", typ, want, member.PID)
		}
	}

	args := []string{"--deep-scan", "--holders"}
	r := nstest.Run(t, args...)
	tr := checkRun(t, r, args)

	compared, unstable := 0, 0
	var missing []string
	for _, p := range pinned {
		if !p.stillThere() {
			unstable++
			continue
		}
		compared++
		delete(memberNS, p.ino)
		if len(tr.all(p.typ, p.ino)) == 0 {
			missing = append(missing, fmt.Sprintf("%s %d (lsns: PID %d %s)", p.typ, p.ino, p.pid, p.comm))
		}
	}
	t.Logf("lsns listed %d namespaces; compared %d, left out %d whose process changed during the scan; lsns listed PID 1: %v",
		len(entries), compared, len(entries)-compared, listedPID1)
	if len(memberNS) > 0 {
		t.Errorf("the helper's namespaces %v were not compared", memberNS)
	}
	if len(missing) > 0 {
		t.Errorf("lsns lists namespaces the deep scan does not show:\n  %s\nstderr: %s", strings.Join(missing, "\n  "), r.Stderr)
	}

	// What the deep scan shows beyond lsns (informational), by type.
	listed := map[uint64]bool{}
	for _, e := range entries {
		listed[e.ino(t)] = true
	}
	extra := map[string]int{}
	for _, n := range tr.Nodes {
		if !n.Invisible && !listed[n.Ino] {
			extra[n.Type]++
		}
	}
	t.Logf("the deep scan shows beyond lsns: %v", extra)
	sockNet := uint64(sock.ReadyInt(t, 1))
	// Only pidfd_getfd (Linux 5.6+) reaches it (its absence elsewhere is
	// checked by TestDiscDeepScanHolders).
	if inTree := len(tr.all("net", sockNet)) != 0; (kernel().pidfdGetfd && !inTree) || listed[sockNet] {
		t.Errorf("socket-held net %d: in deep scan %v, in lsns %v (want %v, false)", sockNet, inTree, listed[sockNet], kernel().pidfdGetfd)
	}

	// PID 1 cannot be inspected on some hosts (its links deny even root).
	// Its mount namespace must still be shown: if its mounts are ours (the
	// same mount IDs), it is our mount namespace.
	if _, err := os.Readlink("/proc/1/ns/mnt"); err != nil {
		t.Logf("PID 1's namespace links cannot be read here: %v", err)
		ids1, err1 := discMountIDs("/proc/1/mountinfo")
		ids, err2 := discMountIDs("/proc/self/mountinfo")
		switch {
		case err1 != nil || err2 != nil:
			t.Logf("cannot compare PID 1's mounts: %v %v", err1, err2)
		case slices.Equal(ids1, ids):
			t.Logf("PID 1 has our mounts, so it is in our mount namespace %d", selfNS(t, "mnt"))
			if len(tr.all("mnt", selfNS(t, "mnt"))) != 1 {
				t.Errorf("our mount namespace (PID 1's) is not shown")
			}
		default:
			t.Logf("PID 1's mounts differ from ours; its mount namespace can only come from the kernel's list")
		}
	}
}

// discMountIDs returns the sorted mount IDs of a mountinfo file.
func discMountIDs(path string) ([]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ids []int
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		id, err := strconv.Atoi(f[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %q", path, line)
		}
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids, nil
}

// discSources are the discovery sources a deep scan reports under -v.
var discSources = []string{
	"process-links", "thread-links", "for-children", "pidfd-for-children", "fds",
	"sockets", "bind-mounts", "mount-namespace-list", "processless-mount-namespaces", "listns",
}

var discSourceLine = regexp.MustCompile(`^namespaces_of: source ([a-z-]+): (ran(?:, .+)?|unavailable: .+)$`)

// TestDiscUnprivilegedDeepScan covers issue #3 point 3: as an unprivileged
// user, --deep-scan -v succeeds, shows what that user can see (its own
// processes' namespaces, and a user namespace it holds by an fd), reports
// every source, and says what it could not do.
//
// The user holds, by fds, a user namespace and a mount namespace of a user
// namespace of its own: the scan must show both, and the source that looks
// inside member-less mount namespaces must say it could not (setns needs
// CAP_SYS_ADMIN).
func TestDiscUnprivilegedDeepScan(t *testing.T) {
	nstest.RequireRoot(t)
	tool, helper := nstest.PublicBinaries(t)

	// The unprivileged user's own user namespace, held only by its fd; and
	// a mount namespace held by an fd, owned by a user namespace kept only
	// as its ancestor.
	held := nstest.Start(t, nobody(), helper, "fd", "user")
	heldIno := uint64(held.ReadyInt(t, 1))
	heldMnt := nstest.Start(t, nobody(), helper, "fd", "mnt,user")
	heldMntIno := uint64(heldMnt.ReadyInt(t, 1))
	// A root one, which it cannot see into.
	nstest.StartHelper(t, nil, "fd", "user")

	cmd := exec.Command(tool, "--deep-scan", "--holders", "-v")
	cmd.Dir = "/"
	cmd.SysProcAttr = nobody()
	r := nstest.RunCmd(t, cmd)
	if r.Code != 0 {
		t.Fatalf("unprivileged --deep-scan -v: exit %d\nstderr: %s", r.Code, r.Stderr)
	}
	if strings.Contains(r.Stderr, "panic") || strings.Contains(r.Stderr, "goroutine ") {
		t.Fatalf("the run crashed:\n%s", r.Stderr)
	}
	tr := parseTree(t, r.Stdout, cmd.Args[1:]...)

	// What it can see: its own namespaces, with itself as member, and the
	// namespace its user's process holds.
	toolPID := cmd.Process.Pid
	for _, typ := range []string{"user", "mnt", "net", "pid", "uts", "ipc", "cgroup"} {
		n := tr.get(t, typ, selfNS(t, typ))
		if !slices.Contains(n.Members, toolPID) {
			t.Errorf("%v: members %v lack the tool itself (%d)", n, n.Members, toolPID)
		}
	}
	expect{Type: "user", Ino: heldIno, Under: "user", UnderNo: selfNS(t, "user"),
		Holders: []string{fmt.Sprintf("fd %d", held.ReadyInt(t, 0)) + ofPID(t, held.PID)}}.check(t, tr)
	mnt := tr.get(t, "mnt", heldMntIno)
	owner := mnt.Parent
	if owner == nil || owner.Type != "user" || owner.UID != 65534 {
		t.Fatalf("%v is under %v, want under a user namespace created by UID 65534", mnt, owner)
	}
	expect{Type: "user", Ino: owner.Ino, Under: "user", UnderNo: selfNS(t, "user"),
		Holders: []string{fmt.Sprintf("ancestor of mnt {%d %d}", nsfsDev(t), heldMntIno)}}.check(t, tr)
	expect{Type: "mnt", Ino: heldMntIno, Under: "user", UnderNo: owner.Ino,
		Holders: []string{fmt.Sprintf("fd %d", heldMnt.ReadyInt(t, 0)) + ofPID(t, heldMnt.PID)}}.check(t, tr)

	// Every source says, once, whether it ran; the ones that need
	// privilege say why they could not.
	reports := map[string][]string{}
	skipped := 0
	for _, line := range strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n") {
		if m := discSourceLine.FindStringSubmatch(line); m != nil {
			reports[m[1]] = append(reports[m[1]], m[2])
		}
		if m := skippedRE.FindStringSubmatch(line); m != nil {
			skipped, _ = strconv.Atoi(m[1])
			if !strings.Contains(m[2], "permission denied") {
				t.Errorf("skip summary does not say permission was denied: %q", line)
			}
		}
	}
	for _, name := range discSources {
		if got := reports[name]; len(got) != 1 {
			t.Errorf("source %s reported %d times, want once: %q", name, len(got), got)
		}
	}
	for name := range reports {
		if !slices.Contains(discSources, name) {
			t.Logf("new source %s: %q", name, reports[name])
		}
	}
	// Needing CAP_SYS_ADMIN, these cannot run at all; where the kernel
	// lacks the mount namespace list, that is the reason given.
	for _, name := range []string{"mount-namespace-list", "processless-mount-namespaces"} {
		got := reports[name]
		if len(got) != 1 {
			continue
		}
		if name == "mount-namespace-list" && !kernel().mountNSList {
			if !strings.HasPrefix(got[0], "unavailable: ENOTTY") || !strings.Contains(got[0], "NS_MNT_GET_NEXT (Linux 6.12+)") {
				t.Errorf("%s: the kernel lacks NS_MNT_GET_NEXT, but as nobody it reports %q", name, got[0])
			}
			continue
		}
		if !(strings.HasPrefix(got[0], "unavailable: EPERM") && strings.Contains(got[0], "CAP_SYS_ADMIN")) {
			t.Errorf("%s needs CAP_SYS_ADMIN, but as nobody it reports %q", name, got[0])
		}
	}
	// These read other processes' fds, links and mounts: without
	// CAP_SYS_PTRACE they must not claim a plain "ran".
	for _, name := range []string{"thread-links", "for-children", "pidfd-for-children", "fds", "sockets", "bind-mounts"} {
		if got := reports[name]; len(got) == 1 && got[0] == "ran" {
			t.Errorf("source %s: a plain %q as nobody hides that it saw only nobody's processes", name, got[0])
		}
	}
	// At least PID 1 and this test (root) cannot be inspected.
	if skipped < 2 {
		t.Errorf("no (or too small a) count of processes that could not be inspected: %d\nstderr: %s", skipped, r.Stderr)
	}
	t.Logf("unprivileged source reports: %v", reports)
}

// TestDiscNoBlockNoSideEffects covers issue #3 point 4: with a FIFO and a
// pty among a process's fds, and the FIFO also bind-mounted below a
// directory named "nsfs", --deep-scan --holders finishes, and nothing opened,
// read or wrote any of them. inotify observes the FIFO and the pty slave
// (opens, reads, writes, closes), and the directory of a private devpts
// instance (opening the pty master's ptmx again would create a new pty
// there); a byte left in the FIFO must still be there. The observers are
// then shown to work by doing what the scan must not.
func TestDiscNoBlockNoSideEffects(t *testing.T) {
	nstest.RequireRoot(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	nsfsDir := filepath.Join(dir, "nsfs")
	if err := os.Mkdir(nsfsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	fifoMount := filepath.Join(nsfsDir, "fifo nsfs")
	nstest.BindMount(t, fifo, fifoMount)
	pts := filepath.Join(dir, "pts")
	if err := os.Mkdir(pts, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("devpts", pts, "devpts", 0, "newinstance,ptmxmode=0600,mode=0600"); err != nil {
		t.Fatalf("mount a private devpts instance: %v", err)
	}
	discUnmount(t, pts)

	fh := nstest.StartHelper(t, nil, "fifo", fifo)
	fifoFD := fh.ReadyInt(t, 0)
	ph := nstest.StartHelper(t, nil, "pty", filepath.Join(pts, "ptmx"))
	master, slave := ph.ReadyInt(t, 0), ph.ReadyInt(t, 1)
	fdPath := func(pid, fd int) string { return fmt.Sprintf("/proc/%d/fd/%d", pid, fd) }
	if l, err := os.Readlink(fdPath(ph.PID, slave)); err != nil || !strings.HasPrefix(l, pts+"/") {
		t.Fatalf("pty slave of the helper is %q (%v), want one in %s", l, err, pts)
	}

	// A byte in the FIFO: a scan that read the FIFO would take it.
	w, err := unix.Open(fifo, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open the FIFO for writing (the helper is its reader): %v", err)
	}
	t.Cleanup(func() { unix.Close(w) })
	if _, err := unix.Write(w, []byte{'x'}); err != nil {
		t.Fatal(err)
	}
	queued := func() int {
		n, err := unix.IoctlGetInt(w, unix.TIOCINQ) // FIONREAD
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	watch := newWatch(t)
	const fileEvents = unix.IN_OPEN | unix.IN_ACCESS | unix.IN_MODIFY | unix.IN_CLOSE_WRITE | unix.IN_CLOSE_NOWRITE
	watch.add(t, fifo, "fifo", fileEvents)
	watch.add(t, fdPath(ph.PID, slave), "pty slave", fileEvents)
	watch.add(t, pts, "devpts", unix.IN_CREATE)
	if ev := watch.events(t); len(ev) != 0 {
		t.Fatalf("events before the scan: %v", ev)
	}

	// A scan that blocked would not finish in time.
	tr := runTreeWithin(t, 30*time.Second, "--deep-scan", "--holders")
	if strings.Contains(tr.Text, fifoMount) {
		t.Errorf("the FIFO bind mount %q is shown as a namespace holder", fifoMount)
	}
	if ev := watch.events(t); len(ev) != 0 {
		t.Errorf("the scan touched the files it came across: %v", ev)
	}
	if n := queued(); n != 1 {
		t.Errorf("the FIFO holds %d bytes after the scan, want the 1 written before", n)
	}

	// The observers see what the scan must not do.
	controls := []struct {
		path  string
		flags int
		want  string
	}{
		{fdPath(fh.PID, fifoFD), unix.O_RDONLY | unix.O_NONBLOCK, "fifo: OPEN"},
		{fifoMount, unix.O_RDONLY | unix.O_NONBLOCK, "fifo: OPEN"},
		{fdPath(ph.PID, slave), unix.O_RDONLY | unix.O_NONBLOCK | unix.O_NOCTTY, "pty slave: OPEN"},
		{fdPath(ph.PID, master), unix.O_RDONLY | unix.O_NONBLOCK | unix.O_NOCTTY, "devpts: CREATE"},
	}
	for _, c := range controls {
		fd, err := unix.Open(c.path, c.flags|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatalf("control open %s: %v", c.path, err)
		}
		unix.Close(fd)
		if ev := watch.events(t); !slices.Contains(ev, c.want) {
			t.Fatalf("opening %s is not observed (events %v, want %q): the check above proves nothing", c.path, ev, c.want)
		}
	}
}
