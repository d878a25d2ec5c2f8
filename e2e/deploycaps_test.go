package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// TestDeployCapabilitiesAreExactlyNeeded runs the deep scan as root with
// only the capabilities deploy/daemonset.yaml grants, and with each of them
// taken away, against two namespaces that need all four to be found: a
// network namespace bound inside a mount namespace no process is in (held
// by an fd), and one held only by an fd of a process of another user. On
// kernels with listns(2) only CAP_SYS_ADMIN is needed to find both (found
// under Linux 7.2 by .ci/kernels).
func TestDeployCapabilitiesAreExactlyNeeded(t *testing.T) {
	nstest.RequireRoot(t)
	setpriv := nstest.Program(t, "setpriv")
	nstest.Program(t, "unshare")
	caps := daemonSetCapabilities(t)

	// A mount namespace with a network namespace bound in it, then held
	// only by another process's fd.
	file := filepath.Join(nstest.TempDir(t), "net")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	binder := nstest.Start(t, nil, "unshare", "--mount", "--propagation", "private", "sh", "-c",
		`unshare --net mount --bind /proc/self/ns/net "$1" && echo ready && exec sleep 1000`, "sh", file)
	hidden := nstest.Inode(t, strconv.Itoa(binder.PID)+"/root"+file)
	nstest.Start(t, nil, "sh", "-c", `exec 7</proc/$1/ns/mnt; echo ready; exec sleep 1000`, "sh", strconv.Itoa(binder.PID))
	binder.Kill()

	// A network namespace held only by an fd of a process of nobody.
	member := nstest.Start(t, nil, "unshare", "--net", "sh", "-c", "echo ready; exec sleep 1000")
	othersFD := nstest.NS(t, member.PID, "net")
	nstest.Start(t, nil, "sh", "-c", `exec 7</proc/$1/ns/net; exec setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo ready; exec sleep 1000"`,
		"sh", strconv.Itoa(member.PID))
	member.Kill()

	found := func(caps []string) (hiddenFound, othersFound bool) {
		t.Helper()
		bounding := "-all"
		for _, c := range caps {
			bounding += ",+" + strings.ToLower(c)
		}
		r := nstest.RunCmd(t, exec.Command(setpriv, "--bounding-set", bounding, "--inh-caps=-all", "--",
			nstest.Tool(t), "--deep-scan", "--output=list", "--raw", "--no-headings", "--columns=NS"))
		if r.Code != 0 {
			t.Fatalf("with %v: exit %d: %s", caps, r.Code, r.Stderr)
		}
		inodes := strings.Fields(r.Stdout)
		return slices.Contains(inodes, strconv.FormatUint(hidden, 10)), slices.Contains(inodes, strconv.FormatUint(othersFD, 10))
	}
	if h, o := found(caps); !h || !o {
		t.Fatalf("with the DaemonSet's %v: mount-namespace-held net found %v, other user's fd-held net found %v", caps, h, o)
	}
	for _, drop := range caps {
		fewer := slices.DeleteFunc(slices.Clone(caps), func(c string) bool { return c == drop })
		if h, o := found(fewer); h && o {
			if kernel().listns && drop != "SYS_ADMIN" {
				// listns(2) (Linux 6.19+) lists both to a caller with
				// CAP_SYS_ADMIN alone; the DaemonSet's other
				// capabilities are for the kernels production runs.
				t.Logf("without %s the deep scan still finds both namespaces: listns(2) lists them on this kernel", drop)
				continue
			}
			t.Errorf("without %s the deep scan still finds both namespaces: the DaemonSet need not grant it", drop)
		} else {
			t.Logf("without %s: mount-namespace-held net found %v, other user's fd-held net found %v", drop, h, o)
		}
	}
}

// daemonSetCapabilities returns the capabilities deploy/daemonset.yaml
// adds.
func daemonSetCapabilities(t *testing.T) []string {
	t.Helper()
	var ds appsv1.DaemonSet
	deployManifest(t, "daemonset.yaml", &ds)
	var caps []string
	for _, c := range ds.Spec.Template.Spec.Containers[0].SecurityContext.Capabilities.Add {
		caps = append(caps, string(c))
	}
	return caps
}

// deployManifest decodes a manifest of deploy/ strictly into an API type.
func deployManifest(t *testing.T, name string, into any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "deploy", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("deploy/%s: %v", name, err)
	}
}
