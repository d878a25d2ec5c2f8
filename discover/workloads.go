package discover

import (
	"github.com/namespaces-of/namespaces_of/workload"
)

// workloadFacts reads, per process, what package workload needs to say
// whose the process is: its cgroup, and its stat line when the cgroup names
// no container ([workload.ReadProcess]). [Options.Workloads] turns it on.
// The facts are kept per worker and turned into workloads by the
// pipeline's attribution step (attributeWorkloads), once every namespace
// and holder is known.
type workloadFacts struct {
	outcome
	perWorker [][]workload.Process
}

func newWorkloadFacts(workers int) *workloadFacts {
	return &workloadFacts{perWorker: make([][]workload.Process, workers)}
}

func (*workloadFacts) about() about { return about{name: "workloads"} }

func (w *workloadFacts) scanProcess(p *process, _ *found) {
	if facts, ok := workload.ReadProcess(p.s.procFD, p.pid); ok {
		w.perWorker[p.worker] = append(w.perWorker[p.worker], facts)
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
		for _, list := range w.perWorker {
			facts = append(facts, list...)
		}
		workload.Attribute(s.m, facts, workload.Options{ProcFD: s.procFD, Root: s.opts.HostRoot})
	}
}
