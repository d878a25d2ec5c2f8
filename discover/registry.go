package discover

import (
	"github.com/namespaces-of/namespaces_of/workload"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// batch is what one worker (or one host source) found. Sightings carry only
// inode numbers read from links; namespaces are opened later, once each.
type batch struct {
	members  []membership
	holdings []holding
	tasks    []*model.Task
	skipped  []model.Skip
	// mountNS maps each mount namespace seen to the task with the lowest
	// PID in it, through which its mounts are read.
	mountNS map[uint64]task
	// open marks the namespaces this batch already holds an fd for.
	open map[uint64]bool
	// workloads are the per-process facts of Options.Workloads.
	workloads []workload.Process
}

// addKernelListed records a namespace known from a kernel list (fd already
// open). It becomes a holder only if nothing else found the namespace.
func (b *batch) addKernelListed(fd int) {
	b.holdings = append(b.holdings, holding{holder: model.Holder{Kind: model.HolderKernelList}, fd: fd, ifNew: true})
}

func newBatch() *batch { return &batch{} }

// membership: task tid of process pid is in namespace ino (tid 0: the
// process's own /proc/PID/ns link).
type membership struct {
	ino      uint64
	typ      nsfs.Type
	pid, tid int32
}

// holding: something other than a member task keeps namespace ino alive.
// The namespace can be opened again through path (below /proc, vetted) or
// is already open as fd (ownership passes to the registry).
type holding struct {
	ino    uint64
	typ    nsfs.Type
	holder model.Holder
	path   string
	fd     int
	// ifNew: only a holder if no other sighting found the namespace.
	ifNew bool
}

func (b *batch) addMember(typ nsfs.Type, ino uint64, pid, tid int) {
	b.members = append(b.members, membership{ino: ino, typ: typ, pid: int32(pid), tid: int32(tid)})
}

func (b *batch) addHolder(typ nsfs.Type, ino uint64, h model.Holder, path string) {
	b.holdings = append(b.holdings, holding{ino: ino, typ: typ, holder: h, path: path, fd: -1})
}

// addHolderFD records a holder of a namespace the source already opened.
func (b *batch) addHolderFD(fd int, h model.Holder) {
	b.holdings = append(b.holdings, holding{holder: h, fd: fd})
}

// addHolderOpen records a holder of namespace ino that the source opened as
// fd. One open fd per namespace is enough to resolve it, so further fds for
// the same namespace are closed at once.
func (b *batch) addHolderOpen(fd int, ino uint64, typ nsfs.Type, h model.Holder) {
	if b.open == nil {
		b.open = map[uint64]bool{}
	}
	if b.open[ino] {
		unix.Close(fd)
		fd = -1
	}
	b.open[ino] = true
	b.holdings = append(b.holdings, holding{ino: ino, typ: typ, holder: h, fd: fd})
}

// registry turns sightings into model namespaces, opening and resolving each
// namespace exactly once, whichever sighting reached it first.
type registry struct {
	s       *scanner
	m       *model.Model
	batches []*batch
	noNSID  atomic.Bool // NS_GET_ID is not supported here; stop asking
	mu      sync.Mutex  // guards m.Namespaces and mountFDs while resolving
	// mountFDs keeps an fd for each mount namespace resolved during a deep
	// scan, so that member-less ones can be looked into afterwards.
	mountFDs map[nsfs.ID]int
}

func newRegistry(s *scanner) *registry { return &registry{s: s, m: s.m} }

func (r *registry) add(b *batch) { r.batches = append(r.batches, b) }

// finish resolves every namespace sighted, then attaches members and
// holders. A namespace whose every sighting vanished before it could be
// opened is left out: nothing holds it any more, or what held it is gone.
func (r *registry) finish() {
	for _, b := range r.batches {
		for i := range b.holdings {
			if h := &b.holdings[i]; h.fd >= 0 && !h.ifNew {
				r.resolveHolding(h)
			}
		}
	}
	r.resolvePending(r.pending())
	// Kernel-listed namespaces count as found by the list only when every
	// other sighting missed them.
	listedOnly := map[uint64]bool{}
	for _, b := range r.batches {
		for i := range b.holdings {
			if h := &b.holdings[i]; h.fd >= 0 && h.ifNew {
				id, err := nsfs.IDOf(h.fd)
				if err == nil && !r.known(id.Ino) {
					listedOnly[id.Ino] = true
				}
				r.resolveHolding(h)
			}
		}
	}
	for _, b := range r.batches {
		for _, ms := range b.members {
			ns := r.m.Namespaces[r.s.id(ms.ino)]
			if ns == nil {
				continue
			}
			switch {
			case ms.tid == 0:
				ns.PIDs = append(ns.PIDs, int(ms.pid))
			default:
				ns.Threads = append(ns.Threads, model.Thread{TID: int(ms.tid), PID: int(ms.pid)})
				if ms.tid == ms.pid {
					ns.PIDs = append(ns.PIDs, int(ms.pid))
				}
			}
		}
		for _, h := range b.holdings {
			if h.ifNew && !listedOnly[h.ino] {
				continue
			}
			if ns := r.m.Namespaces[r.s.id(h.ino)]; ns != nil && h.ino != 0 {
				ns.Holders = append(ns.Holders, h.holder)
			}
		}
		for _, t := range b.tasks {
			r.m.Tasks[t.ID] = t
		}
		r.m.Skipped = append(r.m.Skipped, b.skipped...)
	}
	r.batches = nil
}

// resolveHolding resolves and closes the fd a source opened for a holding.
func (r *registry) resolveHolding(h *holding) {
	if id, ok := r.resolveFD(h.fd, 0, 0); ok {
		h.ino, h.typ = id.Ino, r.m.Namespaces[id].Type
	}
	unix.Close(h.fd)
	h.fd = -1
}

// close releases the mount namespace fds kept for the processless scan.
func (r *registry) close() {
	for _, fd := range r.mountFDs {
		unix.Close(fd)
	}
	r.mountFDs = nil
}

func (r *registry) known(ino uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.m.Namespaces[r.s.id(ino)]
	return ok
}

// maxCandidates bounds how many sightings of one namespace are tried: each
// later one only matters if every earlier one vanished.
const maxCandidates = 4

// pending lists, for each namespace sighted through a path but not yet
// resolved, the /proc paths that may open it, in sighting order.
func (r *registry) pending() []pendingNS {
	index := map[uint64]int{}
	var list []pendingNS
	add := func(ino uint64, typ nsfs.Type, path string, vetted bool) {
		i, ok := index[ino]
		if !ok {
			if r.known(ino) {
				index[ino] = -1
				return
			}
			i = len(list)
			index[ino] = i
			list = append(list, pendingNS{ino: ino, typ: typ})
		}
		if i >= 0 && len(list[i].paths) < maxCandidates {
			list[i].paths = append(list[i].paths, candidatePath{path: path, vetted: vetted})
		}
	}
	for _, b := range r.batches {
		for _, ms := range b.members {
			if i, seen := index[ms.ino]; seen && (i < 0 || len(list[i].paths) >= maxCandidates) {
				continue // the common case: a namespace already taken care of
			}
			path := strconv.Itoa(int(ms.pid))
			if ms.tid != 0 {
				path += "/task/" + strconv.Itoa(int(ms.tid))
			}
			add(ms.ino, ms.typ, path+"/ns/"+ms.typ.String(), false)
		}
		for _, h := range b.holdings {
			if h.path != "" {
				add(h.ino, h.typ, h.path, true)
			}
		}
	}
	return list
}

// pendingNS is a namespace to resolve and the paths that may open it.
type pendingNS struct {
	ino   uint64
	typ   nsfs.Type
	paths []candidatePath
}

// candidatePath is a path below /proc to a namespace; vetted paths (fd
// links) may name anything and are checked to be nsfs before a real open.
type candidatePath struct {
	path   string
	vetted bool
}

// resolvePending opens and resolves the pending namespaces with parallel
// workers: each open and ioctl is a syscall, and there can be thousands.
func (r *registry) resolvePending(list []pendingNS) {
	inParallel(r.s.workersFor(len(list)), len(list), 1, func(_, i int) { r.resolveOne(&list[i]) })
}

func (r *registry) resolveOne(p *pendingNS) {
	for _, c := range p.paths {
		var fd int
		var err error
		if c.vetted {
			fd, err = nsfs.OpenVetted(r.s.procFD, c.path, 0)
		} else {
			fd, err = nsfs.OpenAt(r.s.procFD, c.path)
		}
		if err != nil {
			continue
		}
		_, ok := r.resolveFD(fd, p.ino, p.typ)
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
// Several goroutines may resolve at once: the model's map is only touched
// under r.mu, and each namespace's fields only by the goroutine that
// claimed it.
func (r *registry) resolveFD(fd int, wantIno uint64, wantType nsfs.Type) (nsfs.ID, bool) {
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
	if typ == nsfs.Mount && r.s.opts.Deep {
		if dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0); err == nil {
			r.mu.Lock()
			if r.mountFDs == nil {
				r.mountFDs = map[nsfs.ID]int{}
			}
			r.mountFDs[id] = dup
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
func (r *registry) ancestor(fd int) nsfs.ID {
	defer unix.Close(fd)
	id, _ := r.resolveFD(fd, 0, 0)
	return id
}

// readIDMaps fills in the UID and GID maps of each user namespace from the
// first member task whose maps can still be read.
func (s *scanner) readIDMaps() {
	for _, ns := range s.m.Namespaces {
		if ns.Type != nsfs.User {
			continue
		}
		dirs := func(yield func(string) bool) {
			for _, pid := range ns.PIDs {
				if !yield(strconv.Itoa(pid)) {
					return
				}
			}
			for _, t := range ns.Threads {
				if !yield(strconv.Itoa(t.PID) + "/task/" + strconv.Itoa(t.TID)) {
					return
				}
			}
		}
		for dir := range dirs {
			if uids, gids, ok := readIDMapsOf(s.procFD, dir); ok {
				ns.UIDMap, ns.GIDMap = uids, gids
				break
			}
		}
	}
}

func readIDMapsOf(procFD int, dir string) (uids, gids []procfs.IDRange, ok bool) {
	uidData, err := readFile(procFD, dir+"/uid_map")
	if err != nil {
		return nil, nil, false
	}
	gidData, err := readFile(procFD, dir+"/gid_map")
	if err != nil {
		return nil, nil, false
	}
	if uids, err = procfs.ParseIDMap(uidData); err != nil {
		return nil, nil, false
	}
	if gids, err = procfs.ParseIDMap(gidData); err != nil {
		return nil, nil, false
	}
	return uids, gids, true
}
