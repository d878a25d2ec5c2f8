package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// The real-engine tests run only when NAMESPACES_OF_ENGINES is set (.ci/engines
// sets it after installing the engines): they start daemons and containers
// and take minutes. In CI, an engine that is missing or cannot start fails
// its test instead of skipping it.

const enginesEnv = "NAMESPACES_OF_ENGINES"

// requireEngines skips unless the real-engine tests were asked for.
func requireEngines(t *testing.T) {
	t.Helper()
	if os.Getenv(enginesEnv) == "" {
		t.Skipf("real container engines: set %s=1 to run (slow; .ci/engines does)", enginesEnv)
	}
	nstest.RequireRoot(t)
}

// engineUnavailable fails in CI and skips elsewhere.
func engineUnavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// needBinary returns the path of an engine's program, preferring the
// distribution's copy.
func needBinary(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if filepath.IsAbs(n) {
			if _, err := os.Stat(n); err == nil {
				return n
			}
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	engineUnavailable(t, "%s is not installed", names[0])
	return ""
}

// sh runs a command for setup and returns its trimmed stdout; it fails the
// test if the command fails.
func sh(t *testing.T, limit time.Duration, name string, args ...string) string {
	t.Helper()
	return strings.TrimSpace(execOutput(t, limit, name, args...))
}

// try runs a cleanup command, ignoring failure.
func try(name string, args ...string) {
	cmd := exec.Command(name, args...)
	done := make(chan struct{})
	go func() { cmd.Run(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		if cmd.Process != nil {
			cmd.Process.Kill()
		}
	}
}

// busyboxRootfs builds a busybox root file system in a temporary
// directory (CONTAINERS.md, "Images without a registry") and returns it.
func busyboxRootfs(t *testing.T) string {
	t.Helper()
	bb := needBinary(t, "/bin/busybox", "busybox")
	root := filepath.Join(nstest.TempDir(t), "rootfs")
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "tmp", "run", "root"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	sh(t, time.Minute, "chroot", root, "/bin/busybox", "--install", "-s", "/bin")
	// systemd-nspawn wants an OS tree: /usr and an os-release.
	os.MkdirAll(filepath.Join(root, "usr/lib"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/lib/os-release"), []byte("ID=busybox\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\n"), 0o644)
	return root
}

// rootfsTar packs a root file system for `import`.
func rootfsTar(t *testing.T, root string) string {
	t.Helper()
	tarball := filepath.Join(nstest.TempDir(t), "rootfs.tar")
	sh(t, time.Minute, "tar", "-C", root, "-cf", tarball, ".")
	return tarball
}

// started is one container a test started, and what the tool must say
// about it.
type started struct {
	engine string
	name   string
	id     string // "" for engines that name containers only
	pid    int    // a process in the container, as seen from the host
}

func (c started) String() string { return fmt.Sprintf("%s container %s", c.engine, c.name) }

// ownNamespaces returns the net, uts, ipc, mnt and pid namespaces of the
// container that are not the test's (host's) own.
func ownNamespaces(t *testing.T, c started) map[nsfs.ID]string {
	t.Helper()
	dev := nsfsDev(t)
	out := map[nsfs.ID]string{}
	for _, typ := range []string{"net", "uts", "ipc", "mnt", "pid"} {
		ino := nstest.NS(t, c.pid, typ)
		if ino != selfNS(t, typ) {
			out[nsfs.ID{Dev: dev, Ino: ino}] = typ
		}
	}
	if len(out) == 0 {
		t.Fatalf("%v (PID %d) has no namespace of its own", c, c.pid)
	}
	return out
}

// checkContainers asserts that each container's own namespaces carry
// exactly that container's name, ID and engine in the tree, list and JSON
// outputs, and that --container=NAME shows them and nothing of the others.
func checkContainers(t *testing.T, cs []started) {
	t.Helper()
	m := runJSON(t, "--containers")
	tree := runText(t, "--containers", "--no-pids")
	list := listRows(t, runText(t, "--output=list", "--raw", "--no-headings", "--columns=NS,TYPE,CONTAINER,ENGINE"))
	own := map[string]map[nsfs.ID]string{}
	for _, c := range cs {
		own[c.name] = ownNamespaces(t, c)
	}
	for _, c := range cs {
		var ref string
		for id, typ := range own[c.name] {
			ns := m.Namespaces[id]
			if ns == nil {
				t.Errorf("%v: its %s namespace %v is not in the JSON", c, typ, id)
				continue
			}
			if len(ns.Workloads) != 1 {
				t.Errorf("%v: its %s namespace has workloads %v in the JSON, want exactly its own", c, typ, ns.Workloads)
				continue
			}
			ref = ns.Workloads[0]
			w := m.Workload(ref)
			if w == nil || w.Engine != c.engine || w.Name != c.name || (c.id != "" && w.ID != c.id) || !slices.Contains(w.PIDs, c.pid) {
				t.Errorf("%v: its %s namespace names workload %+v in the JSON", c, typ, w)
				continue
			}
			label := w.Label(func(s string) string { return s })
			if got := treeWorkloads(tree, typ, id); !slices.Equal(got, []string{label}) {
				t.Errorf("%v: the tree says %q under %s %v, want %q", c, got, typ, id, label)
			}
			short := c.name
			if row := list[id.Ino]; len(row) != 4 || row[2] != short || row[3] != c.engine {
				t.Errorf("%v: list row for %s %d is %q, want CONTAINER %q ENGINE %q", c, typ, id.Ino, row, short, c.engine)
			}
		}
		if ref == "" {
			continue
		}
		// --container=NAME: its namespaces, none of the others'.
		sel := runJSON(t, "--containers", "--container="+c.name)
		for id, typ := range own[c.name] {
			if sel.Namespaces[id] == nil {
				t.Errorf("--container=%s does not show its %s namespace", c.name, typ)
			}
		}
		for _, other := range cs {
			if other.name == c.name {
				continue
			}
			for id, typ := range own[other.name] {
				if sel.Namespaces[id] != nil {
					t.Errorf("--container=%s shows the %s namespace of %v", c.name, typ, other)
				}
			}
		}
		for _, w := range sel.Workloads {
			if w.Ref != ref && w.IsContainer() {
				t.Errorf("--container=%s lists another container: %+v", c.name, w)
			}
		}
	}
}

// treeWorkloads returns the workload lines under namespace "typ {dev ino}"
// of a --containers --no-pids tree: the lines indented deeper than it up
// to the next namespace line.
func treeWorkloads(tree, typ string, id nsfs.ID) []string {
	lines := strings.Split(tree, "\n")
	head := typ + " " + id.String()
	for i, l := range lines {
		if strings.TrimLeft(l, " ") != head {
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		var out []string
		for _, next := range lines[i+1:] {
			in := len(next) - len(strings.TrimLeft(next, " "))
			if in != indent+8 {
				break
			}
			out = append(out, strings.TrimLeft(next, " "))
		}
		return out
	}
	return nil
}

// listRows splits raw list output into rows by inode (the first column).
func listRows(t *testing.T, out string) map[uint64][]string {
	t.Helper()
	rows := map[uint64][]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(l, " ")
		ino, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			t.Fatalf("list row %q", l)
		}
		rows[ino] = f
	}
	return rows
}

// holderWorkload returns the workload a netns bind mount below prefix
// names, in a --deep-scan --holders --containers JSON document.
func holderWorkload(m *model.Model, netns nsfs.ID, prefix string) (*model.Workload, string) {
	ns := m.Namespaces[netns]
	if ns == nil {
		return nil, ""
	}
	for _, h := range ns.Holders {
		if h.Kind == model.HolderBindMount && strings.HasPrefix(h.Path, prefix) {
			return m.Workload(h.Workload), h.Path
		}
	}
	return nil, ""
}

// waitFor polls cond (a condition on the outside world, such as a daemon
// answering) every 50ms until it holds or limit passes.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
