package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
)

// testName makes container names unique to this run, so that tests of
// other work on the machine are never confused with ours.
func testName(base string) string { return fmt.Sprintf("nsof-%s-%d", base, os.Getpid()) }

// startInSession starts cmd in a session of its own (setsid), and stops it
// when the test ends: SIGTERM, then SIGKILL after 30 s. The channel closes
// when it has exited.
func startInSession(t *testing.T, cmd *exec.Cmd) <-chan struct{} {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		engineUnavailable(t, "start %s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	return exited
}

// startDaemon starts an engine daemon in its own session (setsid), waits
// until ready answers, and stops it (SIGTERM, then SIGKILL) when the test
// ends.
func startDaemon(t *testing.T, ready func() bool, name string, args ...string) {
	t.Helper()
	logf, err := os.Create(filepath.Join(nstest.TempDir(t), filepath.Base(name)+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	t.Cleanup(func() { logf.Close() })
	exited := startInSession(t, cmd)
	dead := func() bool {
		select {
		case <-exited:
			return true
		default:
			return false
		}
	}
	if !waitFor(30*time.Second, func() bool { return dead() || ready() }) || dead() {
		log, _ := os.ReadFile(logf.Name())
		engineUnavailable(t, "%s did not become ready:\n%s", name, log)
	}
}

func TestEngineDocker(t *testing.T) {
	requireEngines(t)
	dockerd := needBinary(t, "/usr/sbin/dockerd", "dockerd")
	cli := needBinary(t, "/usr/bin/docker", "docker")
	if _, err := os.Stat("/var/run/docker.pid"); err == nil {
		engineUnavailable(t, "another dockerd runs on this machine (/var/run/docker.pid)")
	}
	sock := "unix:///run/" + testName("docker") + ".sock"
	docker := func(args ...string) []string { return append([]string{"-H", sock}, args...) }
	// The default data root, so that the tool finds config.v2.json where
	// docker keeps it; no bridge or iptables (nothing to route here).
	startDaemon(t, func() bool { return exec.Command(cli, docker("info")...).Run() == nil },
		dockerd, "-H", sock, "--iptables=false", "--ip6tables=false", "--bridge=none")
	t.Cleanup(func() { removeEmptyCgroups("docker") })
	image := testName("bbx") + ":latest"
	sh(t, 2*time.Minute, cli, docker("import", rootfsTar(t, busyboxRootfs(t)), image)...)
	t.Cleanup(func() { try(cli, docker("rmi", "-f", image)...) })

	var cs []started
	for _, base := range []string{"web", "db"} {
		name := testName(base)
		t.Cleanup(func() { try(cli, docker("rm", "-f", name)...) })
		id := sh(t, 2*time.Minute, cli, docker("run", "-d", "--name", name, "--network", "none", image, "sleep", "1000")...)
		pid := atoi(t, sh(t, time.Minute, cli, docker("inspect", "-f", "{{.State.Pid}}", name)...))
		cs = append(cs, started{engine: "docker", name: name, id: id, pid: pid})
	}
	checkContainers(t, cs)

	// Acceptance 2: docker's netns bind mount names its container.
	m := runJSON(t, "--deep-scan", "--holders", "--containers")
	for _, c := range cs {
		netns := nsfs.ID{Dev: nsfsDev(t), Ino: nstest.NS(t, c.pid, "net")}
		w, path := holderWorkload(m, netns, "/run/docker/netns/")
		if w == nil || w.Name != c.name || w.ID != c.id {
			t.Errorf("%v: bind mount %q of its netns is attributed to %+v", c, path, w)
		}
	}
	tree := runText(t, "--deep-scan", "--holders", "--containers", "--no-pids")
	for _, c := range cs {
		if !strings.Contains(tree, "made for docker "+c.name+" ("+c.id[:12]+")") {
			t.Errorf("%v: the tree does not name its netns bind mount's container:\n%s", c, tree)
		}
	}
}

// podmanArgs are the flags every podman container needs on these hosts
// (CONTAINERS.md: crun refuses the cgroup hybrid; RLIMIT_NOFILE is capped).
var podmanArgs = []string{"--runtime", "runc", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"}

func TestEnginePodman(t *testing.T) {
	requireEngines(t)
	podman := needBinary(t, "/usr/bin/podman", "podman")
	image := "localhost/" + testName("bbx") + ":latest"
	sh(t, 2*time.Minute, podman, "import", rootfsTar(t, busyboxRootfs(t)), image)
	t.Cleanup(func() {
		try(podman, "rmi", "-f", image)
		removeEmptyCgroups("libpod_parent")
	})

	var cs []started
	// The second container is on podman's default bridge network, whose
	// netns podman bind-mounts at /run/netns/netns-<uuid>.
	for i, base := range []string{"web", "db"} {
		name := testName("p" + base)
		t.Cleanup(func() { try(podman, "rm", "-f", "-t", "0", name) })
		args := append([]string{"run", "-d", "--name", name}, podmanArgs...)
		if i == 0 {
			args = append(args, "--network", "none")
		}
		id := sh(t, 2*time.Minute, podman, append(args, image, "sleep", "1000")...)
		pid := atoi(t, sh(t, time.Minute, podman, "inspect", "-f", "{{.State.Pid}}", name))
		cs = append(cs, started{engine: "podman", name: name, id: id, pid: pid})
	}
	checkContainers(t, cs)

	// Acceptance 2: the bridge network's bind mount names its container.
	m := runJSON(t, "--deep-scan", "--holders", "--containers")
	c := cs[1]
	netns := nsfs.ID{Dev: nsfsDev(t), Ino: nstest.NS(t, c.pid, "net")}
	if w, path := holderWorkload(m, netns, "/run/netns/netns-"); w == nil || w.Name != c.name || w.ID != c.id {
		t.Errorf("%v: bind mount %q of its netns is attributed to %+v", c, path, w)
	}
}

func TestEngineRunc(t *testing.T) {
	requireEngines(t)
	runc := needBinary(t, "/usr/sbin/runc", "runc")
	var cs []started
	for _, base := range []string{"web", "db"} {
		id := testName("r" + base)
		bundle := filepath.Join(nstest.TempDir(t), id)
		os.MkdirAll(bundle, 0o755)
		sh(t, time.Minute, "cp", "-a", busyboxRootfs(t), filepath.Join(bundle, "rootfs"))
		cmd := exec.Command(runc, "spec")
		cmd.Dir = bundle
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("runc spec: %v\n%s", err, out)
		}
		cfgPath := filepath.Join(bundle, "config.json")
		cfg, _ := os.ReadFile(cfgPath)
		cfg = []byte(strings.Replace(strings.Replace(string(cfg), `"terminal": true`, `"terminal": false`, 1), `"sh"`, `"sleep", "1000"`, 1))
		os.WriteFile(cfgPath, cfg, 0o644)
		t.Cleanup(func() { try(runc, "delete", "-f", id) })
		// The container inherits runc's stdio: give it files, not the
		// pipes Output would wait on.
		run := exec.Command(runc, "run", "-d", id)
		run.Dir = bundle
		logPath := filepath.Join(bundle, "runc.log")
		logf, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		run.Stdout, run.Stderr = logf, logf
		err = run.Run()
		logf.Close()
		if err != nil {
			out, _ := os.ReadFile(logPath)
			engineUnavailable(t, "runc run: %v\n%s", err, out)
		}
		state := sh(t, time.Minute, runc, "state", id)
		var pid int
		fmt.Sscanf(state[strings.Index(state, `"pid":`)+len(`"pid":`):], "%d", &pid)
		cs = append(cs, started{engine: "runc", name: id, id: id, pid: pid})
	}
	checkContainers(t, cs)
}

func TestEngineLXC(t *testing.T) {
	requireEngines(t)
	lxcExecute := needBinary(t, "/usr/bin/lxc-execute", "lxc-execute")
	var cs []started
	for _, base := range []string{"web", "db"} {
		name := testName("l" + base)
		dir := nstest.TempDir(t)
		root := filepath.Join(dir, "rootfs")
		sh(t, time.Minute, "cp", "-a", busyboxRootfs(t), root)
		conf := filepath.Join(dir, "lxc.conf")
		os.WriteFile(conf, []byte("lxc.rootfs.path = dir:"+root+"\nlxc.uts.name = "+name+
			"\nlxc.net.0.type = empty\nlxc.mount.auto = proc:mixed sys:ro cgroup:mixed\nlxc.autodev = 1\n"), 0o644)
		t.Cleanup(func() {
			try("lxc-stop", "-n", name, "-k")
			try("lxc-destroy", "-n", name)
			for _, d := range cgroupDirs("lxc.payload." + name) {
				removeCgroup(d)
			}
			// Shared by every LXC container: removed only when empty,
			// which it becomes shortly after the container stops.
			for _, d := range cgroupDirs("lxc.pivot") {
				waitFor(10*time.Second, func() bool { os.Remove(d); return !isDir(d) })
			}
		})
		if err := exec.Command(lxcExecute, "-d", "-n", name, "-f", conf, "--", "sleep", "1000").Run(); err != nil {
			engineUnavailable(t, "lxc-execute: %v", err)
		}
		var pid int
		waitFor(30*time.Second, func() bool {
			out, _ := exec.Command("lxc-info", "-n", name, "-p", "-H").Output()
			fmt.Sscanf(string(out), "%d", &pid)
			return pid > 0
		})
		if pid == 0 {
			t.Fatalf("lxc container %s did not start", name)
		}
		cs = append(cs, started{engine: "lxc", name: name, pid: pid})
	}
	checkContainers(t, cs)
}

func TestEngineNspawn(t *testing.T) {
	requireEngines(t)
	nspawn := needBinary(t, "/usr/bin/systemd-nspawn", "systemd-nspawn")
	var cs []started
	for _, base := range []string{"web", "db"} {
		name := testName("n" + base)
		root := filepath.Join(nstest.TempDir(t), "rootfs")
		sh(t, time.Minute, "cp", "-a", busyboxRootfs(t), root)
		// Each launcher first moves into a cgroup of its own, so that
		// the two payload cgroups differ (CONTAINERS.md).
		var dirs []string
		for _, h := range []string{"unified", "systemd"} {
			d := "/sys/fs/cgroup/" + h + "/" + name
			if err := os.Mkdir(d, 0o755); err == nil {
				dirs = append(dirs, d)
			}
		}
		script := ""
		for _, d := range dirs {
			script += "echo $$ > " + d + "/cgroup.procs; "
		}
		cmd := exec.Command("sh", "-c", script+"exec "+nspawn+" -q -D "+root+" -M "+name+
			" --register=no --keep-unit --private-network -- /bin/sleep 1000")
		// Registered first, so it runs after nspawn is stopped.
		t.Cleanup(func() {
			for _, d := range dirs {
				removeCgroup(d)
			}
		})
		startInSession(t, cmd)
		// The payload's first process is nspawn's child, in the new
		// PID namespace.
		var pid int
		waitFor(30*time.Second, func() bool {
			data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
			if f := strings.Fields(string(data)); len(f) > 0 {
				fmt.Sscanf(f[0], "%d", &pid)
				return nstest.NS(t, pid, "pid") != selfNS(t, "pid")
			}
			return false
		})
		if pid == 0 {
			engineUnavailable(t, "systemd-nspawn %s did not start", name)
		}
		cs = append(cs, started{engine: "systemd-nspawn", name: name, pid: pid})
	}
	checkContainers(t, cs)
}

// removeEmptyCgroups removes an engine's parent cgroup in every hierarchy
// if no other container is left in it.
func removeEmptyCgroups(name string) {
	for _, d := range cgroupDirs(name) {
		os.Remove(d)
	}
}

// cgroupDirs lists the cgroup directories called name in every hierarchy.
func cgroupDirs(name string) []string {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/" + name)
	if d := "/sys/fs/cgroup/" + name; isDir(d) {
		dirs = append(dirs, d)
	}
	return dirs
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// removeCgroup removes a cgroup directory and the ones below it (nspawn
// makes "payload" and "supervisor" there).
func removeCgroup(dir string) {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Remove(dirs[i])
	}
}

func TestEngineContainerd(t *testing.T) {
	requireEngines(t)
	containerd := needBinary(t, "/usr/bin/containerd", "containerd")
	ctr := needBinary(t, "/usr/bin/ctr", "ctr")
	if out, _ := exec.Command("pgrep", "-x", "containerd").Output(); len(out) > 0 {
		engineUnavailable(t, "another containerd runs on this machine (its state would be shared)")
	}
	sock := "/run/" + testName("containerd") + ".sock"
	ns := testName("ctr")
	c := func(args ...string) []string { return append([]string{"-a", sock, "-n", ns}, args...) }
	// Default root and state, so that task bundles are where the tool
	// looks: /run/containerd/io.containerd.runtime.v2.task/<ns>/<id>.
	startDaemon(t, func() bool { return exec.Command(ctr, "-a", sock, "version").Run() == nil },
		containerd, "--address", sock)
	image := "docker.io/library/" + testName("bbx") + ":latest"
	sh(t, 2*time.Minute, ctr, c("image", "import", ociLayout(t, rootfsTar(t, busyboxRootfs(t)), image))...)
	t.Cleanup(func() {
		try(ctr, c("image", "rm", image)...)
		try(ctr, c("namespaces", "rm", ns)...)
		// containerd leaves the namespace's cgroups and task directory.
		for _, d := range cgroupDirs(ns) {
			removeCgroup(d)
		}
		os.Remove("/run/containerd/io.containerd.runtime.v2.task/" + ns)
	})
	var cs []started
	for _, base := range []string{"web", "db"} {
		id := testName("c" + base)
		t.Cleanup(func() {
			try(ctr, c("task", "kill", "-s", "SIGKILL", id)...)
			waitFor(10*time.Second, func() bool { return exec.Command(ctr, c("task", "delete", id)...).Run() == nil })
			try(ctr, c("container", "rm", id)...)
			try(ctr, c("snapshots", "rm", id)...)
		})
		sh(t, 2*time.Minute, ctr, c("run", "-d", image, id, "sleep", "1000")...)
		var pid int
		waitFor(30*time.Second, func() bool {
			out, _ := exec.Command(ctr, c("task", "ps", id)...).Output()
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) > 1 {
				fmt.Sscanf(lines[1], "%d", &pid)
			}
			return pid > 0
		})
		if pid == 0 {
			t.Fatalf("ctr task %s did not start", id)
		}
		cs = append(cs, started{engine: "containerd", name: id, id: id, pid: pid})
	}
	checkContainers(t, cs)
}

func TestEnginePodmanRootless(t *testing.T) {
	requireEngines(t)
	podman := needBinary(t, "/usr/bin/podman", "podman")
	needBinary(t, "/usr/bin/newuidmap", "newuidmap")
	user := fmt.Sprintf("nsofrl%d", os.Getpid()%100000)
	// useradd gives the user a subordinate ID range (/etc/subuid, subgid)
	// for its user namespace; userdel -r removes both and the home.
	sh(t, time.Minute, "useradd", "-m", "-s", "/bin/sh", user)
	runtimeDir := filepath.Join("/tmp", "nsof-xdg-"+user)
	t.Cleanup(func() {
		try("runuser", "-u", user, "--", "env", "HOME=/home/"+user, "XDG_RUNTIME_DIR="+runtimeDir, podman, "system", "reset", "-f")
		killUser(t, user)
		try("userdel", "-r", user)
		os.RemoveAll(runtimeDir)
	})
	uid := atoi(t, sh(t, time.Minute, "id", "-u", user))
	if err := os.Mkdir(runtimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chown(runtimeDir, uid, uid)
	tarball := filepath.Join(runtimeDir, "rootfs.tar")
	sh(t, time.Minute, "cp", rootfsTar(t, busyboxRootfs(t)), tarball)
	os.Chown(tarball, uid, uid)
	as := func(args ...string) []string {
		return append([]string{"-u", user, "--", "env", "HOME=/home/" + user, "XDG_RUNTIME_DIR=" + runtimeDir, podman}, args...)
	}
	sh(t, 2*time.Minute, "runuser", as("import", tarball, "localhost/bbx:latest")...)
	var cs []started
	for _, base := range []string{"web", "db"} {
		name := "rl" + base
		// Rootless networking needs /dev/net/tun, which is 0600 here.
		id := sh(t, 2*time.Minute, "runuser", as("run", "-d", "--name", name, "--runtime", "runc", "--network", "none", "localhost/bbx:latest", "sleep", "1000")...)
		pid := atoi(t, sh(t, time.Minute, "runuser", as("inspect", "-f", "{{.State.Pid}}", name)...))
		cs = append(cs, started{engine: "podman", name: name, id: id, pid: pid})
	}
	checkContainers(t, cs)
	m := runJSON(t, "--containers")
	for _, c := range cs {
		for _, w := range m.Workloads {
			if w.ID == c.id && (!w.Rootless || w.OwnerUID != uid || w.OwnerUser != user) {
				t.Errorf("%v: rootless %v owner %d %q, want rootless owner %d %q", c, w.Rootless, w.OwnerUID, w.OwnerUser, uid, user)
			}
		}
	}
	tree := runText(t, "--containers", "--no-pids")
	if !strings.Contains(tree, "podman rlweb ("+cs[0].id[:12]+"), rootless "+user) {
		t.Errorf("the tree does not say the container is rootless:\n%s", tree)
	}

	// The user itself, unprivileged, sees its own containers named: its
	// processes' cgroups, conmon's command line and its own storage are
	// all readable to it.
	tool, _ := nstest.PublicBinaries(t)
	r := nstest.RunCmd(t, exec.Command("runuser", "-u", user, "--", tool, "--output=json", "--containers"))
	if r.Code != 0 {
		t.Fatalf("unprivileged run: exit %d: %s", r.Code, r.Stderr)
	}
	um, err := nsjson.Decode(strings.NewReader(r.Stdout))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		netns := nsfs.ID{Dev: nsfsDev(t), Ino: nstest.NS(t, c.pid, "net")}
		ns := um.Namespaces[netns]
		if ns == nil || len(ns.Workloads) != 1 {
			t.Errorf("unprivileged: %v's netns: %+v", c, ns)
			continue
		}
		if w := um.Workload(ns.Workloads[0]); w == nil || w.Name != c.name || w.ID != c.id || !w.Rootless {
			t.Errorf("unprivileged: %v's netns names %+v", c, w)
		}
	}
}

// killUser ends every process of the test's own user (podman's pause
// process may outlive `system reset`), by PID.
func killUser(t *testing.T, user string) {
	out, err := exec.Command("id", "-u", user).Output()
	if err != nil {
		return
	}
	uid := strings.TrimSpace(string(out))
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat("/proc/"+e.Name(), &st) == nil && strconv.Itoa(int(st.Uid)) == uid {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
