// Package discover finds the namespaces of a Linux host by walking /proc and
// builds a model.Model. Each way of finding a namespace is a small source
// (process links, thread links, *_for_children links, open fds, bind
// mounts); the scanner runs the per-process sources over all processes in
// parallel, then the per-host sources, and resolves every newly seen
// namespace once: its owner, parent, creator and ID.
//
// The scan never changes the namespaces of any thread of the calling
// process that outlives it, never opens anything that is not a namespace
// file, and skips processes that vanish or cannot be read.
//
// One caveat for programs that embed the library: to look into a mount
// namespace that no process is in, a deep scan enters it from a locked OS
// thread that is then discarded (never the main thread). Linux sends a
// child's parent-death signal (SysProcAttr.Pdeathsig) when the thread that
// started the child ends, so children started with Pdeathsig from an
// unlocked goroutine may be signalled by such a scan. Start them from a
// goroutine locked to its thread (runtime.LockOSThread) if that matters.
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
	"github.com/namespaces-of/namespaces_of/workload"
)

// Options choose what a scan looks at.
type Options struct {
	// PIDs, when non-empty, limits the scan to these processes (the
	// namespaces of each, and their ancestors).
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
	// Comm reads the command name of every scanned task; Status reads
	// /proc/PID/status (command, parent, UID, NStgid).
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

// Scan walks /proc and returns what it found. It fails only when /proc
// itself cannot be read; individual processes that vanish or deny access are
// skipped (the latter listed in Model.Skipped).
func Scan(opts Options) (*model.Model, error) {
	s, err := newScanner(opts)
	if err != nil {
		return nil, err
	}
	defer s.close()
	return s.run()
}

// scanner holds the state of one scan.
type scanner struct {
	opts         Options
	procFD       int         // the /proc directory
	selfPID      int         // the scanning process
	selfFDs      []fdLink    // its fds before the scan began (see snapshotSelfFDs)
	canPtrace    bool        // CAP_SYS_PTRACE: other users' fds, roots and sockets are readable
	nsfsDev      uint64      // the device of nsfs; every namespace file has it
	types        []nsfs.Type // link types to read for member tasks
	reg          *registry
	m            *model.Model
	process      []processSource
	host         []hostSource
	afterResolve []afterResolveSource
	facts        []workload.Process // per-process workload facts (Options.Workloads)
}

func newScanner(opts Options) (*scanner, error) {
	root := opts.ProcRoot
	if root == "" {
		root = "/proc"
	}
	procFD, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	s := &scanner{opts: opts, procFD: procFD, m: model.New(), selfPID: unix.Getpid()}
	s.canPtrace = hasCapability(unix.CAP_SYS_PTRACE)
	if opts.Deep {
		s.snapshotSelfFDs()
	}
	var st unix.Stat_t
	if err := unix.Fstatat(procFD, "self/ns/user", &st, 0); err != nil {
		unix.Close(procFD)
		return nil, &os.PathError{Op: "stat", Path: root + "/self/ns/user", Err: err}
	}
	s.nsfsDev = st.Dev
	s.types = availableTypes(procFD, opts.Types)
	s.m.SelfUser = s.selfNamespace("user")
	s.m.SelfPID = s.selfNamespace("pid")
	s.reg = newRegistry(s)
	s.chooseSources()
	return s, nil
}

func (s *scanner) close() {
	s.reg.close()
	unix.Close(s.procFD)
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

func (s *scanner) selfNamespace(name string) nsfs.ID {
	buf := make([]byte, 64)
	n, err := unix.Readlinkat(s.procFD, "self/ns/"+name, buf)
	if err != nil {
		return nsfs.ID{}
	}
	if _, ino, ok := procfs.ParseNSLink(buf[:n]); ok {
		return nsfs.ID{Dev: s.nsfsDev, Ino: ino}
	}
	return nsfs.ID{}
}

// wants reports whether namespaces of type t are asked for.
func (s *scanner) wants(t nsfs.Type) bool {
	return s.opts.Types == 0 || s.opts.Types.Has(t)
}

func (s *scanner) id(ino uint64) nsfs.ID { return nsfs.ID{Dev: s.nsfsDev, Ino: ino} }

func (s *scanner) run() (*model.Model, error) {
	pids := s.opts.PIDs
	if len(pids) == 0 {
		var err error
		if pids, err = s.listPIDs(); err != nil {
			return nil, err
		}
	}
	batches := s.scanProcesses(pids)
	for _, b := range batches {
		s.reg.add(b)
		s.facts = append(s.facts, b.workloads...)
	}
	for _, src := range s.host {
		b := newBatch()
		src.scanHost(s, b)
		s.reg.add(b)
	}
	s.reg.finish()
	// Mount namespaces found without a member may hold further bind mounts,
	// which may be further member-less mount namespaces: repeat until none
	// is new.
	for _, src := range s.afterResolve {
		for {
			b := newBatch()
			more := src.scanAfterResolve(s, b)
			s.reg.add(b)
			s.reg.finish()
			if !more {
				break
			}
		}
	}
	if s.opts.Maps {
		s.readIDMaps()
	}
	s.reportSources()
	s.m.Normalize()
	if s.opts.Workloads {
		s.attributeWorkloads()
	}
	return s.m, nil
}

// listPIDs returns the numeric entries of /proc.
func (s *scanner) listPIDs() ([]int, error) {
	names, err := readDirNames(s.procFD, ".")
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(names))
	for _, name := range names {
		if name[0] < '1' || name[0] > '9' {
			continue
		}
		if pid, err := strconv.Atoi(name); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// scanProcesses runs the per-process sources over pids with parallel
// workers, each filling its own batch; the batches are merged afterwards so
// workers never contend on shared state.
func (s *scanner) scanProcesses(pids []int) []*batch {
	workers := s.workersFor(len(pids))
	batches := make([]*batch, workers)
	procs := make([]*proc, workers)
	for w := range workers {
		batches[w] = newBatch()
		procs[w] = &proc{s: s, b: batches[w], nsDir: -1, pidfd: -1}
	}
	inParallel(workers, len(pids), 64, func(w, i int) {
		p := procs[w]
		p.reset(pids[i])
		s.scanProcess(p)
		p.release()
	})
	return batches
}

// workers is the number of goroutines that scan in parallel.
func (s *scanner) workers() int {
	if s.opts.Workers > 0 {
		return s.opts.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// scanProcess runs every per-process source on one process.
func (s *scanner) scanProcess(p *proc) {
	for _, src := range s.process {
		src.scanProcess(p)
		if p.gone || p.denied != 0 {
			break
		}
	}
	if p.denied != 0 {
		p.b.skipped = append(p.b.skipped, model.Skip{PID: p.pid, Reason: unix.ErrnoName(p.denied)})
	}
}

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

// reportSources records each source once (some run both per process and
// per host).
func (s *scanner) reportSources() {
	seen := map[string]bool{}
	add := func(r model.SourceReport) {
		if !seen[r.Name] {
			seen[r.Name] = true
			s.m.Sources = append(s.m.Sources, r)
		}
	}
	for _, src := range s.process {
		r := src.report()
		switch r.Name {
		case "fds", "sockets", "bind-mounts", "for-children", "thread-links", "task-links", "pidfd-for-children":
			r = limitedBy(r, s.canPtrace, "CAP_SYS_PTRACE")
		}
		add(r)
	}
	for _, src := range s.host {
		add(src.report())
	}
	for _, src := range s.afterResolve {
		add(src.report())
	}
}
