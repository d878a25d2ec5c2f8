package discover

import (
	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// sources is every way of finding namespaces, in the order they run, and
// when a scan uses each. Adding a source is adding its file and one line
// here (see the package documentation).
var sources = []registration{
	{func(o *Options) bool { return !o.Tasks }, func(*scan) source { return &processLinks{} }},
	{func(o *Options) bool { return o.Tasks }, func(*scan) source { return &taskLinks{} }},
	{func(o *Options) bool { return o.Deep && !o.Tasks }, func(*scan) source { return &threadLinks{} }},
	{deep, func(*scan) source { return &forChildren{} }},
	{deep, func(*scan) source { return newPidfdForChildren() }},
	{deep, func(*scan) source { return &openFDs{} }},
	{deep, func(*scan) source { return newSockets() }},
	{deep, func(s *scan) source { return newBindMounts(s.workers()) }},
	{deep, func(*scan) source { return &mountNamespaceList{} }},
	{deep, func(*scan) source { return &processlessMounts{} }},
	{deep, func(s *scan) source { return newKernelNamespaceList(s.procFD) }},
	{func(o *Options) bool { return o.Workloads }, func(s *scan) source { return newWorkloadFacts(s) }},
}

func deep(o *Options) bool { return o.Deep }

// registration is one line of the sources table: when a scan uses the
// source, and how to make it for that scan.
type registration struct {
	use  func(o *Options) bool
	make func(s *scan) source
}

// source is what every source declares about itself.
type source interface {
	about() about
	// result says whether the source could run (see outcome).
	result() *outcome
}

// processSource finds namespaces through one process at a time. It is
// called from parallel workers: what it keeps between calls must be kept
// per worker (process.worker).
type processSource interface {
	source
	scanProcess(p *process, f *found)
}

// hostSource runs once per scan, after every process was scanned and what
// they showed was resolved. It reports only what is new; when it returns
// true, it is run again after what it found was resolved.
type hostSource interface {
	source
	scanHost(k *known, f *found) (again bool)
}

// about is the fixed description of a source, from which the -v report is
// derived.
type about struct {
	name string
	// needsPtrace: without CAP_SYS_PTRACE the source sees only the
	// caller's own processes.
	needsPtrace bool
	// needs names the kernel interface (and capability) the source cannot
	// run without, for the report when it could not.
	needs string
}

// outcome is what a source learned about itself while running: embed it.
type outcome struct {
	unavailable error  // the source could not run (a probe or the kernel said no)
	note        string // a remark on a run, e.g. what could not be opened
}

func (o *outcome) result() *outcome { return o }

// chooseSources instantiates the sources this scan's options use.
func (s *scan) chooseSources() {
	for _, entry := range sources {
		if !entry.use(&s.opts) {
			continue
		}
		src := entry.make(s)
		s.all = append(s.all, src)
		if p, ok := src.(processSource); ok {
			s.process = append(s.process, p)
		}
		if h, ok := src.(hostSource); ok {
			s.host = append(s.host, h)
		}
	}
}

// reports derives each source's report from its description and outcome.
func (s *scan) reports() []model.SourceReport {
	out := make([]model.SourceReport, 0, len(s.all))
	for _, src := range s.all {
		out = append(out, report(src, s.canPtrace))
	}
	return out
}

// report is what -v says of a source.
func report(src source, canPtrace bool) model.SourceReport {
	a, o := src.about(), src.result()
	r := model.SourceReport{Name: a.name, Ran: o.unavailable == nil, Reason: o.note}
	switch {
	case o.unavailable != nil:
		reason := o.unavailable.Error()
		if e := errno(o.unavailable); e != 0 {
			reason = unix.ErrnoName(e) + ": " + e.Error()
		}
		r.Reason = reason + "; needs " + a.needs
	case r.Reason == "" && a.needsPtrace && !canPtrace:
		r.Reason = "limited to processes of the caller's own user (no CAP_SYS_PTRACE)"
	}
	return r
}

// known is what a host-wide source is handed: everything resolved so far.
type known struct {
	procFD  int
	dev     uint64 // of nsfs
	workers int
	types   nsfs.TypeSet
	// m is the model as resolved so far; sources only read it.
	m *model.Model
	// mountNS holds an open fd for each mount namespace resolved that no
	// process was seen in (deep scans only), so that it can be looked into.
	mountNS map[nsfs.ID]int
	// mountsRead: the mount namespaces whose mounts were read through a
	// task in them. Sources fill it as they read them.
	mountsRead map[nsfs.ID]bool
}

func (k *known) id(ino uint64) nsfs.ID { return nsfs.ID{Dev: k.dev, Ino: ino} }

// wants reports whether namespaces of type t are asked for.
func (k *known) wants(t nsfs.Type) bool { return wanted(k.types, t) }

// has reports whether the namespace is in the model already.
func (k *known) has(id nsfs.ID) bool {
	_, ok := k.m.Namespaces[id]
	return ok
}
