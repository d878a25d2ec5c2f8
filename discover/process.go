package discover

import (
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// taskDir is the directory of a task below /proc. The one rule for "the
// process itself": tid == pid names the process's own directory, "PID";
// any other tid its thread directory, "PID/task/TID".
func taskDir(pid, tid int) string {
	if tid == pid {
		return strconv.Itoa(pid)
	}
	return strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid)
}

// links holds one inode per namespace type, by type rank; 0 where the link
// was not read.
type links [8]uint64

// taskNS is the links of one thread.
type taskNS struct {
	tid   int
	links links
}

// process is one worker's view of the process being scanned: the pipeline
// reads what several sources need (the links, the thread list, the fd
// table, the *_for_children links, a pidfd) at most once per process, on
// first use, and sources read it only through these methods.
type process struct {
	s      *scan
	worker int // the worker scanning it, for sources that keep per-worker state
	pid    int
	dir    string // "PID", relative to the procfs root

	nsDir int   // O_PATH fd of /proc/PID/ns, -1 until opened
	links links // the process's own links (the leader's)
	// leaderExited: the leader's non-hierarchical links are gone (a zombie,
	// or a process whose leader thread exited); its threads may still be
	// in namespaces.
	leaderExited bool
	tids         []int        // the threads, nil until listed
	tasks        []taskNS     // with Options.Tasks: every thread's links
	others       []taskNS     // threads whose links differ from the leader's, nil until read
	fds          []fdLink     // the fd links, nil until read
	pidfd        int          // -1 until opened
	children     [2]childLink // pid_for_children, time_for_children of the process itself

	gone   bool       // the process vanished
	denied unix.Errno // access was refused (EACCES/EPERM)
	buf    [256]byte  // readlink buffer
	reuse  buffers    // kept from one process to the next
}

// buffers is what a worker reuses from one process to the next, so that
// scanning a process allocates little: buffers only, never results.
type buffers struct {
	dirents []byte   // the getdents buffer
	file    []byte   // the small-file buffer (stat, comm, status)
	fdLinks []fdLink // the fd table last read, emptied
	fdText  []byte   // its link targets, back to back
}

// childLink is a *_for_children link, read once.
type childLink struct {
	read bool
	ino  uint64
	err  error
}

func newProcess(s *scan, worker int) *process {
	return &process{s: s, worker: worker, nsDir: -1, pidfd: -1}
}

func (p *process) reset(pid int) {
	reuse := p.reuse
	*p = process{s: p.s, worker: p.worker, pid: pid, dir: strconv.Itoa(pid), nsDir: -1, pidfd: -1, reuse: reuse}
	if p.reuse.dirents == nil {
		p.reuse.dirents = make([]byte, direntBufSize)
		p.reuse.file = make([]byte, 4096)
	}
}

func (p *process) release() {
	if p.nsDir >= 0 {
		unix.Close(p.nsDir)
		p.nsDir = -1
	}
	if p.pidfd >= 0 {
		unix.Close(p.pidfd)
		p.pidfd = -1
	}
}

// wants reports whether namespaces of type t are asked for.
func (p *process) wants(t nsfs.Type) bool { return p.s.wants(t) }

// fail records why reading the process failed: vanished processes are
// skipped silently, refusals are counted.
func (p *process) fail(err error) {
	if isDenial(err) {
		if p.denied == 0 {
			p.denied = errno(err)
		}
		return
	}
	if e := errno(err); e == unix.ENOENT || e == unix.ESRCH {
		p.gone = true
	}
}

// readLink reads a namespace link below dirfd and parses it.
func (p *process) readLink(dirfd int, name string) (nsfs.Type, uint64, error) {
	n, err := unix.Readlinkat(dirfd, name, p.buf[:])
	if err != nil {
		return 0, 0, err
	}
	if n == 0 {
		// Older kernels (5.10 here; 6.1 says EACCES) answer an empty
		// link, not an error, when the caller may not read it.
		return 0, 0, unix.EACCES
	}
	t, ino, ok := procfs.ParseNSLink(p.buf[:n])
	if !ok {
		return 0, 0, unix.EINVAL
	}
	return t, ino, nil
}

// readLinks reads the process's own links (pipeline step 2).
func (p *process) readLinks() {
	fd, err := unix.Openat(p.s.procFD, p.dir+"/ns", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		p.fail(err)
		return
	}
	p.nsDir = fd
	for _, t := range p.s.types {
		_, ino, err := p.readLink(p.nsDir, t.String())
		if err != nil {
			// A zombie, or a process whose leader thread exited, keeps
			// only its user and PID links; its threads still have the rest.
			if errno(err) == unix.ENOENT && !t.Hierarchical() {
				p.leaderExited = true
				continue
			}
			p.fail(err)
			return
		}
		p.links[t.Rank()] = ino
	}
}

// readTaskLinks reads every thread's links (pipeline step 2 with
// Options.Tasks); the leader's are also the process's own.
func (p *process) readTaskLinks() {
	for _, tid := range p.threads() {
		dir, err := unix.Openat(p.s.procFD, taskDir(p.pid, tid)+"/ns", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			if isDenial(err) {
				p.fail(err)
				return
			}
			continue // the thread exited
		}
		tl := taskNS{tid: tid}
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
			tl.links[t.Rank()] = ino
		}
		unix.Close(dir)
		if tid == p.pid {
			p.links = tl.links
		}
		p.tasks = append(p.tasks, tl)
	}
	if len(p.tids) == 0 {
		p.gone = true
	}
}

// singleThreaded reports whether the process has one thread, from one stat
// of /proc/PID/task: its link count is the number of threads plus two.
func (p *process) singleThreaded() bool {
	if p.tids != nil {
		return len(p.tids) <= 1
	}
	var st unix.Stat_t
	if err := unix.Fstatat(p.s.procFD, p.dir+"/task", &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return true
	}
	return st.Nlink <= 3
}

// threads lists the process's TIDs once.
func (p *process) threads() []int {
	if p.tids != nil {
		return p.tids
	}
	names, err := readDirNames(p.s.procFD, p.dir+"/task", p.reuse.dirents)
	if err != nil {
		p.fail(err)
		p.tids = []int{}
		return p.tids
	}
	p.tids = make([]int, 0, len(names))
	for _, name := range names {
		if tid, err := strconv.Atoi(name); err == nil {
			p.tids = append(p.tids, tid)
		}
	}
	return p.tids
}

// otherThreads returns, once per process, the threads other than the
// leader whose non-hierarchical links differ from the leader's, with only
// the differing links set (threads share their process's user and PID
// namespace).
func (p *process) otherThreads() []taskNS {
	if p.others != nil {
		return p.others
	}
	p.others = []taskNS{}
	if !p.leaderExited && p.singleThreaded() {
		return p.others
	}
	for _, tid := range p.threads() {
		if tid == p.pid {
			continue
		}
		dir, err := unix.Openat(p.s.procFD, taskDir(p.pid, tid)+"/ns", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		tl := taskNS{tid: tid}
		for _, t := range p.s.types {
			if t.Hierarchical() {
				continue
			}
			_, ino, err := p.readLink(dir, t.String())
			if err != nil || ino == p.links[t.Rank()] {
				continue
			}
			tl.links[t.Rank()] = ino
		}
		unix.Close(dir)
		if tl.links != (links{}) {
			p.others = append(p.others, tl)
		}
	}
	return p.others
}

// link returns the inode of task tid's namespace of type t: from what the
// pipeline read when it can, else from its link.
func (p *process) link(tid int, t nsfs.Type) (uint64, error) {
	if tid == p.pid && p.links[t.Rank()] != 0 {
		return p.links[t.Rank()], nil
	}
	for _, tl := range p.tasks {
		if tl.tid == tid && tl.links[t.Rank()] != 0 {
			return tl.links[t.Rank()], nil
		}
	}
	_, ino, err := p.readLink(p.s.procFD, taskDir(p.pid, tid)+"/ns/"+t.String())
	return ino, err
}

// childLinkName is the *_for_children link of the namespace types that
// have one.
func childLinkName(t nsfs.Type) string { return t.String() + "_for_children" }

// childLink returns the inode of task tid's *_for_children link of type t
// (PID or time); the process's own is read once. ENOENT means no child
// namespace exists yet (or the kernel lacks the link).
func (p *process) childLink(tid int, t nsfs.Type) (uint64, error) {
	slot := 0
	if t == nsfs.Time {
		slot = 1
	}
	if tid == p.pid && p.children[slot].read {
		return p.children[slot].ino, p.children[slot].err
	}
	dirFD, path := p.s.procFD, taskDir(p.pid, tid)+"/ns/"+childLinkName(t)
	if tid == p.pid && p.nsDir >= 0 {
		dirFD, path = p.nsDir, childLinkName(t)
	}
	_, ino, err := p.readLink(dirFD, path)
	if tid == p.pid {
		p.children[slot] = childLink{read: true, ino: ino, err: err}
	}
	return ino, err
}

// openPidfd opens a pidfd for the process once. The pidfd pins the process
// identity, so fds fetched through it cannot belong to a reused PID.
func (p *process) openPidfd() (int, error) {
	if p.pidfd >= 0 {
		return p.pidfd, nil
	}
	fd, err := unix.PidfdOpen(p.pid, 0)
	if err != nil {
		return -1, err
	}
	p.pidfd = fd
	return fd, nil
}

// describe records what the options ask about task tid.
func (p *process) describe(f *found, tid int) {
	o := &p.s.opts
	dir := taskDir(p.pid, tid)
	task := &model.Task{ID: tid, TGID: p.pid, UID: -1}
	if o.Status {
		data, err := readSmallFile(p.s.procFD, dir+"/stat", p.reuse.file)
		if err != nil {
			return
		}
		st, err := procfs.ParseStat(data)
		if err != nil {
			return
		}
		task.PPID, task.Comm = st.PPID, st.Comm
		task.UID = p.owner(tid, dir)
		task.NStgid = p.nstgid(dir)
	} else if o.Comm {
		data, err := readSmallFile(p.s.procFD, dir+"/comm", p.reuse.file)
		if err != nil {
			return
		}
		if n := len(data); n > 0 && data[n-1] == '\n' {
			data = data[:n-1]
		}
		task.Comm = string(data)
	}
	f.tasks = append(f.tasks, task)
}

// owner returns the owner of the task's /proc directory, as lsns shows it
// (the effective UID of a dumpable task; root for one that is not). Every
// entry below /proc/PID has that owner, so the process's open ns directory
// answers without a path walk.
func (p *process) owner(tid int, dir string) int {
	var st unix.Stat_t
	if tid == p.pid && p.nsDir >= 0 && unix.Fstat(p.nsDir, &st) == nil {
		return int(st.Uid)
	}
	if unix.Fstatat(p.s.procFD, dir, &st, 0) == nil {
		return int(st.Uid)
	}
	return -1
}

// nstgid returns the task's PIDs in each PID namespace, outermost first. A
// task in the scanner's own PID namespace has just one: its PID. Only the
// others need /proc/PID/status, the costliest file of the three.
func (p *process) nstgid(dir string) []int {
	if own := p.links[nsfs.PID.Rank()]; own != 0 && own == p.s.selfPIDNS {
		return []int{p.pid}
	}
	data, err := readSmallFile(p.s.procFD, dir+"/status", p.reuse.file)
	if err != nil {
		return nil
	}
	st, err := procfs.ParseStatus(data)
	if err != nil {
		return nil
	}
	return st.NStgid
}
