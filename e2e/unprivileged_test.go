package e2e

import (
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// Acceptance 9: run as an unprivileged user, the tool exits 0, shows the
// namespaces of the processes it may inspect (its own, and another process
// of the same user), and says in exactly one stderr line how many it could
// not inspect.
func TestUnprivilegedRun(t *testing.T) {
	nstest.RequireRoot(t)
	tool, helper := nstest.PublicBinaries(t)
	peer := nstest.Start(t, nobody(), helper, "sleep")
	// Root's process in a new net namespace: nobody cannot inspect it.
	hidden := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}, "sleep")

	cmd, report := wrapped(t, tool, nil, nil)
	cmd.SysProcAttr = nobody()
	r := nstest.RunCmd(t, cmd)
	self, _ := report()
	if r.Code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", r.Code, r.Stderr)
	}
	lines := stderrLines(r.Stderr)
	if len(lines) != 1 {
		t.Fatalf("stderr %q: want exactly one line", r.Stderr)
	}
	m := skippedRE.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("stderr %q does not say how many processes could not be inspected", lines[0])
	}
	// At least the test process itself and the hidden helper: both root's,
	// and alive throughout.
	if n, _ := strconv.Atoi(m[1]); n < 2 {
		t.Errorf("stderr %q: count %d, want at least 2", lines[0], n)
	}

	tr := parseTree(t, r.Stdout)
	root := initialRoot(t, tr, true)
	for _, typ := range nsTypes {
		n := root
		if typ != "user" {
			n = checkUnder(t, tr, root, want{Type: typ, Ino: selfNS(t, typ)})
		}
		for _, pid := range []int{self, peer.PID} {
			if !slices.Contains(n.Members, pid) {
				t.Errorf("%v: members lack %d (the tool itself or a process of the same user)", n, pid)
			}
		}
	}
	for _, pid := range []int{os.Getpid(), hidden.PID} {
		if nodes := tr.memberOf(pid); len(nodes) > 0 {
			t.Errorf("root's process %d is listed in %v", pid, nodes)
		}
	}
	tr.absent(t, "net", nstest.NS(t, hidden.PID, "net"))
	if tr.invisible() != nil {
		t.Errorf("invisible ancestor node in the initial user namespace:\n%s", tr.Text)
	}
}
