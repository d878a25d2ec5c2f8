package model

import (
	"sort"
	"strconv"
	"strings"
)

// Workload is whose processes are: a container, a Kubernetes pod's
// container, or a systemd service or scope. It is derived from the host
// alone (cgroup paths, parent processes, engines' state files), never from
// a daemon. Text fields come from files other users may write: renderers
// escape them.
type Workload struct {
	// Ref identifies the workload within the model; namespaces and holders
	// refer to it. It is "<engine>:<id>" for containers, "<engine>:<name>"
	// for containers known only by name, and "systemd:<cgroup path>" for
	// systemd units.
	Ref string
	// Engine is what runs it: docker, podman, containerd, cri-containerd,
	// cri-o, runc, crun, lxc, systemd-nspawn, or systemd.
	Engine string
	// ID is the engine's container ID ("" for systemd units and engines
	// that name containers only).
	ID string
	// Name is the container's name ("" when not known).
	Name string
	// Pod is the Kubernetes pod, nil outside Kubernetes.
	Pod *Pod
	// ContainerName is the Kubernetes container name ("" for the pod's
	// sandbox).
	ContainerName string
	// Unit is the systemd unit (service or scope) for systemd workloads.
	Unit string
	// Rootless is set for a container run by an unprivileged user.
	Rootless bool
	// OwnerUID is the rootless owner's UID, or the UID of a user session's
	// unit; -1 when none.
	OwnerUID int
	// OwnerUser is OwnerUID's user name, "" when unknown.
	OwnerUser string
	// PIDs are the scanned processes that belong to the workload, sorted.
	PIDs []int
}

// Pod is a Kubernetes pod.
type Pod struct {
	Namespace, Name, UID string
}

// ShortID is the first 12 characters of a hex container ID, as engines
// print it.
func (w *Workload) ShortID() string {
	if len(w.ID) > 12 {
		return w.ID[:12]
	}
	return w.ID
}

// Label is how outputs name the workload in one line, e.g.
// "docker web (3f2a9c1b0d4e)", "pod kube-system/coredns-x2x9q, container
// coredns", "systemd systemd-resolved.service". escape is applied to every
// piece of text that came from a file or another process.
func (w *Workload) Label(escape func(string) string) string {
	var b strings.Builder
	switch {
	case w.Pod != nil:
		b.WriteString("pod ")
		b.WriteString(escape(w.Pod.Namespace + "/" + w.Pod.Name))
		if w.ContainerName != "" {
			b.WriteString(", container ")
			b.WriteString(escape(w.ContainerName))
		} else {
			b.WriteString(", sandbox")
		}
		if w.ID != "" {
			b.WriteString(" (")
			b.WriteString(escape(w.ShortID()))
			b.WriteByte(')')
		}
	case w.Unit != "":
		b.WriteString(w.Engine)
		b.WriteByte(' ')
		b.WriteString(escape(w.Unit))
	default:
		b.WriteString(w.Engine)
		b.WriteByte(' ')
		switch {
		case w.Name != "" && w.ID != "" && w.Name != w.ID:
			b.WriteString(escape(w.Name))
			b.WriteString(" (")
			b.WriteString(escape(w.ShortID()))
			b.WriteByte(')')
		case w.Name != "":
			b.WriteString(escape(w.Name))
		default:
			b.WriteString(escape(w.ShortID()))
		}
	}
	if w.Rootless {
		b.WriteString(", rootless ")
		if w.OwnerUser != "" {
			b.WriteString(escape(w.OwnerUser))
		} else {
			b.WriteString("uid ")
			b.WriteString(strconv.Itoa(w.OwnerUID))
		}
	}
	return b.String()
}

// Display is the short name list columns show: the container name, else
// the short ID, else the unit.
func (w *Workload) Display() string {
	switch {
	case w.Name != "":
		return w.Name
	case w.ID != "":
		return w.ShortID()
	}
	return w.Unit
}

// Workload returns the workload with the given ref, or nil.
func (m *Model) Workload(ref string) *Workload {
	i := sort.Search(len(m.Workloads), func(i int) bool { return m.Workloads[i].Ref >= ref })
	if i < len(m.Workloads) && m.Workloads[i].Ref == ref {
		return m.Workloads[i]
	}
	return nil
}

// NamespaceWorkloads returns the workloads ns refers to, in ref order.
func (m *Model) NamespaceWorkloads(ns *Namespace) []*Workload {
	out := make([]*Workload, 0, len(ns.Workloads))
	for _, ref := range ns.Workloads {
		if w := m.Workload(ref); w != nil {
			out = append(out, w)
		}
	}
	return out
}

// IsContainer reports whether the workload is a container or pod rather
// than a systemd unit.
func (w *Workload) IsContainer() bool { return w.Engine != "systemd" }

// MaxListedWorkloads is how many workloads outputs list under one
// namespace; a namespace shared by more (the host's own, typically) shows a
// count per engine instead.
const MaxListedWorkloads = 8

// WorkloadLines returns what outputs print for ns's workloads: one
// [Workload.Label] each, or for more than [MaxListedWorkloads] one line
// "workloads: docker 3, systemd 41" (engines in name order).
func (m *Model) WorkloadLines(ns *Namespace, escape func(string) string) []string {
	ws := m.NamespaceWorkloads(ns)
	if len(ws) <= MaxListedWorkloads {
		out := make([]string, len(ws))
		for i, w := range ws {
			out[i] = w.Label(escape)
		}
		return out
	}
	count := map[string]int{}
	var engines []string
	for _, w := range ws {
		if count[w.Engine] == 0 {
			engines = append(engines, w.Engine)
		}
		count[w.Engine]++
	}
	sort.Strings(engines)
	var b strings.Builder
	b.WriteString("workloads: ")
	for i, e := range engines {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e)
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(count[e]))
	}
	return []string{b.String()}
}
