package discover

import (
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// proc is one worker's view of the process being scanned. Sources share it
// so that each /proc file is read at most once per process.
type proc struct {
	s   *scanner
	b   *batch
	pid int
	dir string // "PID", relative to the /proc fd

	nsDir int // O_PATH fd of /proc/PID/ns, -1 until opened
	// links holds the inode of each of the leader's namespace links, by
	// type rank; 0 where the link could not be read.
	links [8]uint64
	tids  []int    // the process's threads, nil until listed
	fds   []fdLink // the process's fd links, nil until read
	pidfd int      // a pidfd for the process, -1 until opened

	// noPIDForChildren and noTimeForChildren: the link could not be read
	// (no child yet); pidfdForChildren asks the pidfd instead.
	noPIDForChildren, noTimeForChildren bool

	gone   bool       // the process vanished
	denied unix.Errno // access was refused (EACCES/EPERM)
	buf    [256]byte  // readlink and small-file buffer
}

func (p *proc) reset(pid int) {
	p.pid = pid
	p.dir = strconv.Itoa(pid)
	p.nsDir = -1
	p.links = [8]uint64{}
	p.tids = nil
	p.fds = nil
	p.pidfd = -1
	p.gone = false
	p.noPIDForChildren, p.noTimeForChildren = false, false
	p.denied = 0
}

func (p *proc) release() {
	if p.nsDir >= 0 {
		unix.Close(p.nsDir)
		p.nsDir = -1
	}
	if p.pidfd >= 0 {
		unix.Close(p.pidfd)
		p.pidfd = -1
	}
}

// openPidfd opens a pidfd for the process once. The pidfd pins the process
// identity, so fds fetched through it cannot belong to a reused PID.
func (p *proc) openPidfd() (int, error) {
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

// fail records why reading the process failed: vanished processes are
// skipped silently, refusals are counted.
func (p *proc) fail(err error) {
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
func (p *proc) readLink(dirfd int, name string) (nsfs.Type, uint64, error) {
	n, err := unix.Readlinkat(dirfd, name, p.buf[:])
	if err != nil {
		return 0, 0, err
	}
	t, ino, ok := procfs.ParseNSLink(p.buf[:n])
	if !ok {
		return 0, 0, unix.EINVAL
	}
	return t, ino, nil
}

// openNSDir opens /proc/PID/ns once per process.
func (p *proc) openNSDir() bool {
	if p.nsDir >= 0 {
		return true
	}
	fd, err := unix.Openat(p.s.procFD, p.dir+"/ns", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		p.fail(err)
		return false
	}
	p.nsDir = fd
	return true
}

// singleThreaded reports whether the process has one thread, from one stat
// of /proc/PID/task: its link count is the number of threads plus two.
func (p *proc) singleThreaded() bool {
	if p.tids != nil {
		return len(p.tids) <= 1
	}
	var st unix.Stat_t
	if err := unix.Fstatat(p.s.procFD, p.dir+"/task", &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return true
	}
	return st.Nlink <= 3
}

// threads lists the process's TIDs once per process.
func (p *proc) threads() []int {
	if p.tids != nil {
		return p.tids
	}
	names, err := readDirNames(p.s.procFD, p.dir+"/task")
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

// readTask reads what the options ask about a task (the process itself
// when tid == pid).
func (p *proc) readTask(tid int) {
	o := &p.s.opts
	if !o.Comm && !o.Status {
		return
	}
	base := p.dir
	if tid != p.pid {
		base += "/task/" + strconv.Itoa(tid)
	}
	task := &model.Task{ID: tid, TGID: p.pid, UID: -1}
	if o.Status {
		data, err := readFile(p.s.procFD, base+"/status")
		if err != nil {
			return
		}
		st, err := procfs.ParseStatus(data)
		if err != nil {
			return
		}
		task.TGID, task.PPID, task.UID, task.NStgid = st.TGID, st.PPID, st.UID, st.NStgid
		task.Comm = st.Name
	}
	if o.Comm {
		data, err := readFile(p.s.procFD, base+"/comm")
		if err != nil {
			return
		}
		if n := len(data); n > 0 && data[n-1] == '\n' {
			data = data[:n-1]
		}
		task.Comm = string(data)
	}
	p.b.tasks = append(p.b.tasks, task)
}

// readDirNames lists a directory below dirfd.
func readDirNames(dirfd int, path string) ([]string, error) {
	fd, err := unix.Openat(dirfd, path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return listDir(fd)
}

// listDir lists the directory open as fd, from its current offset.
func listDir(fd int) ([]string, error) {
	var names []string
	buf := make([]byte, 32*1024)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			break
		}
		// Only an empty read ends the listing: a pending signal (Go's
		// preemption signal, say) makes getdents return early with room
		// to spare.
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	return names, nil
}

// readFile reads a small /proc file below dirfd. /proc files are never
// FIFOs or devices, so a plain open is safe.
func readFile(dirfd int, path string) ([]byte, error) {
	fd, err := unix.Openat(dirfd, path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}
