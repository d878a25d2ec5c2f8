package workload

import (
	"bytes"
	"strconv"
	"strings"
)

// Cgroup is what a process's cgroup path says about whose it is.
type Cgroup struct {
	// Path is the cgroup path the rest was read from: the cgroup v2 path
	// when it names something, else the systemd (name=systemd) one, else
	// the first v1 path that names a container.
	Path string
	// Engine is the engine the path names ("" when the path alone cannot
	// tell, as for Kubernetes' cgroupfs layout or a bare /<id>).
	Engine string
	// ID is the container ID the path names.
	ID string
	// Name is a container name the path names (LXC, systemd-nspawn
	// machines registered with systemd-machined).
	Name string
	// Kube: the path is below kubepods; PodUID and QoS (guaranteed,
	// burstable, besteffort) describe the pod.
	Kube        bool
	PodUID, QoS string
	// Unit is the innermost systemd service or scope that is not an
	// engine's container scope.
	Unit string
	// OwnerUID is the user of a user-UID.slice or user@UID.service
	// (rootless engines, user sessions); -1 when none.
	OwnerUID int
	// Payload: the path ends in "payload", as systemd-nspawn --keep-unit
	// names its container's cgroup below its own.
	Payload bool
	// Leaf and LeafParent are the path's last two components, for engines
	// whose cgroup is a bare /<id> (runc, crun) or /<namespace>/<id>
	// (containerd's ctr); the caller checks them against the engines'
	// state directories.
	Leaf, LeafParent string
}

// Container reports whether the path alone names a container (by ID or
// name), so that no parent process needs to be read.
func (c *Cgroup) Container() bool { return c.ID != "" || c.Name != "" }

// ParseCgroup reads /proc/PID/cgroup: lines "hierarchy-ID:controllers:path"
// for cgroup v1, "0::path" for v2, both on hybrid hosts. The v2 path is
// preferred, then name=systemd, then any v1 path that names a container
// (runc puts some v1 controllers relative to its caller's cgroup, so they
// can disagree).
func ParseCgroup(data []byte) Cgroup {
	var v2, systemd []byte
	var others [][]byte
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		first := bytes.IndexByte(line, ':')
		if first < 0 {
			continue
		}
		second := bytes.IndexByte(line[first+1:], ':')
		if second < 0 {
			continue
		}
		controllers := line[first+1 : first+1+second]
		path := line[first+2+second:]
		switch {
		case len(controllers) == 0 && string(line[:first]) == "0":
			v2 = path
		case string(controllers) == "name=systemd":
			systemd = path
		default:
			others = append(others, path)
		}
	}
	var fallback Cgroup
	found := false
	for _, p := range [][]byte{v2, systemd} {
		if p == nil {
			continue
		}
		c := ClassifyPath(string(p))
		if c.Container() {
			return c
		}
		if !found || fallback.Unit == "" && c.Unit != "" || fallback.Path == "/" && c.Path != "/" {
			fallback, found = c, true
		}
	}
	for i, p := range others {
		// Identical paths (every v1 controller of a container) are
		// classified once.
		if i > 0 && bytes.Equal(p, others[i-1]) || bytes.Equal(p, v2) || bytes.Equal(p, systemd) {
			continue
		}
		c := ClassifyPath(string(p))
		if c.Container() {
			return c
		}
		if !found || fallback.Path == "/" && c.Path != "/" {
			fallback, found = c, true
		}
	}
	if !found {
		fallback.OwnerUID = -1
	}
	return fallback
}

// ClassifyPath reads one cgroup path. The layouts it knows, and where each
// comes from:
//
//   - docker: "/docker/<id64>" (cgroupfs driver, moby's default on cgroup
//     v1) and "/system.slice/docker-<id64>.scope" (systemd driver); moby
//     daemon/oci and CONTAINERS.md.
//   - podman: "/libpod_parent/libpod-<id64>" (cgroupfs manager),
//     "machine.slice/libpod-<id64>.scope" and, rootless,
//     "user.slice/user-U.slice/user@U.service/user.slice/libpod-<id64>.scope"
//     (systemd manager); podman's libpod cgroup naming and CONTAINERS.md.
//     "libpod-conmon-<id>.scope" is conmon's, not the container's.
//   - Kubernetes (kubelet's cgroup manager, pkg/kubelet/cm): cgroupfs driver
//     "/kubepods[/burstable|/besteffort]/pod<uid>/<id64>"; systemd driver
//     "/kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid with
//     _ for ->.slice/<runtime>-<id64>.scope" where containerd's CRI plugin
//     uses "cri-containerd-" and CRI-O "crio-" (both runtimes' cgroup
//     code; Falco's and cadvisor's container matchers list the same).
//     Guaranteed pods have no QoS level.
//   - LXC: "/lxc.payload.<name>" (LXC 4+), "/lxc.payload/<name>",
//     "/lxc/<name>" (LXC 3 and older); "lxc.monitor.<name>" is the monitor.
//   - systemd-nspawn: "<launcher's cgroup>/payload" with --keep-unit
//     (CONTAINERS.md), "machine.slice/machine-<name>.scope" or
//     "machine.slice/systemd-nspawn@<name>.service" when registered.
//   - systemd units: the innermost "*.service" or "*.scope" component,
//     e.g. "/system.slice/NAME.service", "/user.slice/user-U.slice/session-N.scope",
//     "/user.slice/user-U.slice/user@U.service/app.slice/NAME.service"
//     (systemd.special(7), systemd.slice(5)); user-U.slice and user@U.service
//     give the owner.
//   - runc/crun "/<id>" and containerd "/<namespace>/<id>" are not
//     recognisable from the path alone; see Leaf.
func ClassifyPath(path string) Cgroup {
	c := Cgroup{Path: path, OwnerUID: -1}
	rest := strings.Trim(path, "/")
	var prev string
	for rest != "" {
		comp := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			comp, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		c.component(comp, prev)
		c.LeafParent, c.Leaf = prev, comp
		prev = comp
	}
	if c.Kube && c.PodUID != "" && c.QoS == "" {
		c.QoS = "guaranteed"
	}
	if c.Container() {
		c.Unit = ""
	}
	return c
}

// component reads one path component; prev is the one before it.
func (c *Cgroup) component(comp, prev string) {
	switch {
	case comp == "kubepods" || comp == "kubepods.slice":
		c.Kube = true
	case c.Kube && (comp == "burstable" || comp == "besteffort"):
		c.QoS = comp
	case c.Kube && (comp == "kubepods-burstable.slice" || comp == "kubepods-besteffort.slice"):
		c.QoS = strings.TrimSuffix(strings.TrimPrefix(comp, "kubepods-"), ".slice")
	case c.Kube && strings.HasPrefix(comp, "pod") && !strings.HasSuffix(comp, ".slice"):
		c.PodUID = comp[len("pod"):]
	case c.Kube && strings.HasPrefix(comp, "kubepods-") && strings.HasSuffix(comp, ".slice") && strings.Contains(comp, "pod"):
		uid := comp[strings.LastIndex(comp, "pod")+len("pod") : len(comp)-len(".slice")]
		c.PodUID = strings.ReplaceAll(uid, "_", "-")
	case c.Kube && c.PodUID != "" && isHexID(comp):
		c.ID = comp // cgroupfs driver: the runtime is found from its state
	case prev == "docker" && isHexID(comp):
		c.Engine, c.ID = Docker, comp
	case scopeID(comp, "docker-") != "":
		c.Engine, c.ID = Docker, scopeID(comp, "docker-")
	case strings.HasPrefix(comp, "libpod-conmon-") || strings.HasPrefix(comp, "crio-conmon-"):
		// conmon's own cgroup: not in the container's namespaces.
	case scopeID(comp, "libpod-") != "":
		c.Engine, c.ID = Podman, scopeID(comp, "libpod-")
	case scopeID(comp, "cri-containerd-") != "":
		c.Engine, c.ID = CRIContainerd, scopeID(comp, "cri-containerd-")
	case scopeID(comp, "crio-") != "":
		c.Engine, c.ID = CRIO, scopeID(comp, "crio-")
	case strings.HasPrefix(comp, "lxc.payload.") && len(comp) > len("lxc.payload."):
		c.Engine, c.Name = LXC, comp[len("lxc.payload."):]
	case (prev == "lxc.payload" || prev == "lxc") && comp != "" && !c.Container():
		c.Engine, c.Name = LXC, comp
	case strings.HasPrefix(comp, "machine-") && strings.HasSuffix(comp, ".scope") && !c.Container():
		c.Engine, c.Name = Nspawn, unescapeUnit(comp[len("machine-"):len(comp)-len(".scope")])
	case strings.HasPrefix(comp, "systemd-nspawn@") && strings.HasSuffix(comp, ".service"):
		c.Engine, c.Name = Nspawn, unescapeUnit(comp[len("systemd-nspawn@"):len(comp)-len(".service")])
	case comp == "payload":
		c.Payload = true
	case strings.HasPrefix(comp, "user-") && strings.HasSuffix(comp, ".slice"):
		if uid, err := strconv.Atoi(comp[len("user-") : len(comp)-len(".slice")]); err == nil && uid >= 0 {
			c.OwnerUID = uid
		}
		c.Unit = ""
	case strings.HasPrefix(comp, "user@") && strings.HasSuffix(comp, ".service"):
		if uid, err := strconv.Atoi(comp[len("user@") : len(comp)-len(".service")]); err == nil && uid >= 0 {
			c.OwnerUID = uid
		}
		c.Unit = comp
	case strings.HasSuffix(comp, ".service") || strings.HasSuffix(comp, ".scope"):
		c.Unit = comp
	}
}

// scopeID returns the ID of a component "<prefix><id64>[.scope]", or "".
func scopeID(comp, prefix string) string {
	if !strings.HasPrefix(comp, prefix) {
		return ""
	}
	id := strings.TrimSuffix(comp[len(prefix):], ".scope")
	if !isHexID(id) {
		return ""
	}
	return id
}

// isHexID reports whether s is a 64-digit lower-case hex container ID.
func isHexID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// unescapeUnit undoes systemd's \xNN escaping of unit name parts
// (systemd-escape(1)); a malformed escape is kept as it is.
func unescapeUnit(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
