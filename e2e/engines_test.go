package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// testName makes container names unique to this run, so that tests of
// other work on the machine are never confused with ours.
func testName(base string) string { return fmt.Sprintf("nsof-%s-%d", base, os.Getpid()) }

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
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		engineUnavailable(t, "start %s: %v", name, err)
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
		logf.Close()
	})
	if !waitFor(30*time.Second, func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		return ready()
	}) || cmd.ProcessState != nil {
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
