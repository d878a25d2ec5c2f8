package discover

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// bindMounts finds nsfs bind mounts (like those of `ip netns add`) in every
// mount namespace that has a process. Per process, it notes which mount
// namespace the process is in; once per scan, it reads each mount
// namespace's mountinfo once, through the task with the lowest PID in it,
// and opens each nsfs mount point below that task's root with
// RESOLVE_IN_ROOT, so the open happens in that mount namespace without
// entering it, and a symlink planted inside a container cannot redirect it
// to a host file.
type bindMounts struct {
	outcome
	// byWorker maps, per worker, each mount namespace seen to the task
	// with the lowest PID in it.
	byWorker []map[uint64]task
}

// task names a process (tid == pid) or one of its threads.
type task struct{ pid, tid int }

func newBindMounts(workers int) *bindMounts {
	b := &bindMounts{byWorker: make([]map[uint64]task, workers)}
	for w := range b.byWorker {
		b.byWorker[w] = map[uint64]task{}
	}
	return b
}

func (*bindMounts) about() about { return about{name: "bind-mounts", needsPtrace: true} }

func (b *bindMounts) scanProcess(p *process, _ *found) {
	tasks := []int{p.pid}
	if p.s.opts.Tasks {
		tasks = p.threads()
	}
	for _, tid := range tasks {
		ino, err := p.link(tid, nsfs.Mount)
		if err != nil || ino == 0 {
			continue
		}
		lowest(b.byWorker[p.worker], ino, task{pid: p.pid, tid: tid})
	}
}

// lowest keeps t for mount namespace ino if it has the lowest PID so far.
func lowest(m map[uint64]task, ino uint64, t task) {
	if old, ok := m[ino]; !ok || t.pid < old.pid {
		m[ino] = t
	}
}

func (b *bindMounts) scanHost(k *known, f *found) bool {
	if openat2Missing() {
		b.note = "without openat2 (Linux 5.6+): mount points resolved by entering each mount namespace (setns(2), CAP_SYS_ADMIN), else below /proc/PID/root"
	}
	mountNS := map[uint64]task{}
	for _, m := range b.byWorker {
		for ino, t := range m {
			lowest(mountNS, ino, t)
		}
	}
	type job struct {
		mountNS nsfs.ID
		dir     string
	}
	jobs := make([]job, 0, len(mountNS))
	for ino, t := range mountNS {
		jobs = append(jobs, job{k.id(ino), taskDir(t.pid, t.tid)})
	}
	// Hosts with many containers have hundreds of mount namespaces; their
	// mountinfo files are read in parallel, one found per worker.
	workers := min(k.workers, max(1, len(jobs)))
	finds := make([]*found, workers)
	for w := range finds {
		finds[w] = &found{}
	}
	read := make([]bool, len(jobs))
	inParallel(workers, len(jobs), 1, func(w, i int) {
		read[i] = readBindMounts(k, finds[w], jobs[i].mountNS, jobs[i].dir)
	})
	for _, wf := range finds {
		f.holders = append(f.holders, wf.holders...)
	}
	// A mount namespace whose task was gone before its mounts could be
	// read is left to processless-mount-namespaces, if something else
	// still holds it.
	for i, j := range jobs {
		if read[i] {
			k.mountsRead[j.mountNS] = true
		}
	}
	return false
}

// readBindMounts records the nsfs bind mounts of the mount namespace that
// the task at /proc/<dir> is in, and reports whether that task's mount
// table could be read.
func readBindMounts(k *known, f *found, mountNS nsfs.ID, dir string) bool {
	fd, err := unix.Openat(k.procFD, dir+"/mountinfo", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	file := os.NewFile(uintptr(fd), dir+"/mountinfo")
	paths, err := procfs.NSFSMounts(file)
	file.Close()
	complete := err == nil
	if len(paths) == 0 {
		return complete
	}
	resolve, prefix := uint64(unix.RESOLVE_IN_ROOT|unix.RESOLVE_NO_MAGICLINKS), ""
	if openat2Missing() {
		if readBindMountsInside(k, f, mountNS, dir) {
			return complete
		}
		// Not allowed to enter it: a plain openat below the task's root,
		// whose result is still vetted as nsfs (a planted symlink can at
		// worst misattribute a namespace file).
		resolve, prefix = 0, "."
	}
	root, err := unix.Openat(k.procFD, dir+"/root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(root)
	for _, path := range paths {
		nsFD, err := nsfs.OpenVetted(k.procFD, root, prefix+path, resolve)
		if err != nil {
			continue // unmounted meanwhile, over-mounted, or not a namespace
		}
		if t, err := nsfs.TypeOf(nsFD); err != nil || !k.wants(t) {
			unix.Close(nsFD)
			continue
		}
		f.holder(byFD(nsFD, 0, 0), model.Holder{Kind: model.HolderBindMount, Path: path, MountNS: mountNS})
	}
	return complete
}

// readBindMountsInside is readBindMounts for kernels without openat2
// (before Linux 5.6), which cannot resolve a path below /proc/PID/root
// safely: the mount points are resolved inside the mount namespace of the
// task at /proc/<dir> instead, from a throwaway thread that entered it. It
// reports whether it could enter (setns needs CAP_SYS_ADMIN over it).
func readBindMountsInside(k *known, f *found, mountNS nsfs.ID, dir string) bool {
	fd, err := nsfs.OpenAt(k.procFD, dir+"/ns/mnt")
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	mounts, err := mountsInNamespace(k.procFD, fd)
	if err != nil {
		return false
	}
	addBindMounts(k, f, mounts, mountNS)
	return true
}
