package workload

import (
	"strings"
	"testing"
)

const (
	id64  = "3f2a9c1b0d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd"
	podU  = "0b7c4e1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
	podU_ = "0b7c4e1e_1c2d_4e5f_8a9b_0c1d2e3f4a5b"
)

// hybrid builds a cgroup file as a v1+v2 hybrid host shows it: every v1
// controller, name=systemd, and the unified line, all with path.
func hybrid(path string) string {
	var b strings.Builder
	for i, c := range []string{"misc", "rdma", "pids", "net_cls,net_prio", "perf_event", "cpuset", "freezer", "hugetlb", "memory", "devices", "blkio", "cpu,cpuacct"} {
		b.WriteString(strings.Join([]string{itoa(13 - i), c, path}, ":") + "\n")
	}
	b.WriteString("1:name=systemd:" + path + "\n0::" + path + "\n")
	return b.String()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return "1" + string(rune('0'+n-10))
}

func TestParseCgroup(t *testing.T) {
	tests := []struct {
		name, file string
		want       Cgroup
	}{
		{"docker cgroupfs v1", hybrid("/docker/" + id64), Cgroup{Engine: Docker, ID: id64}},
		{"docker systemd v2", "0::/system.slice/docker-" + id64 + ".scope\n", Cgroup{Engine: Docker, ID: id64}},
		{"podman cgroupfs", hybrid("/libpod_parent/libpod-" + id64), Cgroup{Engine: Podman, ID: id64}},
		{"podman systemd with container subcgroup", "0::/machine.slice/libpod-" + id64 + ".scope/container\n", Cgroup{Engine: Podman, ID: id64}},
		{"podman conmon is not the container", "0::/machine.slice/libpod-conmon-" + id64 + ".scope\n", Cgroup{Leaf: "libpod-conmon-" + id64 + ".scope", LeafParent: "machine.slice"}},
		{"podman rootless systemd", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id64 + ".scope\n",
			Cgroup{Engine: Podman, ID: id64, OwnerUID: 1000}},
		{"kube cgroupfs besteffort", hybrid("/kubepods/besteffort/pod" + podU + "/" + id64),
			Cgroup{ID: id64, Kube: true, PodUID: podU, QoS: "besteffort"}},
		{"kube cgroupfs burstable", hybrid("/kubepods/burstable/pod" + podU + "/" + id64),
			Cgroup{ID: id64, Kube: true, PodUID: podU, QoS: "burstable"}},
		{"kube cgroupfs guaranteed", hybrid("/kubepods/pod" + podU + "/" + id64),
			Cgroup{ID: id64, Kube: true, PodUID: podU, QoS: "guaranteed"}},
		{"kube systemd containerd burstable", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podU_ + ".slice/cri-containerd-" + id64 + ".scope\n",
			Cgroup{Engine: CRIContainerd, ID: id64, Kube: true, PodUID: podU, QoS: "burstable"}},
		{"kube systemd containerd besteffort", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + podU_ + ".slice/cri-containerd-" + id64 + ".scope\n",
			Cgroup{Engine: CRIContainerd, ID: id64, Kube: true, PodUID: podU, QoS: "besteffort"}},
		{"kube systemd crio guaranteed", "0::/kubepods.slice/kubepods-pod" + podU_ + ".slice/crio-" + id64 + ".scope\n",
			Cgroup{Engine: CRIO, ID: id64, Kube: true, PodUID: podU, QoS: "guaranteed"}},
		{"crio conmon", "0::/kubepods.slice/kubepods-pod" + podU_ + ".slice/crio-conmon-" + id64 + ".scope\n",
			Cgroup{Kube: true, PodUID: podU, QoS: "guaranteed"}},
		{"lxc 4", hybrid("/lxc.payload.web"), Cgroup{Engine: LXC, Name: "web"}},
		{"lxc 4 nested init", "0::/lxc.payload.web/init.scope\n", Cgroup{Engine: LXC, Name: "web"}},
		{"lxc 3", hybrid("/lxc/web"), Cgroup{Engine: LXC, Name: "web"}},
		{"lxc monitor", hybrid("/lxc.monitor.web"), Cgroup{}},
		{"nspawn machined", "0::/machine.slice/machine-my\\x2dbox.scope/payload\n", Cgroup{Engine: Nspawn, Name: "my-box", Payload: true}},
		{"nspawn service", "0::/machine.slice/systemd-nspawn@box.service/payload\n", Cgroup{Engine: Nspawn, Name: "box", Payload: true}},
		{"nspawn keep-unit", hybrid("/tmp-launcher/payload"), Cgroup{Payload: true, Leaf: "payload", LeafParent: "tmp-launcher"}},
		{"systemd service", hybrid("/system.slice/systemd-resolved.service"), Cgroup{Unit: "systemd-resolved.service", Leaf: "systemd-resolved.service", LeafParent: "system.slice"}},
		{"user session", "0::/user.slice/user-1000.slice/session-3.scope\n", Cgroup{Unit: "session-3.scope", OwnerUID: 1000, Leaf: "session-3.scope", LeafParent: "user-1000.slice"}},
		{"user service", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/pipewire.service\n",
			Cgroup{Unit: "pipewire.service", OwnerUID: 1000, Leaf: "pipewire.service", LeafParent: "app.slice"}},
		{"runc bare id", hybrid("/mybox"), Cgroup{Leaf: "mybox"}},
		{"containerd ns/id", hybrid("/default/c1"), Cgroup{Leaf: "c1", LeafParent: "default"}},
		{"root", hybrid("/"), Cgroup{}},
		{"runc v1 relative controllers", "12:pids:/user.slice/c1\n11:memory:/c1\n1:name=systemd:/c1\n0::/c1\n", Cgroup{Leaf: "c1"}},
		{"v1 only docker", "4:memory:/docker/" + id64 + "\n3:cpu:/docker/" + id64 + "\n", Cgroup{Engine: Docker, ID: id64}},
		{"not hex", "0::/docker/zzzz\n", Cgroup{Leaf: "zzzz", LeafParent: "docker"}},
		{"garbage", "no colons here\n::\n", Cgroup{}},
		{"empty", "", Cgroup{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseCgroup([]byte(tc.file))
			want := tc.want
			if want.OwnerUID == 0 {
				want.OwnerUID = -1
			}
			got.Path = ""
			if want.Leaf == "" && want.LeafParent == "" {
				got.Leaf, got.LeafParent = "", ""
			}
			if got != want {
				t.Errorf("ParseCgroup(%q)\n got %+v\nwant %+v", tc.file, got, want)
			}
		})
	}
}

func FuzzParseCgroup(f *testing.F) {
	f.Add([]byte(hybrid("/docker/" + id64)))
	f.Add([]byte("0::/kubepods.slice/kubepods-pod" + podU_ + ".slice/crio-" + id64 + ".scope\n"))
	f.Add([]byte("0::/machine.slice/machine-my\\x2dbox.scope/payload\n"))
	f.Add([]byte("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id64 + ".scope\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := ParseCgroup(data)
		if c.ID != "" && !isHexID(c.ID) {
			t.Errorf("ID %q is not a 64-digit hex ID", c.ID)
		}
		if c.Container() && c.Unit != "" {
			t.Errorf("a container path also names unit %q", c.Unit)
		}
		if !strings.Contains(string(data), c.Path) {
			t.Errorf("path %q is not from the input", c.Path)
		}
	})
}
