package workload

import (
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// attributeFixture runs ReadProcess and Attribute over a fixture tree
// testdata/<name>: proc/PID/{cgroup,stat,cmdline} and the engines' state
// below it. Each PID gets a net namespace of its own (inode 1000+PID), and
// pairs listed in shared share one (as a pod's containers share the
// sandbox's).
func attributeFixture(t *testing.T, name string, holders ...model.Holder) (*model.Model, map[int]string) {
	t.Helper()
	root := filepath.Join("testdata", name)
	procFD, err := unix.Open(filepath.Join(root, "proc"), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(procFD)
	entries, err := filepath.Glob(filepath.Join(root, "proc", "*", "cgroup"))
	if err != nil {
		t.Fatal(err)
	}
	m := model.New()
	var facts []Process
	for _, e := range entries {
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(e)))
		p, ok := ReadProcess(procFD, pid)
		if !ok {
			t.Fatalf("ReadProcess(%d) failed", pid)
		}
		facts = append(facts, p)
		id := nsfs.ID{Dev: 4, Ino: uint64(1000 + pid)}
		m.Namespaces[id] = &model.Namespace{ID: id, Type: nsfs.Net, PIDs: []int{pid}}
	}
	if len(holders) > 0 {
		id := nsfs.ID{Dev: 4, Ino: 99}
		m.Namespaces[id] = &model.Namespace{ID: id, Type: nsfs.Net, Holders: holders}
	}
	Attribute(m, facts, Options{ProcFD: procFD, Root: root})
	labels := map[int]string{}
	for _, ns := range m.Namespaces {
		ws := m.NamespaceWorkloads(ns)
		if len(ns.PIDs) == 1 && len(ws) == 1 {
			labels[ns.PIDs[0]] = ws[0].Label(strconv.Quote)
		} else if len(ns.PIDs) == 1 && len(ws) > 1 {
			t.Errorf("PID %d has %d workloads", ns.PIDs[0], len(ws))
		}
	}
	return m, labels
}

func checkLabels(t *testing.T, got, want map[int]string) {
	t.Helper()
	for pid, w := range want {
		if got[pid] != w {
			t.Errorf("PID %d: got %q, want %q", pid, got[pid], w)
		}
	}
	for pid, g := range got {
		if _, ok := want[pid]; !ok {
			t.Errorf("PID %d: unexpected workload %q", pid, g)
		}
	}
}

func TestKubernetesFixtures(t *testing.T) {
	const (
		sb  = "a000000000000000000000000000000000000000000000000000000000000001"
		c1  = "a000000000000000000000000000000000000000000000000000000000000002"
		u1  = "0b7c4e1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
		u2  = "1c8d5f2f-2d3e-4f60-9bac-1d2e3f4a5b6c"
		cni = "/var/run/netns/cni-6f1c3a2e-0000-1111-2222-333344445555"
	)
	t.Run("containerd systemd driver", func(t *testing.T) {
		m, got := attributeFixture(t, "k8s-containerd-systemd", model.Holder{Kind: model.HolderBindMount, Path: cni})
		checkLabels(t, got, map[int]string{
			100: `pod "kube-system/coredns-7db6d8ff4d-x2x9q", sandbox ("a00000000000")`,
			101: `pod "kube-system/coredns-7db6d8ff4d-x2x9q", container "coredns" ("a00000000000")`,
			200: `pod "default/web-0", sandbox ("a00000000000")`,
			201: `pod "default/web-0", container "nginx" ("a00000000000")`,
		})
		w := m.Workload("cri-containerd:" + c1)
		if w == nil || w.Engine != CRIContainerd || w.Pod.UID != u1 || !slices.Equal(w.PIDs, []int{101}) {
			t.Errorf("container coredns: %+v", w)
		}
		if w := m.Workload("cri-containerd:" + sb); w == nil || w.Pod.UID != u1 || w.ContainerName != "" {
			t.Errorf("sandbox: %+v", w)
		}
		// The CNI bind mount of the sandbox's netns names the sandbox.
		if h := m.Namespaces[nsfs.ID{Dev: 4, Ino: 99}].Holders[0]; h.Workload != "cri-containerd:"+sb {
			t.Errorf("CNI netns bind mount attributed to %q", h.Workload)
		}
		if w := m.Workload("cri-containerd:a000000000000000000000000000000000000000000000000000000000000004"); w == nil || w.Pod.UID != u2 || w.Pod.Name != "web-0" {
			t.Errorf("guaranteed pod's container: %+v", w)
		}
	})
	t.Run("containerd cgroupfs driver", func(t *testing.T) {
		_, got := attributeFixture(t, "k8s-containerd-cgroupfs")
		checkLabels(t, got, map[int]string{300: `pod "batch/job-x", container "worker" ("a00000000000")`})
	})
	t.Run("cri-o systemd driver", func(t *testing.T) {
		m, got := attributeFixture(t, "k8s-crio-systemd")
		checkLabels(t, got, map[int]string{400: `pod "default/web-0", container "nginx" ("a00000000000")`})
		if m.Workloads[0].Engine != CRIO {
			t.Errorf("engine %q", m.Workloads[0].Engine)
		}
	})
	t.Run("cri-o cgroupfs driver", func(t *testing.T) {
		m, got := attributeFixture(t, "k8s-crio-cgroupfs")
		checkLabels(t, got, map[int]string{500: `pod "monitoring/node-exporter-abcde", container "node-exporter" ("a00000000000")`})
		if m.Workloads[0].Engine != CRIO || m.Workloads[0].Pod.UID != u1 {
			t.Errorf("workload %+v", m.Workloads[0])
		}
	})
}

func TestSystemdFixtures(t *testing.T) {
	m, got := attributeFixture(t, "systemd")
	checkLabels(t, got, map[int]string{
		10: `systemd "systemd-resolved.service"`,
		11: `systemd "session-3.scope"`,
		12: `systemd "pipewire.service"`,
		13: `systemd "cron.service"`,
	})
	w := m.Workload("systemd:/user.slice/user-1000.slice/session-3.scope")
	if w == nil || w.OwnerUID != 1000 || w.OwnerUser != "alice" || w.Rootless {
		t.Errorf("session scope: %+v", w)
	}
}

func TestEngineFixtures(t *testing.T) {
	const docker = "a000000000000000000000000000000000000000000000000000000000000008"
	m, got := attributeFixture(t, "engines",
		model.Holder{Kind: model.HolderBindMount, Path: "/run/docker/netns/a00000000000"},
		model.Holder{Kind: model.HolderBindMount, Path: "/run/netns/netns-0a1b2c3d-0000-1111-2222-333344445555"})
	checkLabels(t, got, map[int]string{
		600: `docker "web" ("a00000000000")`,
		610: `podman "db" ("a00000000000")`,
		620: `podman "alices-box" ("a00000000000"), rootless "alice"`,
		631: `podman "viaconmon" ("a00000000000")`,
		640: `lxc "c1"`,
		651: `systemd-nspawn "box1"`,
		652: `systemd-nspawn "box1"`,
		660: `runc "c1"`,
		670: `containerd "ctr1"`,
	})
	hs := m.Namespaces[nsfs.ID{Dev: 4, Ino: 99}].Holders
	if hs[0].Workload != "docker:"+docker || hs[1].Workload != "podman:a000000000000000000000000000000000000000000000000000000000000009" {
		t.Errorf("engine bind mounts attributed to %q, %q", hs[0].Workload, hs[1].Workload)
	}
	if w := m.Workload("podman:a00000000000000000000000000000000000000000000000000000000000000a"); w == nil || w.OwnerUID != 1000 {
		t.Errorf("rootless: %+v", w)
	}
}
