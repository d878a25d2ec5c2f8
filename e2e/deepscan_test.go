package e2e

// Namespaces that no process's /proc/PID/ns link names: occupied only by
// non-leader threads (--search-tasks), or kept alive only by an fd, a bind
// mount, or a *_for_children link (--deep-scan). Each test creates the
// state, asserts where the namespace sits in the tree, its members and its
// exact "held by" lines, and that the plain scan does not show it.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// TestDeepSearchTasksThreadOnly: acceptance point 5.
func TestDeepSearchTasksThreadOnly(t *testing.T) {
	nstest.RequireRoot(t)
	hostUser := selfNS(t, "user")

	t.Run("uts, main thread exited", func(t *testing.T) {
		p := nstest.StartHelper(t, nil, "thread", "uts", "exit-main")
		pid, tid := p.ReadyInt(t, 0), p.ReadyInt(t, 1)
		if pid == tid {
			t.Fatalf("helper reports TID %d equal to its PID", tid)
		}
		ino := nstest.Inode(t, fmt.Sprintf("%d/task/%d/ns/uts", pid, tid))
		hostUTS := selfNS(t, "uts")
		if ino == hostUTS {
			t.Fatal("the thread did not get a new UTS namespace")
		}

		dt := runTree(t, "--search-tasks", "--holders")
		n := dt.under(t, "uts", ino, "user", hostUser)
		n.members(t, tid)
		n.held(t, fmt.Sprintf("thread %d of PID %d", tid, pid))
		// The exited leader is in no UTS namespace; the thread left the
		// host's.
		host := dt.under(t, "uts", hostUTS, "user", hostUser)
		if host.hasMember(tid) || host.hasMember(pid) {
			t.Fatalf("host UTS namespace lists TID %d or leader %d: %v", tid, pid, host.Members)
		}
		// The process is still a member of its user and PID namespaces,
		// through the thread.
		if u := dt.get(t, "user", hostUser); !u.hasMember(tid) {
			t.Fatalf("host user namespace does not list TID %d: %v", tid, u.Members)
		}
	})

	t.Run("net, main thread alive", func(t *testing.T) {
		p := nstest.StartHelper(t, nil, "thread", "net")
		pid, tid := p.ReadyInt(t, 0), p.ReadyInt(t, 1)
		ino := nstest.Inode(t, fmt.Sprintf("%d/task/%d/ns/net", pid, tid))
		hostNet := selfNS(t, "net")
		if ino == hostNet || nstest.NS(t, pid, "net") != hostNet {
			t.Fatal("want the thread alone in a new net namespace, the leader in the host's")
		}

		dt := runTree(t, "--search-tasks", "--holders")
		n := dt.under(t, "net", ino, "user", hostUser)
		n.members(t, tid)
		n.held(t, fmt.Sprintf("thread %d of PID %d", tid, pid))
		host := dt.under(t, "net", hostNet, "user", hostUser)
		if !host.hasMember(pid) || host.hasMember(tid) {
			t.Fatalf("host net namespace: want leader %d and not TID %d among %v", pid, tid, host.Members)
		}

		// The seed's plain scan reads only /proc/PID/ns: no trace of it.
		runTree(t, "--holders").absent(t, "net", ino)
	})
}

// TestDeepScanFDHolders: acceptance point 6, namespaces held only by an
// open fd of another process.
func TestDeepScanFDHolders(t *testing.T) {
	nstest.RequireRoot(t)
	hostUser, hostPID := selfNS(t, "user"), selfNS(t, "pid")
	for _, typ := range []string{"net", "user", "pid"} {
		t.Run(typ, func(t *testing.T) {
			p := nstest.StartHelper(t, nil, "fd", typ)
			fd, ino := p.ReadyInt(t, 0), uint64(p.ReadyInt(t, 1))
			if ino == selfNS(t, typ) {
				t.Fatalf("helper holds the host's %s namespace", typ)
			}
			held := fmt.Sprintf("fd %d of PID %d (nshelper)", fd, p.PID)

			dt := runTree(t, "--deep-scan", "--holders")
			n := dt.under(t, typ, ino, "user", hostUser)
			n.members(t)
			n.held(t, held)
			if typ == "user" && n.UID != 0 {
				t.Fatalf("%v: creator UID %d, want 0", n, n.UID)
			}
			runTree(t, "--holders").absent(t, typ, ino)

			if typ == "pid" {
				dt := runTree(t, "--pidns", "--deep-scan", "--holders")
				n := dt.under(t, "pid", ino, "pid", hostPID)
				n.members(t)
				n.held(t, held)
				runTree(t, "--pidns", "--holders").absent(t, "pid", ino)
			}
		})
	}
}

// TestDeepScanBindMounts: acceptance point 6, namespaces held only by an
// nsfs bind mount, in the tool's mount namespace or in another process's.
func TestDeepScanBindMounts(t *testing.T) {
	nstest.RequireRoot(t)
	hostUser, hostMnt := selfNS(t, "user"), selfNS(t, "mnt")

	// hostMount bind-mounts a new namespace of type typ (made in a process
	// started with flags) at path in the test's (and tool's) mount
	// namespace and kills the process, so that only the mount holds it.
	hostMount := func(t *testing.T, attr *syscall.SysProcAttr, typ, path string) (p *nstest.Proc, ino uint64) {
		p = nstest.StartHelper(t, attr, "sleep")
		ino = nstest.NS(t, p.PID, typ)
		if ino == selfNS(t, typ) {
			t.Fatalf("helper is in the host's %s namespace", typ)
		}
		nstest.BindMount(t, fmt.Sprintf("/proc/%d/ns/%s", p.PID, typ), path)
		p.Kill()
		return p, ino
	}

	for _, name := range []string{"netns", "net ns with spaces"} {
		t.Run("host mount "+name, func(t *testing.T) {
			path := filepath.Join(nstest.TempDir(t), name)
			_, ino := hostMount(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}, "net", path)

			dt := runTree(t, "--deep-scan", "--holders")
			n := dt.under(t, "net", ino, "user", hostUser)
			n.members(t)
			n.heldByHostMount(t, path, hostMnt)
			runTree(t, "--holders").absent(t, "net", ino)
		})
	}

	t.Run("net namespace of a new user namespace", func(t *testing.T) {
		path := filepath.Join(nstest.TempDir(t), "netns")
		attr := nstest.NewUserNS(syscall.CLONE_NEWNET)
		p := nstest.StartHelper(t, attr, "sleep")
		userIno, netIno := nstest.NS(t, p.PID, "user"), nstest.NS(t, p.PID, "net")
		nstest.BindMount(t, fmt.Sprintf("/proc/%d/ns/net", p.PID), path)
		p.Kill()

		dt := runTree(t, "--deep-scan", "--holders")
		user := dt.under(t, "user", userIno, "user", hostUser)
		user.members(t)
		if user.UID != 0 {
			t.Fatalf("%v: creator UID %d, want 0", user, user.UID)
		}
		// Nothing but the net namespace it owns keeps it.
		user.held(t, fmt.Sprintf("ancestor of net {%d %d}", nsfsDev(t), netIno))
		net := dt.under(t, "net", netIno, "user", userIno)
		net.members(t)
		net.heldByHostMount(t, path, hostMnt)
		if len(user.Children) != 1 {
			t.Fatalf("%v: children %v, want just %v", user, user.Children, net)
		}

		plain := runTree(t, "--holders")
		plain.absent(t, "net", netIno)
		plain.absent(t, "user", userIno)
	})

	// The bind mount exists only in a private mount namespace of another
	// process; the namespace's original holder is killed afterwards.
	privateMount := func(t *testing.T, container bool) {
		dir := nstest.TempDir(t)
		target := filepath.Join(dir, "uts")
		if err := os.WriteFile(target, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		src := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS}, "sleep")
		ino := nstest.NS(t, src.PID, "uts")
		script := fmt.Sprintf("mount --bind /proc/%d/ns/uts %s && ", src.PID, shQuote(target))
		args := []string{"-m", "--propagation", "private"}
		if container {
			// Its own PID namespace and its own /proc, mounted after the
			// bind mount (which needs the host's /proc).
			args = []string{"-mpf", "--kill-child", "--propagation", "private"}
			script += "mount -t proc proc /proc && "
		}
		script += "exec " + shQuote(nstest.Helper(t)) + " sleep"
		p := nstest.Start(t, nil, "unshare", append(args, "sh", "-c", script)...)
		if container && p.ReadyInt(t, 0) != 1 {
			t.Fatalf("container helper is PID %d in its namespace, want 1", p.ReadyInt(t, 0))
		}
		mnt := nstest.NS(t, p.PID, "mnt")
		if mnt == hostMnt {
			t.Fatal("unshare did not make a new mount namespace")
		}
		if got := inodeOf(t, target); got == ino {
			t.Fatal("the bind mount leaked into the host mount namespace")
		}
		src.Kill()

		dt := runTree(t, "--deep-scan", "--holders")
		n := dt.under(t, "uts", ino, "user", hostUser)
		n.members(t)
		n.held(t, fmt.Sprintf("bind mount %s (mount ns %d)", target, mnt))
		runTree(t, "--holders").absent(t, "uts", ino)
	}
	t.Run("private mount namespace", func(t *testing.T) { privateMount(t, false) })
	t.Run("container mount namespace", func(t *testing.T) { privateMount(t, true) })
}

// TestDeepScanForChildren: acceptance point 6, PID and time namespaces held
// only by pid_for_children and time_for_children.
func TestDeepScanForChildren(t *testing.T) {
	nstest.RequireRoot(t)
	hostUser, hostPID := selfNS(t, "user"), selfNS(t, "pid")

	t.Run("pid_for_children", func(t *testing.T) {
		p := nstest.StartHelper(t, nil, "pid-for-children")
		ino := nstest.Inode(t, strconv.Itoa(p.PID)+"/ns/pid_for_children")
		if ino == hostPID || nstest.NS(t, p.PID, "pid") != hostPID {
			t.Fatal("want the helper in the host PID namespace, its children's in a new one")
		}
		held := fmt.Sprintf("pid_for_children of PID %d (nshelper)", p.PID)

		dt := runTree(t, "--pidns", "--deep-scan", "--holders")
		n := dt.under(t, "pid", ino, "pid", hostPID)
		n.members(t)
		n.held(t, held)
		dt = runTree(t, "--deep-scan", "--holders")
		n = dt.under(t, "pid", ino, "user", hostUser)
		n.members(t)
		n.held(t, held)

		runTree(t, "--pidns", "--holders").absent(t, "pid", ino)
		runTree(t, "--holders").absent(t, "pid", ino)
	})

	t.Run("time_for_children", func(t *testing.T) {
		p := nstest.StartHelper(t, nil, "time-for-children")
		ino := nstest.Inode(t, strconv.Itoa(p.PID)+"/ns/time_for_children")
		if ino == selfNS(t, "time") {
			t.Fatal("time_for_children is the host's time namespace")
		}
		dt := runTree(t, "--deep-scan", "--holders")
		n := dt.under(t, "time", ino, "user", hostUser)
		n.members(t)
		n.held(t, fmt.Sprintf("time_for_children of PID %d (nshelper)", p.PID))
		runTree(t, "--holders").absent(t, "time", ino)
	})
}

// TestDeepScanNeverOpensFIFOs: acceptance point 8. FIFOs bind-mounted at
// paths containing "nsfs", in a private mount namespace and in the tool's
// own, must neither block the deep scan nor be opened by it, nor be listed.
// An inotify watch on each FIFO sees any real open (O_PATH, which runs no
// open code, raises no event).
func TestDeepScanNeverOpensFIFOs(t *testing.T) {
	nstest.RequireRoot(t)
	dir := filepath.Join(nstest.TempDir(t), "nsfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := func(name string) string { return filepath.Join(dir, name) }
	fifos := []string{path("nsfs-fifo"), path("nsfs-host-fifo"), path("x - nsfs nsfs rw")}
	for _, f := range fifos {
		if err := unix.Mkfifo(f, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// In the tool's mount namespace, two of them: one with a name that a
	// naive mountinfo parser takes for an nsfs entry.
	nstest.BindMount(t, fifos[1], path("nsfs-host-target"))
	nstest.BindMount(t, fifos[2], path("y - nsfs nsfs rw"))
	// In a private mount namespace.
	if err := os.WriteFile(path("nsfs-target"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("mount --bind %s %s && exec %s sleep",
		shQuote(fifos[0]), shQuote(path("nsfs-target")), shQuote(nstest.Helper(t)))
	nstest.Start(t, nil, "unshare", "-m", "--propagation", "private", "sh", "-c", script)
	// A real nsfs mount beside them: the scan must still find it.
	src := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS}, "sleep")
	utsIno := nstest.NS(t, src.PID, "uts")
	real := path("nsfs-real")
	nstest.BindMount(t, fmt.Sprintf("/proc/%d/ns/uts", src.PID), real)
	src.Kill()

	w := newWatch(t)
	for _, f := range fifos {
		w.add(t, f, filepath.Base(f), unix.IN_OPEN|unix.IN_ACCESS|unix.IN_MODIFY|unix.IN_CLOSE)
	}

	dt := runTreeWithin(t, 20*time.Second, "--deep-scan", "--holders")
	if ev := w.events(t); len(ev) != 0 {
		t.Fatalf("the deep scan opened a FIFO (%d inotify events: %v)", len(ev), ev)
	}
	for _, n := range dt.Nodes {
		for _, h := range n.Holders {
			if strings.Contains(h, dir+"/") && !strings.Contains(h, real) {
				t.Fatalf("%v is listed as held by a FIFO mount: %q", n, h)
			}
		}
	}
	n := dt.under(t, "uts", utsIno, "user", selfNS(t, "user"))
	n.heldByHostMount(t, real, selfNS(t, "mnt"))

	// The watch does see an open: check the check.
	fd, err := unix.Open(fifos[0], unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	if len(w.events(t)) == 0 {
		t.Fatal("inotify reported no event for an open of the FIFO: the check above proves nothing")
	}
}
