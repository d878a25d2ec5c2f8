package discover

import (
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/workload"
)

// workloadFacts reads, per process, what package workload needs to say
// whose the process is (its cgroup, and its stat line when the cgroup names
// no container); Options.Workloads turns it on. The facts are turned into
// workloads once the scan is complete (attributeWorkloads).
type workloadFacts struct{}

func (workloadFacts) report() model.SourceReport { return ran("workloads") }

func (workloadFacts) scanProcess(p *proc) {
	if f, ok := workload.ReadProcess(p.s.procFD, p.pid); ok {
		p.b.workloads = append(p.b.workloads, f)
	}
}

// attributeWorkloads records the workloads of every scanned process on the
// model, reading engines' state files once.
func (s *scanner) attributeWorkloads() {
	workload.Attribute(s.m, s.facts, workload.Options{ProcFD: s.procFD, Root: s.opts.HostRoot})
}
