package e2e

// The listns(2) source (Linux 6.19+) against a real kernel: a namespace that
// /proc does not show to the scanner is found through the kernel's list and
// opened by its nsfs file handle.

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
)

// requireListns skips unless the kernel has listns(2).
func requireListns(t *testing.T) {
	t.Helper()
	if !kernel().listns {
		t.Skip("needs listns(2), Linux 6.19+")
	}
}

// kernelList is every namespace ID listns(2) gives the test (root, with all
// capabilities, in the initial namespaces).
func kernelList(t *testing.T) []uint64 {
	t.Helper()
	var all []uint64
	page := make([]uint64, 256)
	req := unix.NsIdReq{Size: unix.NS_ID_REQ_SIZE_VER0}
	for {
		n, err := unix.Listns(&req, page, 0)
		if err != nil {
			t.Fatalf("listns: %v", err)
		}
		all = append(all, page[:n]...)
		if n < len(page) {
			return all
		}
		req.Ns_id = page[n-1]
	}
}

// nsIDOf is NS_GET_ID of /proc/PID/ns/TYPE.
func nsIDOf(t *testing.T, pid int, typ string) uint64 {
	t.Helper()
	fd, err := nsfs.OpenAt(unix.AT_FDCWD, "/proc/"+strconv.Itoa(pid)+"/ns/"+typ)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	id, err := nsfs.NamespaceID(fd)
	if err != nil {
		t.Fatalf("NS_GET_ID of %d's %s namespace: %v", pid, typ, err)
	}
	return id
}

// hiddenScanner returns a command that runs the tool with args as root
// without CAP_SYS_PTRACE, in a private mount namespace whose /proc is
// mounted hidepid=ptraceable: every process with capabilities it lacks
// (any full root process) is invisible to it, so only the kernel's list can
// tell it about their namespaces. (A scanner in a child PID namespace
// would not do: there listns shows only that namespace's own view.)
func hiddenScanner(t *testing.T, tool string, args ...string) *exec.Cmd {
	t.Helper()
	for _, bin := range []string{"unshare", "setpriv", "mount"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("needs %s (util-linux)", bin)
		}
	}
	script := "mount -t proc -o hidepid=ptraceable proc /proc && exec setpriv --inh-caps=-sys_ptrace --bounding-set=-sys_ptrace -- " + shQuote(tool)
	for _, a := range args {
		script += " " + shQuote(a)
	}
	cmd := exec.Command("unshare", "--mount", "--propagation=private", "--", "sh", "-c", script)
	cmd.Dir = "/"
	return cmd
}

// TestListnsFindsHiddenNamespaces: a root process sits in its own network
// and PID namespaces; a scanner that /proc hides it from finds both through
// listns(2), opens them by handle, knows their owner and parent, says they
// are known only from the kernel's list, and reports the kernel's IDs.
func TestListnsFindsHiddenNamespaces(t *testing.T) {
	nstest.RequireRoot(t)
	requireListns(t)
	tool := nstest.Tool(t)
	holder := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWPID}, "sleep")
	netIno, pidIno := nstest.NS(t, holder.PID, "net"), nstest.NS(t, holder.PID, "pid")
	hostUser, hostPID := selfNS(t, "user"), selfNS(t, "pid")

	// The plain scan proves the hiding: the holder is invisible.
	plain := nstest.RunCmd(t, hiddenScanner(t, tool, "--holders"))
	if plain.Code != 0 {
		t.Fatalf("hidden plain scan: exit %d\nstderr: %s", plain.Code, plain.Stderr)
	}
	pt := parseTree(t, plain.Stdout, "--holders")
	pt.absent(t, "net", netIno)
	pt.absent(t, "pid", pidIno)
	if nodes := pt.memberOf(holder.PID); len(nodes) > 0 {
		t.Fatalf("the holder %d is visible to the scanner in %v: the hiding failed", holder.PID, nodes)
	}

	// The deep scan finds both through the kernel's list alone.
	r := nstest.RunCmd(t, hiddenScanner(t, tool, "--deep-scan", "--holders", "-v"))
	if r.Code != 0 {
		t.Fatalf("hidden deep scan: exit %d\nstderr: %s", r.Code, r.Stderr)
	}
	if !slices.Contains(stderrLines(r.Stderr), "namespaces_of: source listns: ran") {
		t.Errorf("-v does not say the listns source ran:\n%s", r.Stderr)
	}
	tr := parseTree(t, r.Stdout, "--deep-scan", "--holders")
	net := tr.under(t, "net", netIno, "user", hostUser)
	if !slices.Equal(net.Holders, []string{"kernel list only"}) {
		t.Errorf("%v: holders %q, want only %q", net, net.Holders, "kernel list only")
	}
	pid := tr.under(t, "pid", pidIno, "user", hostUser)
	if !slices.Equal(pid.Holders, []string{"kernel list only"}) {
		t.Errorf("%v: holders %q, want only %q", pid, pid.Holders, "kernel list only")
	}

	// The JSON document has the owner, the parent and the kernel's IDs,
	// and those IDs are the ones NS_GET_ID and listns(2) give.
	j := nstest.RunCmd(t, hiddenScanner(t, tool, "--deep-scan", "--output=json"))
	if j.Code != 0 {
		t.Fatalf("hidden JSON scan: exit %d\nstderr: %s", j.Code, j.Stderr)
	}
	m, err := nsjson.Decode(strings.NewReader(j.Stdout))
	if err != nil {
		t.Fatalf("nsjson.Decode: %v", err)
	}
	dev := nsfsDev(t)
	listed := kernelList(t)
	for _, c := range []struct {
		typ           string
		ino           uint64
		parent, owner nsfs.ID
	}{
		{"net", netIno, nsfs.ID{}, nsfs.ID{Dev: dev, Ino: hostUser}},
		{"pid", pidIno, nsfs.ID{Dev: dev, Ino: hostPID}, nsfs.ID{Dev: dev, Ino: hostUser}},
	} {
		ns := m.Namespaces[nsfs.ID{Dev: dev, Ino: c.ino}]
		if ns == nil {
			t.Errorf("JSON: %s namespace %d missing", c.typ, c.ino)
			continue
		}
		if ns.Parent != c.parent || ns.Owner != c.owner {
			t.Errorf("JSON: %s namespace %d: parent %v owner %v, want parent %v owner %v", c.typ, c.ino, ns.Parent, ns.Owner, c.parent, c.owner)
		}
		id := nsIDOf(t, holder.PID, c.typ)
		if ns.NSID != id {
			t.Errorf("JSON: %s namespace %d: ID %d, NS_GET_ID says %d", c.typ, c.ino, ns.NSID, id)
		}
		if !slices.Contains(listed, id) {
			t.Errorf("%s namespace %d: NS_GET_ID %d is not in listns(2)'s list", c.typ, c.ino, id)
		}
	}
}

// TestMountNSListInChildPIDNamespace: inside a child PID namespace, 7.x
// refuses NS_MNT_GET_NEXT with EPERM although the caller has CAP_SYS_ADMIN;
// -v must then say so, and not blame the capability. Elsewhere the source
// runs or is missing for want of the ioctl.
func TestMountNSListInChildPIDNamespace(t *testing.T) {
	nstest.RequireRoot(t)
	tool := nstest.Tool(t)
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "--", tool, "--deep-scan", "-v")
	cmd.Dir = "/"
	r := nstest.RunCmd(t, cmd)
	if r.Code != 0 {
		t.Fatalf("scan in a child PID namespace: exit %d\nstderr: %s", r.Code, r.Stderr)
	}
	var line string
	for _, l := range stderrLines(r.Stderr) {
		if strings.HasPrefix(l, "namespaces_of: source mount-namespace-list: ") {
			line = l
		}
	}
	switch {
	case line == "":
		t.Fatalf("-v has no line for the mount-namespace-list source:\n%s", r.Stderr)
	case strings.Contains(line, "EPERM"):
		if strings.Contains(line, "needs NS_MNT_GET_NEXT (Linux 6.12+) and CAP_SYS_ADMIN") {
			t.Errorf("%q blames the capability, which the scanner has", line)
		}
		if !strings.Contains(line, "initial PID namespace") {
			t.Errorf("%q does not say the kernel wants the initial PID namespace", line)
		}
	case strings.Contains(line, "ENOTTY"):
		t.Logf("the kernel lacks NS_MNT_GET_NEXT: %s", line)
	case line != "namespaces_of: source mount-namespace-list: ran":
		t.Errorf("unexpected report %q", line)
	}
}
