package discover

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// processSource finds namespaces through one process at a time. Sources run
// in the order chosen by chooseSources and share what they read via proc.
type processSource interface {
	scanProcess(p *proc)
	report() model.SourceReport
}

// hostSource runs once per scan, after every process was scanned.
type hostSource interface {
	scanHost(s *scanner, b *batch)
	report() model.SourceReport
}

// afterResolveSource runs once the namespaces found so far are resolved,
// and again while it reports finding more.
type afterResolveSource interface {
	scanAfterResolve(s *scanner, b *batch) (more bool)
	report() model.SourceReport
}

// ran is the report of a source that needs nothing beyond /proc.
func ran(name string) model.SourceReport { return model.SourceReport{Name: name, Ran: true} }

func (s *scanner) chooseSources() {
	o := &s.opts
	if o.Tasks {
		s.process = append(s.process, taskLinks{})
	} else {
		s.process = append(s.process, processLinks{})
		if o.Deep {
			s.process = append(s.process, threadLinks{})
		}
	}
	if o.Workloads {
		s.process = append(s.process, workloadFacts{})
	}
	if o.Deep {
		mounts := &bindMounts{}
		s.process = append(s.process, forChildren{}, newPidfdForChildren(), openFDs{}, newSockets(), mounts)
		s.host = append(s.host, mounts, &mountNamespaces{})
		s.afterResolve = append(s.afterResolve, &processlessMounts{}, newKernelNamespaceList(s.procFD))
	}
}

// processLinks reads /proc/PID/ns/*: the namespaces of each process.
type processLinks struct{}

func (processLinks) report() model.SourceReport { return ran("process-links") }

func (processLinks) scanProcess(p *proc) {
	if !p.openNSDir() {
		return
	}
	leaderGone := false
	for _, t := range p.s.types {
		_, ino, err := p.readLink(p.nsDir, t.String())
		if err != nil {
			// A zombie, or a process whose leader thread exited, keeps
			// only its user and PID links; its threads still have the rest.
			if errno(err) == unix.ENOENT && !t.Hierarchical() {
				leaderGone = true
				continue
			}
			p.fail(err)
			return
		}
		p.links[t.Rank()] = ino
		p.b.addMember(t, ino, p.pid, 0)
	}
	p.readTask(p.pid)
	if leaderGone && !p.s.opts.Deep {
		// Show what the threads can tell (threadLinks does it in deep scans).
		p.scanDifferingThreads()
	}
}

// threadLinks finds namespaces occupied only by non-leader threads: those
// whose /proc/PID/task/TID/ns links differ from the leader's.
type threadLinks struct{}

func (threadLinks) report() model.SourceReport { return ran("thread-links") }

func (threadLinks) scanProcess(p *proc) { p.scanDifferingThreads() }

func (p *proc) scanDifferingThreads() {
	if p.singleThreaded() && p.links != [8]uint64{} {
		return
	}
	tids := p.threads()
	for _, tid := range tids {
		if tid == p.pid {
			continue
		}
		dir, err := unix.Openat(p.s.procFD, p.dir+"/task/"+strconv.Itoa(tid)+"/ns", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		recorded := false
		for _, t := range p.s.types {
			if t.Hierarchical() {
				continue // threads share their process's user and PID namespace
			}
			_, ino, err := p.readLink(dir, t.String())
			if err != nil || ino == p.links[t.Rank()] {
				continue
			}
			p.b.addMember(t, ino, p.pid, tid)
			recorded = true
		}
		unix.Close(dir)
		if recorded {
			p.readTask(tid)
		}
	}
}

// taskLinks reads /proc/PID/task/TID/ns/* for every thread (--search-tasks).
type taskLinks struct{}

func (taskLinks) report() model.SourceReport { return ran("task-links") }

func (taskLinks) scanProcess(p *proc) {
	for _, tid := range p.threads() {
		path := p.dir + "/task/" + strconv.Itoa(tid) + "/ns"
		dir, err := unix.Openat(p.s.procFD, path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			if isDenial(err) {
				p.fail(err)
				return
			}
			continue // the thread exited
		}
		for _, t := range p.s.types {
			_, ino, err := p.readLink(dir, t.String())
			if err != nil {
				if isDenial(err) {
					unix.Close(dir)
					p.fail(err)
					return
				}
				continue
			}
			if tid == p.pid {
				p.links[t.Rank()] = ino
			}
			p.b.addMember(t, ino, p.pid, tid)
		}
		unix.Close(dir)
		p.readTask(tid)
	}
	if len(p.tids) == 0 {
		p.gone = true
	}
}

// forChildren reads pid_for_children and time_for_children: the namespaces
// a task's future children will join. They are holders when they differ
// from the task's own namespace (after unshare(CLONE_NEWPID|CLONE_NEWTIME)).
type forChildren struct{}

func (forChildren) report() model.SourceReport { return ran("for-children") }

func (forChildren) scanProcess(p *proc) {
	links := []struct {
		typ  nsfs.Type
		name string
		kind model.HolderKind
	}{
		{nsfs.PID, "pid_for_children", model.HolderPIDChildren},
		{nsfs.Time, "time_for_children", model.HolderTimeChildren},
	}
	tasks := []int{p.pid}
	if p.s.opts.Tasks {
		tasks = p.threads()
	}
	for _, tid := range tasks {
		// The process's own links are read through its open ns dirfd.
		dirFD, dir := p.nsDir, ""
		if tid != p.pid || dirFD < 0 {
			dirFD, dir = p.s.procFD, p.dir+"/task/"+strconv.Itoa(tid)+"/ns/"
		}
		for _, l := range links {
			if !p.s.wants(l.typ) {
				continue
			}
			_, ino, err := p.readLink(dirFD, dir+l.name)
			if err != nil {
				// No child namespace yet (or an old kernel): the pidfd
				// source may still see it, for the process itself.
				if errno(err) == unix.ENOENT && tid == p.pid {
					if l.typ == nsfs.PID {
						p.noPIDForChildren = true
					} else {
						p.noTimeForChildren = true
					}
				}
				continue
			}
			own, err := p.ownLink(tid, dirFD, dir, l.typ)
			if err != nil || own == ino {
				continue
			}
			p.b.addHolder(l.typ, ino, model.Holder{Kind: l.kind, PID: tid}, p.dir+"/task/"+strconv.Itoa(tid)+"/ns/"+l.name)
		}
	}
}

// ownLink returns the inode of a task's own namespace of type t.
func (p *proc) ownLink(tid int, dirFD int, dir string, t nsfs.Type) (uint64, error) {
	if tid == p.pid {
		if ino := p.links[t.Rank()]; ino != 0 {
			return ino, nil
		}
	}
	_, ino, err := p.readLink(dirFD, dir+t.String())
	return ino, err
}

// openFDs finds namespaces held open by a process's file descriptors. It
// only reads the fd links (readlink never opens the file); a namespace is
// opened later, vetted, and only if nothing else reached it first. The fd
// table is shared by a process's threads, so it is read once per process.
type openFDs struct{}

func (openFDs) report() model.SourceReport { return ran("fds") }

func (openFDs) scanProcess(p *proc) {
	for _, l := range p.fdLinks() {
		t, ino, ok := procfs.ParseNSLink(l.target)
		if !ok || !p.s.wants(t) {
			continue
		}
		p.b.addHolder(t, ino, model.Holder{Kind: model.HolderFD, PID: p.pid, FD: l.fd}, p.dir+"/fd/"+strconv.Itoa(l.fd))
	}
}

// bindMounts finds nsfs bind mounts (like those of `ip netns add`) in every
// mount namespace that has a process. Each mount namespace is read once,
// through one of its tasks: its mountinfo lists the mounts, and each nsfs
// mount point is opened below that task's root with RESOLVE_IN_ROOT, so the
// open happens in that mount namespace without entering it, and a symlink
// planted inside a container cannot redirect it to a host file.
type bindMounts struct{}

func (*bindMounts) report() model.SourceReport { return ran("bind-mounts") }

// task is a (process, thread) pair; tid 0 is the process itself.
type task struct{ pid, tid int }

func (*bindMounts) scanProcess(p *proc) {
	tasks := []int{p.pid}
	if p.s.opts.Tasks {
		tasks = p.threads()
	}
	for _, tid := range tasks {
		var ino uint64
		if tid == p.pid {
			ino = p.links[nsfs.Mount.Rank()]
		}
		if ino == 0 {
			dir := p.dir + "/ns/mnt"
			if tid != p.pid {
				dir = p.dir + "/task/" + strconv.Itoa(tid) + "/ns/mnt"
			}
			if _, i, err := p.readLink(p.s.procFD, dir); err == nil {
				ino = i
			}
		}
		if ino == 0 {
			continue
		}
		if p.b.mountNS == nil {
			p.b.mountNS = map[uint64]task{}
		}
		t := task{pid: p.pid}
		if tid != p.pid {
			t.tid = tid
		}
		if old, ok := p.b.mountNS[ino]; !ok || t.pid < old.pid {
			p.b.mountNS[ino] = t
		}
	}
}

func (*bindMounts) scanHost(s *scanner, b *batch) {
	mountNS := map[uint64]task{}
	for _, other := range s.reg.batches {
		for ino, t := range other.mountNS {
			if old, ok := mountNS[ino]; !ok || t.pid < old.pid {
				mountNS[ino] = t
			}
		}
	}
	type job struct {
		ino uint64
		dir string
	}
	jobs := make([]job, 0, len(mountNS))
	for ino, t := range mountNS {
		dir := strconv.Itoa(t.pid)
		if t.tid != 0 {
			dir += "/task/" + strconv.Itoa(t.tid)
		}
		jobs = append(jobs, job{ino, dir})
	}
	// Hosts with many containers have hundreds of mount namespaces; their
	// mountinfo files are read in parallel, one batch per worker.
	workers := s.workersFor(len(jobs))
	batches := make([]*batch, workers)
	for w := range batches {
		batches[w] = newBatch()
	}
	inParallel(workers, len(jobs), 1, func(w, i int) {
		s.scanMountNS(batches[w], s.id(jobs[i].ino), jobs[i].dir)
	})
	for _, wb := range batches {
		b.holdings = append(b.holdings, wb.holdings...)
	}
}

// scanMountNS records the nsfs bind mounts of the mount namespace that the
// task at /proc/<dir> is in.
func (s *scanner) scanMountNS(b *batch, mountNS nsfs.ID, dir string) {
	fd, err := unix.Openat(s.procFD, dir+"/mountinfo", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), dir+"/mountinfo")
	paths, _ := procfs.NSFSMounts(f)
	f.Close()
	if len(paths) == 0 {
		return
	}
	root, err := unix.Openat(s.procFD, dir+"/root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(root)
	for _, path := range paths {
		nsFD, err := nsfs.OpenVetted(root, path, unix.RESOLVE_IN_ROOT|unix.RESOLVE_NO_MAGICLINKS)
		if err != nil {
			continue // unmounted meanwhile, over-mounted, or not a namespace
		}
		if t, err := nsfs.TypeOf(nsFD); err != nil || !s.wants(t) {
			unix.Close(nsFD)
			continue
		}
		b.addHolderFD(nsFD, model.Holder{Kind: model.HolderBindMount, Path: path, MountNS: mountNS})
	}
}
