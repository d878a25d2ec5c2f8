package discover

import (
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/workload"
)

// workloadFacts reads, per process, what package workload needs to say
// whose the process is: its cgroup, and its stat line when the cgroup names
// no container ([workload.ReadProcess]). [Options.Workloads] turns it on.
// The facts are kept per worker and turned into workloads by the
// pipeline's attribution step (attributeWorkloads), once every namespace
// and holder is known.
//
// Reading /proc/PID/cgroup is dear (the kernel formats every hierarchy
// under a global lock), so outside the scanner's own namespaces only one
// process per set of namespaces is read: the processes of a container, a
// pod's container or a namespaced service share their mount namespace and
// all the others, and they share its cgroup too (`docker exec` and
// `nsenter` from an engine join both). The others inherit what that one
// shows. Processes in the scanner's own namespaces (the host's services)
// are each read. Without the mount namespace in the set (--pidns reads
// only PID links) every process is read.
type workloadFacts struct {
	outcome
	self      links // the scanner's own namespaces
	sample    bool  // read one process per set of namespaces
	perWorker []workerFacts
}

type workerFacts struct {
	facts []workload.Process
	// read holds the namespace sets this worker read a process of, and
	// which one; others lists the processes that were not read.
	read   map[links]int
	others []sharer
}

// sharer is a process not read, and the namespaces it shares.
type sharer struct {
	pid int
	ns  links
}

func newWorkloadFacts(s *scan) *workloadFacts {
	w := &workloadFacts{perWorker: make([]workerFacts, s.workers())}
	for _, t := range s.types {
		w.self[t.Rank()] = s.selfLink(t)
		if t == nsfs.Mount {
			w.sample = true
		}
	}
	for i := range w.perWorker {
		w.perWorker[i].read = map[links]int{}
	}
	return w
}

func (*workloadFacts) about() about { return about{name: "workloads"} }

func (w *workloadFacts) scanProcess(p *process, _ *found) {
	wf := &w.perWorker[p.worker]
	sampled := w.sample && p.links != w.self && p.links[nsfs.Mount.Rank()] != 0
	if sampled {
		if _, ok := wf.read[p.links]; ok {
			wf.others = append(wf.others, sharer{p.pid, p.links})
			return
		}
	}
	if facts, ok := workload.ReadProcess(p.s.procFD, p.pid); ok {
		wf.facts = append(wf.facts, facts)
		if sampled {
			wf.read[p.links] = p.pid
		}
	}
}

// attributeWorkloads is the pipeline's attribution step: it records on the
// model the workloads of every scanned process, and on each namespace the
// workloads of its members, threads and holders, reading engines' state
// files once.
func (s *scan) attributeWorkloads() {
	for _, src := range s.process {
		w, ok := src.(*workloadFacts)
		if !ok {
			continue
		}
		var facts []workload.Process
		readOf := map[links]int{}
		for _, wf := range w.perWorker {
			facts = append(facts, wf.facts...)
			for ns, pid := range wf.read {
				// Several workers may each have read one: the lowest
				// PID (usually the first process) stands for the set.
				if old, ok := readOf[ns]; !ok || pid < old {
					readOf[ns] = pid
				}
			}
		}
		like := map[int]int{}
		for _, wf := range w.perWorker {
			for _, o := range wf.others {
				if pid, ok := readOf[o.ns]; ok {
					like[o.pid] = pid
				}
			}
		}
		workload.Attribute(s.m, facts, workload.Options{ProcFD: s.procFD, Root: s.opts.HostRoot, Like: like})
	}
}
