package discover

import (
	"bytes"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// mountNamespaces asks the kernel for its list of every mount namespace
// (NS_MNT_GET_PREV/NEXT, Linux 6.12+), so that mount namespaces with no
// process in them, or whose processes could not be read, are found too.
type mountNamespaces struct {
	unavailable error
}

func (m *mountNamespaces) report() model.SourceReport {
	if errno(m.unavailable) == unix.EPERM && hasCapability(unix.CAP_SYS_ADMIN) {
		// Measured on 6.18 and 7.2: a caller in a child PID namespace
		// gets EPERM even with CAP_SYS_ADMIN.
		return sourceReport("mount-namespace-list", m.unavailable, "a caller in the initial PID namespace (it has CAP_SYS_ADMIN)")
	}
	return sourceReport("mount-namespace-list", m.unavailable, "NS_MNT_GET_NEXT (Linux 6.12+) and CAP_SYS_ADMIN")
}

func (m *mountNamespaces) scanHost(s *scanner, b *batch) {
	if !s.wants(nsfs.Mount) {
		return
	}
	self, err := nsfs.OpenAt(s.procFD, "self/ns/mnt")
	if err != nil {
		m.unavailable = err
		return
	}
	defer unix.Close(self)
	for _, next := range []bool{false, true} {
		cur, err := unix.Dup(self)
		if err != nil {
			return
		}
		for {
			fd, _, err := nsfs.MountNSNeighbour(cur, next)
			unix.Close(cur)
			if err != nil {
				if e := errno(err); e != unix.ENOENT && m.unavailable == nil {
					m.unavailable = err
				}
				break
			}
			// The walk goes on from fd, so the holder gets its own copy.
			if dup, err := unix.Dup(fd); err == nil {
				b.addKernelListed(dup)
			}
			cur = fd
		}
	}
}

// processlessMounts scans the mounts of mount namespaces that no readable
// task is in (held by an fd or a bind mount, or found in the kernel's
// list). There is no /proc/PID/root to resolve paths through, so the work
// runs on a locked OS thread that enters the namespace and is then thrown
// away: no other thread of the process ever changes namespace.
type processlessMounts struct {
	done    map[nsfs.ID]bool
	failure error
}

func (m *processlessMounts) report() model.SourceReport {
	return sourceReport("processless-mount-namespaces", m.failure, "setns(2) into the mount namespace (CAP_SYS_ADMIN)")
}

// scanAfterResolve visits each not yet visited member-less mount namespace
// the registry holds an fd for, and reports whether it found any.
func (m *processlessMounts) scanAfterResolve(s *scanner, b *batch) bool {
	if m.done == nil {
		m.done = map[nsfs.ID]bool{}
	}
	found := false
	for id, fd := range s.reg.mountFDs {
		ns := s.m.Namespaces[id]
		if m.done[id] || ns == nil || len(ns.PIDs) > 0 || len(ns.Threads) > 0 {
			continue
		}
		m.done[id] = true
		found = true
		mounts, err := mountsInNamespace(fd)
		if err != nil {
			if m.failure == nil && isDenial(err) {
				m.failure = err
			}
			continue
		}
		s.addBindMounts(b, mounts, id)
	}
	return found
}

// addBindMounts records the namespaces that nsfs mounts found inside the
// mount namespace mountNS hold, and closes the mounts' O_PATH fds.
func (s *scanner) addBindMounts(b *batch, mounts []nsfsMount, mountNS nsfs.ID) {
	for _, mnt := range mounts {
		nsFD, err := nsfs.ReopenVetted(mnt.pathFD)
		unix.Close(mnt.pathFD)
		if err != nil {
			continue
		}
		if t, err := nsfs.TypeOf(nsFD); err != nil || !s.wants(t) {
			unix.Close(nsFD)
			continue
		}
		b.addHolderFD(nsFD, model.Holder{Kind: model.HolderBindMount, Path: mnt.path, MountNS: mountNS})
	}
}

// scanMountNSInside is scanMountNS for kernels without openat2 (before
// Linux 5.6), which cannot resolve a path below /proc/PID/root safely: the
// mount points are resolved inside the mount namespace of the task at
// /proc/<dir> instead, from a throwaway thread that entered it.
func (s *scanner) scanMountNSInside(b *batch, mountNS nsfs.ID, dir string) {
	fd, err := nsfs.OpenAt(s.procFD, dir+"/ns/mnt")
	if err != nil {
		return
	}
	defer unix.Close(fd)
	if mounts, err := mountsInNamespace(fd); err == nil {
		s.addBindMounts(b, mounts, mountNS)
	}
}

// openat2Missing reports whether the kernel lacks openat2(2) (Linux 5.6+):
// a call with a bad fd gets EBADF where it exists, ENOSYS where it does not.
var openat2Missing = sync.OnceValue(func() bool {
	_, err := unix.Openat2(-1, "", &unix.OpenHow{Flags: unix.O_PATH})
	return err == unix.ENOSYS
})

// openBelowRoot opens path for O_PATH below root without leaving it. Before
// Linux 5.6 (no openat2) it falls back to a plain openat that does not
// follow a final symlink: the caller runs in the mount namespace, so "/"
// is that namespace's root, and whatever it opens is vetted as nsfs before
// use; a symlink planted in an earlier component can at worst make it
// misattribute a namespace file, never open anything else for real.
func openBelowRoot(root int, path string) (int, error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	fd, err := unix.Openat2(root, path, &how)
	if err == unix.ENOSYS {
		fd, err = unix.Openat(root, path, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	}
	return fd, err
}

// nsfsMount is an nsfs mount found inside another mount namespace: its
// path there and an O_PATH fd for it (already checked to be on nsfs).
type nsfsMount struct {
	path   string
	pathFD int
}

// mountsInNamespace lists the nsfs mounts of the mount namespace mntFD
// refers to. It runs on an OS thread that enters that namespace and dies
// afterwards (see onThrowawayThread).
func mountsInNamespace(mntFD int) (mounts []nsfsMount, err error) {
	onThrowawayThread(func() { mounts, err = mountsHere(mntFD) })
	return mounts, err
}

// onThrowawayThread runs f on an OS thread that no other goroutine ever
// runs on afterwards: the goroutine exits while still locked to it, and the
// runtime then ends the thread. The runtime cannot end the main thread,
// though: a goroutine exiting locked to it leaves it parked for good, with
// whatever namespace f moved it into (so /proc/self/ns/mnt, root and
// mountinfo would show that namespace, and the process would pin it). A new
// goroutine often starts on the very thread that spawned it, and Scan is
// usually called from the main goroutine, so this is the common case: on
// the main thread, keep it locked (so that no goroutine can start on it),
// run f from another goroutine, then give the main thread back unchanged.
func onThrowawayThread(f func()) {
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			onThrowawayThread(f)
			runtime.UnlockOSThread()
			close(done)
			return
		}
		f()
		close(done) // and exit locked: the thread is discarded
	}()
	<-done
}

// mountsHere runs on the throwaway thread.
func mountsHere(mntFD int) ([]nsfsMount, error) {
	// The thread's own /proc entry, opened before leaving our mount
	// namespace: the other namespace may have no /proc at all.
	taskDir, err := unix.Open("/proc/thread-self", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(taskDir)
	// setns into a mount namespace needs a private fs_struct.
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return nil, err
	}
	if err := unix.Setns(mntFD, unix.CLONE_NEWNS); err != nil {
		return nil, err
	}
	data, err := readFile(taskDir, "mountinfo")
	if err != nil {
		return nil, err
	}
	paths, _ := procfs.NSFSMounts(bytes.NewReader(data))
	if len(paths) == 0 {
		return nil, nil
	}
	root, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(root)
	var out []nsfsMount
	for _, path := range paths {
		fd, err := openBelowRoot(root, path)
		if err != nil {
			continue
		}
		if ok, _ := nsfs.IsNSFS(fd); !ok {
			unix.Close(fd)
			continue
		}
		out = append(out, nsfsMount{path: path, pathFD: fd})
	}
	return out, nil
}
