package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// TestSystemdUnitCgroup: a process with a private network namespace, moved
// into a cgroup named like a systemd service, is attributed to that unit
// (as PrivateNetwork= services are), in the tree, the list and the JSON.
func TestSystemdUnitCgroup(t *testing.T) {
	nstest.RequireRoot(t)
	unit := fmt.Sprintf("nsof-test-%d.service", os.Getpid())
	var dirs []string
	for _, hierarchy := range []string{"unified", "systemd"} {
		slice := filepath.Join("/sys/fs/cgroup", hierarchy, "system.slice")
		if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", hierarchy, "cgroup.procs")); err != nil {
			continue
		}
		madeSlice := os.Mkdir(slice, 0o755) == nil
		dir := filepath.Join(slice, unit)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
		t.Cleanup(func() {
			os.Remove(dir)
			if madeSlice {
				os.Remove(slice)
			}
		})
	}
	if len(dirs) == 0 {
		t.Skip("no cgroup v2 or name=systemd hierarchy mounted at /sys/fs/cgroup/{unified,systemd}")
	}
	p := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS}, "sleep")
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte(strconv.Itoa(p.PID)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Killed before the cgroups are removed (cleanups run last first).
	t.Cleanup(p.Kill)

	pid := strconv.Itoa(p.PID)
	net := nsfs.ID{Dev: nsfsDev(t), Ino: nstest.NS(t, p.PID, "net")}
	uts := nsfs.ID{Dev: nsfsDev(t), Ino: nstest.NS(t, p.PID, "uts")}
	m := runJSON(t, "--containers", pid)
	for _, id := range []nsfs.ID{net, uts} {
		ns := m.Namespaces[id]
		if ns == nil || len(ns.Workloads) != 1 {
			t.Fatalf("namespace %v: %+v", id, ns)
		}
		w := m.Workload(ns.Workloads[0])
		if w == nil || w.Engine != "systemd" || w.Unit != unit || !slices.Equal(w.PIDs, []int{p.PID}) {
			t.Errorf("namespace %v: workload %+v, want systemd unit %s", id, w, unit)
		}
	}
	tree := runText(t, "--containers", "--no-pids", pid)
	if got := treeWorkloads(tree, "net", net); !slices.Equal(got, []string{"systemd " + unit}) {
		t.Errorf("tree under the netns: %q\n%s", got, tree)
	}
	list := runText(t, "--output=list", "--raw", "--no-headings", "--columns=NS,UNIT", pid)
	if !strings.Contains(list, strconv.FormatUint(net.Ino, 10)+" "+unit+"\n") {
		t.Errorf("list does not name the unit:\n%s", list)
	}
	// --container selects units by name too.
	sel := runJSON(t, "--containers", "--container="+unit)
	if sel.Namespaces[net] == nil || len(sel.Workloads) != 1 {
		t.Errorf("--container=%s: %d workloads, netns present %v", unit, len(sel.Workloads), sel.Namespaces[net] != nil)
	}
}

// TestContainerArgumentErrors: unknown and ambiguous --container values are
// usage errors (exit 2) naming the candidates, with nothing on stdout.
func TestContainerArgumentErrors(t *testing.T) {
	nstest.RequireRoot(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--container=nsof-no-such-container"}, `--container="nsof-no-such-container": no container`},
		{[]string{"--container="}, "--container: empty name or ID"},
		{[]string{"--container=x", "1"}, "--container cannot be combined with PID arguments"},
		{[]string{"--container=x", "--deep-scan"}, "--container cannot be combined"},
	} {
		r := nstest.Run(t, tc.args...)
		if r.Code != 2 || r.Stdout != "" || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("%q: exit %d stdout %q stderr %q, want exit 2 and %q", tc.args, r.Code, r.Stdout, r.Stderr, tc.want)
		}
	}
}

// TestContainersOffChangesNothing: without --containers the tree is
// byte-for-byte what it was; with it, only workload lines are added.
func TestContainersOffChangesNothing(t *testing.T) {
	nstest.RequireRoot(t)
	p := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}, "sleep")
	pid := strconv.Itoa(p.PID)
	plain := runText(t, pid)
	with := runText(t, "--containers", pid)
	var kept []string
	for _, l := range strings.Split(with, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " "), "[") || strings.Contains(l, "{") || l == "" {
			kept = append(kept, l)
		}
	}
	if strings.Join(kept, "\n") != plain {
		t.Errorf("--containers changed more than adding workload lines:\nwithout:\n%s\nwith:\n%s", plain, with)
	}
}
