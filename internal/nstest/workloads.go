package nstest

import (
	"fmt"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// Synthetic container IDs of WorkloadModel.
const (
	WebID     = "3f2a9c1b0d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd"
	SandboxID = "aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff66667777888899990000"
	CorednsID = "bbbb1111bbbb2222cccc3333dddd4444eeee5555ffff66667777888899990000"
	EvilID    = "cccc1111bbbb2222cccc3333dddd4444eeee5555ffff66667777888899990000"
)

// WorkloadModel is a synthetic scan with workloads of several engines, for
// the renderers' golden tests: a docker container with its netns bind
// mount, a Kubernetes pod (sandbox and one container sharing its netns), a
// rootless podman container whose name carries a terminal escape, a
// systemd unit, LXC and nspawn containers, and host namespaces shared by
// more workloads than are listed (a count per engine).
func WorkloadModel() *model.Model {
	m := model.New()
	id := func(ino uint64) nsfs.ID { return nsfs.ID{Dev: 4, Ino: ino} }
	host := id(4026531837)
	m.SelfUser, m.SelfPID = host, id(4026531836)
	m.WorkloadsScanned = true
	add := func(typ nsfs.Type, ino uint64, refs []string, pids ...int) *model.Namespace {
		ns := &model.Namespace{ID: id(ino), Type: typ, Owner: host, CreatorUID: -1, PIDs: pids, Workloads: refs}
		if typ == nsfs.User {
			ns.Owner, ns.CreatorUID = nsfs.ID{}, 0
			ns.UIDMap = []procfs.IDRange{{Inside: 0, Outside: 0, Count: 4294967295}}
			ns.GIDMap = ns.UIDMap
		}
		if typ == nsfs.PID && ino != 4026531836 {
			ns.Parent = m.SelfPID
		}
		m.Namespaces[ns.ID] = ns
		return ns
	}
	var hostRefs []string
	var hostPIDs []int
	for i := range 10 {
		w := &model.Workload{Ref: fmt.Sprintf("systemd:/system.slice/unit%d.service", i), Engine: "systemd",
			Unit: fmt.Sprintf("unit%d.service", i), OwnerUID: -1, PIDs: []int{10 + i}}
		m.Workloads = append(m.Workloads, w)
		hostRefs = append(hostRefs, w.Ref)
		hostPIDs = append(hostPIDs, 10+i)
	}
	web := &model.Workload{Ref: "docker:" + WebID, Engine: "docker", ID: WebID, Name: "web", OwnerUID: -1, PIDs: []int{100, 101}}
	sandbox := &model.Workload{Ref: "cri-containerd:" + SandboxID, Engine: "cri-containerd", ID: SandboxID, OwnerUID: -1,
		Pod: &model.Pod{Namespace: "kube-system", Name: "coredns-7db6d8ff4d-x2x9q", UID: "0b7c4e1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"}, PIDs: []int{200}}
	coredns := &model.Workload{Ref: "cri-containerd:" + CorednsID, Engine: "cri-containerd", ID: CorednsID, OwnerUID: -1,
		Pod: sandbox.Pod, ContainerName: "coredns", PIDs: []int{201}}
	evil := &model.Workload{Ref: "podman:" + EvilID, Engine: "podman", ID: EvilID, Name: "evil\x1b[31mname", Rootless: true,
		OwnerUID: 1000, OwnerUser: "alice", PIDs: []int{300}}
	resolved := &model.Workload{Ref: "systemd:/system.slice/systemd-resolved.service", Engine: "systemd",
		Unit: "systemd-resolved.service", OwnerUID: -1, PIDs: []int{400}}
	lxc := &model.Workload{Ref: "lxc:c1", Engine: "lxc", Name: "c1", OwnerUID: -1, PIDs: []int{500}}
	nspawn := &model.Workload{Ref: "systemd-nspawn:m1", Engine: "systemd-nspawn", Name: "m1", OwnerUID: -1, PIDs: []int{600}}
	m.Workloads = append(m.Workloads, web, sandbox, coredns, evil, resolved, lxc, nspawn)
	hostRefs = append(hostRefs, web.Ref)

	all := append(append([]int{1}, hostPIDs...), 100, 101, 200, 201, 300, 400, 500, 600)
	add(nsfs.User, 4026531837, hostRefs, all...)
	add(nsfs.PID, 4026531836, hostRefs, append([]int{1}, hostPIDs...)...)
	add(nsfs.Net, 4026531833, hostRefs, append([]int{1}, hostPIDs...)...)
	webNet := add(nsfs.Net, 4026532300, []string{web.Ref}, 100, 101)
	webNet.Holders = []model.Holder{{Kind: model.HolderBindMount, Path: "/run/docker/netns/3f2a9c1b0d4e", MountNS: id(4026531832), Workload: web.Ref}}
	add(nsfs.UTS, 4026532301, []string{web.Ref}, 100, 101)
	add(nsfs.PID, 4026532302, []string{web.Ref}, 100, 101)
	add(nsfs.Net, 4026532400, []string{coredns.Ref, sandbox.Ref}, 200, 201)
	add(nsfs.Mount, 4026532401, []string{coredns.Ref}, 201)
	add(nsfs.Net, 4026532500, []string{evil.Ref}, 300)
	add(nsfs.Mount, 4026532600, []string{resolved.Ref}, 400)
	add(nsfs.Net, 4026532700, []string{lxc.Ref}, 500)
	add(nsfs.Net, 4026532800, []string{nspawn.Ref}, 600)
	sortWorkloads(m)
	return m
}

func sortWorkloads(m *model.Model) {
	ws := m.Workloads
	for i := 1; i < len(ws); i++ {
		for j := i; j > 0 && ws[j].Ref < ws[j-1].Ref; j-- {
			ws[j], ws[j-1] = ws[j-1], ws[j]
		}
	}
	for _, ns := range m.Namespaces {
		r := ns.Workloads
		for i := 1; i < len(r); i++ {
			for j := i; j > 0 && r[j] < r[j-1]; j-- {
				r[j], r[j-1] = r[j-1], r[j]
			}
		}
	}
}
