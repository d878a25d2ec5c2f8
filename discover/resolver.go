package discover

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// resolver turns sightings into model namespaces, opening and resolving
// each namespace exactly once, whichever sighting reached it first. It owns
// every fd a sighting hands it.
type resolver struct {
	procFD  int
	dev     uint64
	workers int
	m       *model.Model
	noNSID  atomic.Bool // NS_GET_ID is not supported here; stop asking
	mu      sync.Mutex  // guards m.Namespaces and mountNS while resolving
	// keepMountNS: keep an fd of each mount namespace resolved that no
	// process was seen in (in mountNS), so that it can be looked into.
	keepMountNS bool
	mountNS     map[nsfs.ID]int
}

func newResolver(procFD int, dev uint64, workers int, m *model.Model, keepMountNS bool) *resolver {
	return &resolver{procFD: procFD, dev: dev, workers: workers, m: m, keepMountNS: keepMountNS, mountNS: map[nsfs.ID]int{}}
}

func (r *resolver) id(ino uint64) nsfs.ID { return nsfs.ID{Dev: r.dev, Ino: ino} }

// close releases the mount namespace fds it kept.
func (r *resolver) close() {
	for _, fd := range r.mountNS {
		unix.Close(fd)
	}
	r.mountNS = nil
}

// take resolves every namespace sighted in finds, then attaches members,
// holders, tasks and skipped processes to the model. A namespace whose
// every sighting vanished before it could be opened is left out: nothing
// holds it any more, or what held it is gone.
func (r *resolver) take(finds []*found) {
	for _, f := range finds {
		for i := range f.holders {
			if h := &f.holders[i]; h.fd >= 0 {
				if id, ok := r.resolveFD(h.fd, 0, 0, true); ok {
					h.ino, h.typ = id.Ino, r.m.Namespaces[id].Type
				}
				unix.Close(h.fd)
				h.fd = -1
			}
		}
	}
	list := r.pending(finds)
	inParallel(min(r.workers, max(1, len(list))), len(list), 1, func(_, i int) { r.resolveOne(&list[i]) })
	if len(r.m.Tasks) == 0 {
		// One allocation for the tasks of the process scan, not a map
		// grown ten thousand times.
		n := 0
		for _, f := range finds {
			n += len(f.tasks)
		}
		if n > 0 {
			r.m.Tasks = make(map[int]*model.Task, n)
		}
	}
	for _, f := range finds {
		for _, ms := range f.members {
			ns := r.m.Namespaces[r.id(ms.ino)]
			if ns == nil {
				continue
			}
			if ms.tid == ms.pid {
				ns.PIDs = append(ns.PIDs, int(ms.pid))
			}
			if ms.viaTask {
				ns.Threads = append(ns.Threads, model.Thread{TID: int(ms.tid), PID: int(ms.pid)})
			}
		}
		for _, h := range f.holders {
			if ns := r.m.Namespaces[r.id(h.ino)]; ns != nil && h.ino != 0 {
				ns.Holders = append(ns.Holders, h.holder)
			}
		}
		for _, t := range f.tasks {
			r.m.Tasks[t.ID] = t
		}
		r.m.Skipped = append(r.m.Skipped, f.skipped...)
	}
}

func (r *resolver) known(ino uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.m.Namespaces[r.id(ino)]
	return ok
}

// maxCandidates bounds how many sightings of one namespace are tried: each
// later one only matters if every earlier one vanished.
const maxCandidates = 4

// pendingNS is a namespace to resolve and the paths that may open it.
type pendingNS struct {
	ino   uint64
	typ   nsfs.Type
	paths []sighting
	// hasProcess: a process (a thread group leader) is in it, so it gets
	// PIDs in this take, and a mount namespace needs no fd kept (see
	// resolveFD). A thread alone does not count: it may be another tool's
	// that entered the namespace for a moment and is gone before the
	// namespace's mounts are read.
	hasProcess bool
}

// pending lists, for each namespace sighted but not yet resolved, the
// paths below /proc that may open it, in sighting order.
func (r *resolver) pending(finds []*found) []pendingNS {
	index := map[uint64]int{}
	var list []pendingNS
	add := func(s sighting) {
		i, ok := index[s.ino]
		if !ok {
			if r.known(s.ino) {
				index[s.ino] = -1
				return
			}
			i = len(list)
			index[s.ino] = i
			list = append(list, pendingNS{ino: s.ino, typ: s.typ})
		}
		if i >= 0 && len(list[i].paths) < maxCandidates {
			list[i].paths = append(list[i].paths, s)
		}
	}
	for _, f := range finds {
		for _, ms := range f.members {
			// The common case is a namespace already taken care of.
			i, seen := index[ms.ino]
			if !seen || (i >= 0 && len(list[i].paths) < maxCandidates) {
				path := taskDir(int(ms.pid), int(ms.tid)) + "/ns/" + ms.typ.String()
				add(sighting{ino: ms.ino, typ: ms.typ, path: path, fd: -1})
				i = index[ms.ino]
			}
			if i >= 0 && ms.tid == ms.pid {
				list[i].hasProcess = true
			}
		}
		for _, h := range f.holders {
			if h.path != "" {
				add(h.sighting)
			}
		}
	}
	return list
}

func (r *resolver) resolveOne(p *pendingNS) {
	for _, c := range p.paths {
		var fd int
		var err error
		if c.vetted {
			fd, err = nsfs.OpenVetted(r.procFD, r.procFD, c.path, 0)
		} else {
			fd, err = nsfs.OpenAt(r.procFD, c.path)
		}
		if err != nil {
			continue
		}
		_, ok := r.resolveFD(fd, p.ino, p.typ, !p.hasProcess)
		unix.Close(fd)
		if ok {
			return
		}
	}
}

// resolveFD adds the namespace fd refers to, and its ancestors, to the
// model. wantIno, when non-zero, is the inode the sighting saw: if the file
// now is another namespace (the process moved, or its PID was reused), the
// sighting is stale and ignored. wantType, when non-zero, saves an ioctl.
// keepMount: a mount namespace may have no process in it, so an fd of it is
// kept (with [Options.Deep]) for the sources that look into such
// namespaces. Keeping one for every mount namespace would grow the fd
// table many times, and each growth of a table that threads share waits
// for an RCU grace period: milliseconds each.
// Several goroutines may resolve at once: the model's map is only touched
// under r.mu, and each namespace's fields only by the goroutine that
// claimed it.
func (r *resolver) resolveFD(fd int, wantIno uint64, wantType nsfs.Type, keepMount bool) (nsfs.ID, bool) {
	id, err := nsfs.IDOf(fd)
	if err != nil || (wantIno != 0 && id.Ino != wantIno) {
		return nsfs.ID{}, false
	}
	typ := wantType
	if typ == 0 {
		if typ, err = nsfs.TypeOf(fd); err != nil {
			return nsfs.ID{}, false
		}
	}
	ns := &model.Namespace{ID: id, Type: typ, CreatorUID: -1}
	// Claimed before the ancestors are walked, so nobody resolves it twice
	// (and a cycle, which the kernel cannot produce, could not recurse).
	r.mu.Lock()
	if _, ok := r.m.Namespaces[id]; ok {
		r.mu.Unlock()
		return id, true
	}
	r.m.Namespaces[id] = ns
	r.mu.Unlock()
	if !r.noNSID.Load() {
		if nsid, err := nsfs.NamespaceID(fd); err == nil {
			ns.NSID = nsid
		} else if e := errno(err); e == unix.ENOTTY || e == unix.EINVAL {
			r.noNSID.Store(true)
		}
	}
	if typ == nsfs.Mount && r.keepMountNS && keepMount {
		if dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0); err == nil {
			r.mu.Lock()
			r.mountNS[id] = dup
			r.mu.Unlock()
		}
	}
	if typ == nsfs.User {
		if uid, err := nsfs.CreatorUID(fd); err == nil {
			ns.CreatorUID = int64(uid)
		}
	}
	if typ.Hierarchical() {
		// EPERM: topmost visible namespace; Parent stays zero.
		if pfd, err := nsfs.ParentFD(fd); err == nil {
			ns.Parent = r.ancestor(pfd)
		}
	}
	if typ != nsfs.User {
		// EPERM: the owner is outside our view; Owner stays zero.
		if ofd, err := nsfs.OwnerFD(fd); err == nil {
			ns.Owner = r.ancestor(ofd)
		}
	}
	return id, true
}

// ancestor resolves (and closes) an fd returned by NS_GET_PARENT or
// NS_GET_USERNS.
func (r *resolver) ancestor(fd int) nsfs.ID {
	defer unix.Close(fd)
	id, _ := r.resolveFD(fd, 0, 0, true)
	return id
}
