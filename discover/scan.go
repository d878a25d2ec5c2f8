package discover

import (
	"errors"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// Options choose what a scan looks at.
type Options struct {
	// PIDs, when non-empty, limits the scan to these processes (the
	// namespaces of each, and their ancestors). A PID that names no process
	// when the scan starts makes [Scan] fail with a [*NoSuchProcessError].
	PIDs []int
	// Types are the namespace types to find; zero means all the types this
	// kernel has. Owners and parents are found whatever their type.
	Types nsfs.TypeSet
	// Tasks finds namespaces through every thread (/proc/PID/task/TID/ns),
	// recording thread members.
	Tasks bool
	// Deep also finds namespaces that have no member task: those held by
	// *_for_children links, open fds, bind mounts and non-leader threads.
	Deep bool
	// Maps reads the UID and GID maps of user namespaces.
	Maps bool
	// Comm reads the command name of every member task. Status reads its
	// command and parent (/proc/PID/stat), its UID (the owner of /proc/PID,
	// as lsns shows it) and its PIDs in nested PID namespaces
	// ([model.Task.NStgid], read from /proc/PID/status only for tasks
	// outside the scanner's PID namespace).
	Comm, Status bool
	// Workers is the number of parallel workers; 0 means one per CPU.
	Workers int
	// ProcRoot is where procfs is mounted; "" means /proc.
	ProcRoot string
	// Workloads says whose each namespace is: the containers, pods and
	// systemd units of its processes (see package workload).
	Workloads bool
	// HostRoot is where engines' state files are looked for; "" means /.
	HostRoot string
}

func (o *Options) procRoot() string {
	if o.ProcRoot == "" {
		return "/proc"
	}
	return o.ProcRoot
}

// NoSuchProcessError says that a process asked for does not exist.
type NoSuchProcessError struct{ PID int }

func (e *NoSuchProcessError) Error() string { return "no such process: " + strconv.Itoa(e.PID) }

// Scan walks /proc and returns what it found. It fails only when /proc
// itself cannot be read, or a PID of [Options.PIDs] names no process;
// processes that vanish or deny access during the scan are skipped (the
// latter listed in [model.Model.Skipped]).
func Scan(opts Options) (*model.Model, error) {
	s, err := openScan(opts)
	if err != nil {
		return nil, err
	}
	defer s.close()
	for _, pid := range opts.PIDs {
		if !s.exists(pid) {
			return nil, &NoSuchProcessError{PID: pid}
		}
	}
	if err := s.probe(); err != nil {
		return nil, err
	}
	return s.run(), nil
}

// NamespaceOf returns the namespace of type t that process pid is in, as
// procfs at procRoot ("" means /proc) shows it. A process that does not
// exist gives a [*NoSuchProcessError].
func NamespaceOf(procRoot string, pid int, t nsfs.Type) (nsfs.ID, error) {
	o := Options{ProcRoot: procRoot}
	link := o.procRoot() + "/" + taskDir(pid, pid) + "/ns/" + t.String()
	var st unix.Stat_t
	if err := unix.Stat(link, &st); err != nil {
		if e := errno(err); e == unix.ENOENT || e == unix.ESRCH {
			return nsfs.ID{}, &NoSuchProcessError{PID: pid}
		}
		return nsfs.ID{}, &os.PathError{Op: "stat", Path: link, Err: err}
	}
	return nsfs.ID{Dev: st.Dev, Ino: st.Ino}, nil
}

// scan holds the configuration and results of one scan.
type scan struct {
	opts      Options
	procFD    int         // the procfs root
	selfPID   int         // the scanning process
	selfFDs   []fdLink    // its fds before the scan began (see snapshotSelfFDs)
	canPtrace bool        // CAP_SYS_PTRACE: other users' fds, roots and sockets are readable
	nsfsDev   uint64      // the device of nsfs; every namespace file has it
	selfPIDNS uint64      // the inode of the scanner's PID namespace
	types     []nsfs.Type // link types to read for member tasks
	m         *model.Model
	res       *resolver
	// mountsRead: see [known].
	mountsRead map[nsfs.ID]bool
	process    []processSource
	host       []hostSource
	all        []source // every source used, in table order, for the report
}

// openScan opens the procfs root and reads which namespace links it shows;
// it asks the kernel nothing else, so tests can point it at a fixture tree.
func openScan(opts Options) (*scan, error) {
	root := opts.procRoot()
	procFD, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	s := &scan{opts: opts, procFD: procFD, m: model.New(), selfPID: unix.Getpid()}
	s.types = availableTypes(procFD, opts.Types)
	s.selfPIDNS = s.selfLink(nsfs.PID)
	s.m.ScannerPID = s.selfProcess()
	return s, nil
}

// probe learns what the scan needs from the kernel (the nsfs device, the
// caller's capabilities and fds), then sets up the resolver and sources.
func (s *scan) probe() error {
	var st unix.Stat_t
	if err := unix.Fstatat(s.procFD, "self/ns/user", &st, 0); err != nil {
		return &os.PathError{Op: "stat", Path: s.opts.procRoot() + "/self/ns/user", Err: err}
	}
	s.nsfsDev = st.Dev
	s.canPtrace = hasCapability(unix.CAP_SYS_PTRACE)
	if s.opts.Deep {
		s.snapshotSelfFDs()
	}
	for _, self := range []struct {
		id  *nsfs.ID
		typ nsfs.Type
	}{{&s.m.SelfUser, nsfs.User}, {&s.m.SelfPID, nsfs.PID}} {
		if ino := s.selfLink(self.typ); ino != 0 {
			*self.id = nsfs.ID{Dev: s.nsfsDev, Ino: ino}
		}
	}
	s.res = newResolver(s.procFD, s.nsfsDev, s.workers(), s.m, s.opts.Deep)
	s.mountsRead = map[nsfs.ID]bool{}
	s.chooseSources()
	return nil
}

// newScan is openScan and probe.
func newScan(opts Options) (*scan, error) {
	s, err := openScan(opts)
	if err != nil {
		return nil, err
	}
	if err := s.probe(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *scan) close() {
	if s.res != nil {
		s.res.close()
	}
	unix.Close(s.procFD)
}

// run is the pipeline of the package documentation.
func (s *scan) run() *model.Model {
	s.res.take(s.scanProcesses(s.processes()))
	s.runHostSources()
	if s.opts.Maps {
		s.readIDMaps()
	}
	s.m.Sources = s.reports()
	s.m.Normalize()
	if s.opts.Workloads {
		s.attributeWorkloads()
	}
	return s.m
}

// processes returns the PIDs to scan: those asked for, or every numeric
// entry of /proc.
func (s *scan) processes() []int {
	if len(s.opts.PIDs) > 0 {
		return s.opts.PIDs
	}
	names, _ := readDirNames(s.procFD, ".", nil)
	pids := make([]int, 0, len(names))
	for _, name := range names {
		if name[0] < '1' || name[0] > '9' {
			continue
		}
		if pid, err := strconv.Atoi(name); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// exists reports whether /proc has an entry for pid.
func (s *scan) exists(pid int) bool {
	var st unix.Stat_t
	return unix.Fstatat(s.procFD, strconv.Itoa(pid), &st, 0) == nil
}

// scanProcesses reads every process's links and runs the per-process
// sources on it, with parallel workers each filling its own [found], so
// workers never contend on shared state.
func (s *scan) scanProcesses(pids []int) []*found {
	workers := s.workersFor(len(pids))
	finds := make([]*found, workers)
	procs := make([]*process, workers)
	for w := range workers {
		finds[w] = &found{}
		procs[w] = newProcess(s, w)
	}
	inParallel(workers, len(pids), 64, func(w, i int) {
		p := procs[w]
		p.reset(pids[i])
		s.scanProcess(p, finds[w])
		p.release()
	})
	return finds
}

// scanProcess runs steps 2 and 3 of the pipeline on one process, then
// describes the tasks the sources recorded as members.
func (s *scan) scanProcess(p *process, f *found) {
	first := len(f.members)
	if s.opts.Tasks {
		p.readTaskLinks()
	} else {
		p.readLinks()
	}
	for _, src := range s.process {
		if p.gone || p.denied != 0 {
			break
		}
		src.scanProcess(p, f)
	}
	if p.denied != 0 {
		f.skipped = append(f.skipped, model.Skip{PID: p.pid, Reason: unix.ErrnoName(p.denied)})
	}
	if s.opts.Comm || s.opts.Status {
		described := -1
		for _, ms := range f.members[first:] {
			// Members come task by task, so one look back suffices.
			if tid := int(ms.tid); tid != described {
				described = tid
				p.describe(f, tid)
			}
		}
	}
}

// runHostSources runs each host-wide source, resolving what it found before
// the next one runs; a source that asks to run again (it found namespaces
// that may lead to more) does, until it finds nothing new.
func (s *scan) runHostSources() {
	for _, src := range s.host {
		for {
			f := &found{}
			again := src.scanHost(s.known(), f)
			s.res.take([]*found{f})
			if !again {
				break
			}
		}
	}
}

// known is what host-wide sources are handed.
func (s *scan) known() *known {
	return &known{procFD: s.procFD, dev: s.nsfsDev, workers: s.workers(), types: s.opts.Types, m: s.m, mountNS: s.res.mountNS, mountsRead: s.mountsRead}
}

// availableTypes lists the link types this kernel has (time namespaces
// arrived in 5.6, cgroup in 4.6), limited to want.
func availableTypes(procFD int, want nsfs.TypeSet) []nsfs.Type {
	if want == 0 {
		want = nsfs.AllTypeSet
	}
	var out []nsfs.Type
	buf := make([]byte, 64)
	for _, t := range want.Types() {
		if _, err := unix.Readlinkat(procFD, "self/ns/"+t.String(), buf); err == nil {
			out = append(out, t)
		}
	}
	return out
}

// selfLink returns the inode of the scanner's own namespace of type t, 0
// when unknown.
func (s *scan) selfLink(t nsfs.Type) uint64 {
	buf := make([]byte, 64)
	n, err := unix.Readlinkat(s.procFD, "self/ns/"+t.String(), buf)
	if err != nil {
		return 0
	}
	_, ino, _ := procfs.ParseNSLink(buf[:n])
	return ino
}

// selfProcess returns the scanner's PID as the procfs shows it (its "self"
// link), 0 when unknown.
func (s *scan) selfProcess() int {
	buf := make([]byte, 32)
	n, err := unix.Readlinkat(s.procFD, "self", buf)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(string(buf[:n]))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// wants reports whether namespaces of type t are asked for.
func (s *scan) wants(t nsfs.Type) bool { return wanted(s.opts.Types, t) }

func wanted(types nsfs.TypeSet, t nsfs.Type) bool { return types == 0 || types.Has(t) }

// workers is the number of goroutines that scan in parallel.
func (s *scan) workers() int {
	if s.opts.Workers > 0 {
		return s.opts.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// workersFor is how many workers n items get: at most one per item, at
// least one.
func (s *scan) workersFor(n int) int { return min(s.workers(), max(1, n)) }

// errno extracts the errno from err, or 0.
func errno(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// isDenial reports whether err means "not allowed", as opposed to "gone".
func isDenial(err error) bool {
	e := errno(err)
	return e == unix.EACCES || e == unix.EPERM
}
