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

// processlessMounts scans the mounts of mount namespaces that no readable
// process is in (held by an fd or a bind mount, or found in the kernel's
// list), unless bind-mounts read them through a thread that is in one.
// Such a thread may be another tool's that entered the namespace for a
// moment, gone before its mounts could be read. There is no
// /proc/PID/root to resolve paths through, so the work runs on a locked OS
// thread that enters the namespace and is then thrown away: no other
// thread of the process ever changes namespace.
type processlessMounts struct {
	outcome
	done map[nsfs.ID]bool
}

func (*processlessMounts) about() about {
	return about{name: "processless-mount-namespaces", needs: "setns(2) into the mount namespace (CAP_SYS_ADMIN)"}
}

// scanHost visits each not yet visited mount namespace that no process is
// in and whose mounts no task showed, and asks to run again if it visited
// any: the bind mounts it found may be further such namespaces.
func (m *processlessMounts) scanHost(k *known, f *found) bool {
	if m.done == nil {
		m.done = map[nsfs.ID]bool{}
	}
	visited := false
	for id, fd := range k.mountNS {
		ns := k.m.Namespaces[id]
		if m.done[id] || ns == nil || len(ns.PIDs) > 0 || k.mountsRead[id] {
			continue
		}
		m.done[id] = true
		visited = true
		mounts, err := mountsInNamespace(k.procFD, fd)
		if err != nil {
			if m.unavailable == nil && isDenial(err) {
				m.unavailable = err
			}
			continue
		}
		addBindMounts(k, f, mounts, id)
	}
	return visited
}

// addBindMounts records the namespaces that the nsfs mounts found inside
// mount namespace mountNS hold, and closes the mounts' O_PATH fds.
func addBindMounts(k *known, f *found, mounts []nsfsMount, mountNS nsfs.ID) {
	for _, mnt := range mounts {
		nsFD, err := nsfs.ReopenVetted(k.procFD, mnt.pathFD)
		unix.Close(mnt.pathFD)
		if err != nil {
			continue
		}
		if t, err := nsfs.TypeOf(nsFD); err != nil || !k.wants(t) {
			unix.Close(nsFD)
			continue
		}
		f.holder(byFD(nsFD, 0, 0), model.Holder{Kind: model.HolderBindMount, Path: mnt.path, MountNS: mountNS})
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
func mountsInNamespace(procFD, mntFD int) (mounts []nsfsMount, err error) {
	onThrowawayThread(func() { mounts, err = mountsHere(procFD, mntFD) })
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
func mountsHere(procFD, mntFD int) ([]nsfsMount, error) {
	// The thread's own /proc entry, opened before leaving our mount
	// namespace: the other namespace may have no /proc at all.
	taskDir, err := unix.Openat(procFD, "thread-self", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
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
