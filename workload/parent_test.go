package workload

import (
	"strings"
	"testing"
)

func argv(args ...string) []byte { return []byte(strings.Join(args, "\x00") + "\x00") }

func TestParseParent(t *testing.T) {
	tests := []struct {
		name    string
		cmdline []byte
		want    Parent
	}{
		{"conmon (podman)", argv("/usr/bin/conmon", "--api-version", "1", "-c", id64, "-u", id64, "-r", "/usr/bin/runc",
			"-b", "/var/lib/containers/storage/overlay-containers/"+id64+"/userdata", "-p", "/run/pidfile", "-n", "web",
			"--exit-dir", "/run/libpod/exits", "--syslog", "--log-level", "warning"),
			Parent{Engine: Podman, ID: id64, Name: "web"}},
		{"conmon long options", argv("conmon", "--cid="+id64, "--name=db"), Parent{Engine: Podman, ID: id64, Name: "db"}},
		{"conmon (cri-o)", argv("/usr/bin/conmon", "-b", "/run/containers/storage/overlay-containers/"+id64+"/userdata",
			"-c", id64, "--exit-dir", "/var/run/crio/exits", "-n", "k8s_coredns_coredns-x_kube-system_uid_0"),
			Parent{Engine: CRIO, ID: id64, Name: "k8s_coredns_coredns-x_kube-system_uid_0"}},
		{"conmon without id", argv("conmon", "--version"), Parent{}},
		{"docker shim", argv("/usr/bin/containerd-shim-runc-v2", "-namespace", "moby", "-id", id64, "-address", "/run/containerd/containerd.sock"),
			Parent{Engine: Docker, ID: id64, Namespace: "moby"}},
		{"ctr shim", argv("/usr/bin/containerd-shim-runc-v2", "-namespace", "default", "-id", "c1", "-address", "/run/containerd/containerd.sock"),
			Parent{Engine: Containerd, ID: "c1", Namespace: "default"}},
		{"kubernetes shim", argv("containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", id64),
			Parent{Engine: CRIContainerd, ID: id64, Namespace: "k8s.io"}},
		{"lxc monitor", []byte("[lxc monitor] /var/lib/lxc web\x00\x00\x00"), Parent{Engine: LXC, Name: "web"}},
		{"lxc monitor split", argv("[lxc", "monitor]", "/var/lib/lxc", "web"), Parent{Engine: LXC, Name: "web"}},
		{"nspawn -M", argv("systemd-nspawn", "-D", "/tmp/r", "-M", "box1", "--register=no", "--keep-unit", "--", "/bin/sleep", "1000"),
			Parent{Engine: Nspawn, Name: "box1"}},
		{"nspawn -Mname", argv("systemd-nspawn", "-Mbox2", "-D/tmp/r"), Parent{Engine: Nspawn, Name: "box2"}},
		{"nspawn --machine=", argv("/usr/bin/systemd-nspawn", "--machine=box3", "-D", "/tmp/r"), Parent{Engine: Nspawn, Name: "box3"}},
		{"nspawn directory name", argv("systemd-nspawn", "-D", "/var/lib/machines/deb/", "--keep-unit"), Parent{Engine: Nspawn, Name: "deb"}},
		{"nspawn -M after --", argv("systemd-nspawn", "-D", "/r", "--", "-M", "x"), Parent{Engine: Nspawn, Name: "r"}},
		{"bash", argv("/bin/bash", "-c", "conmon -c x"), Parent{}},
		{"empty", nil, Parent{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseParent(tc.cmdline); got != tc.want {
				t.Errorf("ParseParent(%q)\n got %+v\nwant %+v", tc.cmdline, got, tc.want)
			}
		})
	}
}

func FuzzParseParent(f *testing.F) {
	f.Add(argv("conmon", "-c", id64, "-n", "web"))
	f.Add(argv("containerd-shim-runc-v2", "-namespace", "moby", "-id", id64))
	f.Add([]byte("[lxc monitor] /var/lib/lxc web"))
	f.Add(argv("systemd-nspawn", "-Mx", "-D", "/r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := ParseParent(data)
		if p.Found() && p.ID == "" && p.Name == "" {
			t.Errorf("found %+v without an ID or a name", p)
		}
	})
}
