package nsjson

import (
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// The documented scenario (docs/scenario.md): what a --deep-scan run as
// root on a host sees when one user runs a rootless container, and inside it
// a nested sandbox with its own user and PID namespaces. It is written to
// docs/example.json; the list and dot renderers' tests read it from there.

func id(ino uint64) nsfs.ID { return nsfs.ID{Dev: 4, Ino: ino} }

// Namespaces of the scenario.
var (
	// The host's initial namespaces.
	hostUser   = id(4026531837)
	hostMnt    = id(4026531832)
	hostNet    = id(4026531833)
	hostTime   = id(4026531834)
	hostCgroup = id(4026531835)
	hostPID    = id(4026531836)
	hostUTS    = id(4026531838)
	hostIPC    = id(4026531839)
	// A service's private mount namespace (systemd PrivateTmp=).
	serviceMnt = id(4026532210)
	// A network namespace kept by `ip netns add blue`: no members, only a
	// bind mount at /run/netns/blue.
	blueNet = id(4026532290)

	// The rootless container of user 1000.
	ctrUser   = id(4026532400)
	ctrMnt    = id(4026532401)
	ctrNet    = id(4026532402)
	ctrPID    = id(4026532403)
	ctrUTS    = id(4026532404)
	ctrIPC    = id(4026532405)
	ctrCgroup = id(4026532406)

	// A sandbox nested in the container (`unshare -Urnpf --mount-proc`).
	sandUser = id(4026532500)
	sandMnt  = id(4026532501)
	sandNet  = id(4026532502)
	sandPID  = id(4026532503)
)

func scenario() *model.Model {
	m := model.New()
	m.ToolVersion = "0.1.0"
	m.KernelRelease = "6.18.44"
	m.SelfUser, m.SelfPID = hostUser, hostPID
	nsid := uint64(0)
	add := func(t nsfs.Type, ns nsfs.ID, parent, owner nsfs.ID, pids ...int) *model.Namespace {
		nsid++
		n := &model.Namespace{ID: ns, Type: t, NSID: nsid, Parent: parent, Owner: owner, CreatorUID: -1, PIDs: pids}
		m.Namespaces[ns] = n
		return n
	}
	task := func(pid, ppid, uid int, comm string, nstgid ...int) {
		if nstgid == nil {
			nstgid = []int{pid}
		}
		m.Tasks[pid] = &model.Task{ID: pid, TGID: pid, PPID: ppid, UID: uid, Comm: comm, NStgid: nstgid}
	}
	none := nsfs.ID{}
	host := func(extra ...int) []int { return append([]int{2, 512, 640, 1210, 1300, 1350}, extra...) }

	// PID 1 cannot be inspected on this host (see SPEC.md B); kthreadd (2)
	// is the lowest readable PID.
	m.Skipped = []model.Skip{{PID: 1, Reason: "EACCES"}}
	task(2, 0, 0, "kthreadd")
	task(512, 1, 0, "sshd")
	task(640, 1, 0, "chronyd")
	task(1210, 512, 1000, "bash")
	task(1300, 1210, 1000, "podman")
	task(1350, 1300, 1000, "pasta")
	task(1380, 1, 1000, "catatonit")
	task(1400, 1380, 1000, "catatonit", 1400, 1)
	task(1410, 1400, 100032, "nginx", 1410, 2)
	task(1500, 1400, 1000, "unshare", 1500, 3)
	task(1510, 1500, 1000, "sh", 1510, 4, 1)

	u := add(nsfs.User, hostUser, none, none, host()...)
	u.CreatorUID = 0
	u.UIDMap = []procfs.IDRange{{Inside: 0, Outside: 0, Count: 4294967295}}
	u.GIDMap = u.UIDMap
	add(nsfs.Mount, hostMnt, none, hostUser, 2, 512, 1210, 1300, 1350)
	add(nsfs.Net, hostNet, none, hostUser, host(1380)...)
	add(nsfs.Time, hostTime, none, hostUser, host(1380, 1400, 1410, 1500, 1510)...)
	add(nsfs.Cgroup, hostCgroup, none, hostUser, host(1380)...)
	add(nsfs.PID, hostPID, none, hostUser, host(1380)...)
	add(nsfs.UTS, hostUTS, none, hostUser, host(1380)...)
	add(nsfs.IPC, hostIPC, none, hostUser, host(1380)...)
	add(nsfs.Mount, serviceMnt, none, hostUser, 640)
	blue := add(nsfs.Net, blueNet, none, hostUser)
	blue.Holders = []model.Holder{{Kind: model.HolderBindMount, Path: "/run/netns/blue", MountNS: hostMnt}}

	c := add(nsfs.User, ctrUser, hostUser, none, 1380, 1400, 1410, 1500)
	c.CreatorUID = 1000
	c.UIDMap = []procfs.IDRange{{Inside: 0, Outside: 1000, Count: 1}, {Inside: 1, Outside: 100000, Count: 65536}}
	c.GIDMap = c.UIDMap
	add(nsfs.Mount, ctrMnt, none, ctrUser, 1380, 1400, 1410, 1500)
	cn := add(nsfs.Net, ctrNet, none, ctrUser, 1400, 1410, 1500)
	// pasta (in the host's namespaces) keeps an fd on the container's
	// network namespace to forward its ports.
	cn.Holders = []model.Holder{{Kind: model.HolderFD, PID: 1350, FD: 5}}
	add(nsfs.PID, ctrPID, hostPID, ctrUser, 1400, 1410, 1500)
	add(nsfs.UTS, ctrUTS, none, ctrUser, 1400, 1410, 1500, 1510)
	add(nsfs.IPC, ctrIPC, none, ctrUser, 1400, 1410, 1500, 1510)
	add(nsfs.Cgroup, ctrCgroup, none, ctrUser, 1400, 1410, 1500, 1510)

	s := add(nsfs.User, sandUser, ctrUser, none, 1510)
	s.CreatorUID = 1000
	s.UIDMap = []procfs.IDRange{{Inside: 0, Outside: 1000, Count: 1}}
	s.GIDMap = []procfs.IDRange{{Inside: 0, Outside: 1000, Count: 1}}
	add(nsfs.Mount, sandMnt, none, sandUser, 1510)
	add(nsfs.Net, sandNet, none, sandUser, 1510)
	sp := add(nsfs.PID, sandPID, ctrPID, sandUser, 1510)
	// unshare(1500) is outside the new PID namespace but will fork into it.
	sp.Holders = []model.Holder{{Kind: model.HolderPIDChildren, PID: 1500}}

	m.Sources = []model.SourceReport{
		{Name: "process-links", Ran: true},
		{Name: "thread-links", Ran: true},
		{Name: "for-children", Ran: true},
		{Name: "fds", Ran: true},
		{Name: "bind-mounts", Ran: true},
		{Name: "listns", Reason: "ENOSYS; needs listns(2) (Linux 6.19+)"},
	}
	m.Normalize()
	return m
}
