package discover

import (
	"reflect"
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// The fixture tree testdata/sharing/proc: 100 (the scanner) and 102 are in
// the host's namespaces, in two systemd services; 700 and 701 share every
// namespace of a container, whose cgroup only 700's file shows (701's
// says "/", so reading it would give it no workload).
func TestWorkloadFactsOnePerNamespaceSet(t *testing.T) {
	s := fixtureScan(t, Options{ProcRoot: "testdata/sharing/proc", Workloads: true, Workers: 1})
	s.scanProcesses([]int{100, 102, 700, 701})
	var src *workloadFacts
	for _, p := range s.process {
		if w, ok := p.(*workloadFacts); ok {
			src = w
		}
	}
	if src == nil {
		t.Fatal("no workloads source with Options.Workloads")
	}
	var read []int
	for _, f := range src.perWorker[0].facts {
		read = append(read, f.PID)
	}
	// Both host processes are read (their units differ), one of the two
	// that share the container's namespaces.
	if want := []int{100, 102, 700}; !reflect.DeepEqual(read, want) {
		t.Errorf("read the cgroups of %v, want %v", read, want)
	}
	if others := src.perWorker[0].others; len(others) != 1 || others[0].pid != 701 {
		t.Errorf("processes left to inherit: %+v, want 701", others)
	}

	// The attribution step gives 701 the container's workload.
	for i, ino := range []uint64{4026532103, 4026531840} {
		id := nsfs.ID{Dev: 4, Ino: ino}
		pids := [][]int{{700, 701}, {100, 102}}[i]
		s.m.Namespaces[id] = &model.Namespace{ID: id, Type: nsfs.Net, PIDs: pids}
	}
	s.attributeWorkloads()
	w := s.m.Workload("docker:a000000000000000000000000000000000000000000000000000000000000700")
	if w == nil || !reflect.DeepEqual(w.PIDs, []int{700, 701}) {
		t.Errorf("container workload %+v, want PIDs 700 and 701", w)
	}
	if got := s.m.Namespaces[nsfs.ID{Dev: 4, Ino: 4026531840}].Workloads; len(got) != 2 {
		t.Errorf("host netns workloads %v, want the two services", got)
	}
}
