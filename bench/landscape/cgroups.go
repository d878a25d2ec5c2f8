package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// With --cgroups every group leader moves itself, before starting its
// sleepers, into a container-like cgroup .../docker/<id64> (docker's
// cgroupfs layout), so that `namespaces_of --containers` has 1,000
// containers to attribute at 10,000/1,000. Only the cgroup v2 and
// name=systemd hierarchies are used (the paths namespaces_of reads first),
// each below the cgroup the landscape was started in, so that no process
// leaves a cgroup someone else put it in. The IDs start with
// cgroupIDPrefix, which down uses to remove exactly these cgroups.

const cgroupIDPrefix = "be4c4"

// groupCgroupID is group g's container-like ID: 64 hex digits.
func groupCgroupID(g int) string { return fmt.Sprintf("%s%05x%054x", cgroupIDPrefix, g, 0) }

// cgroupParents returns the "docker" directories the groups' cgroups go
// in: below the caller's own cgroup in the v2 hierarchy (unified on a
// hybrid host) and in name=systemd, where mounted.
func cgroupParents() []string {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var mount string
		switch {
		case parts[0] == "0" && parts[1] == "":
			mount = "/sys/fs/cgroup/unified"
			if !exists(filepath.Join(mount, "cgroup.procs")) {
				mount = "/sys/fs/cgroup"
			}
		case parts[1] == "name=systemd":
			mount = "/sys/fs/cgroup/systemd"
		default:
			continue
		}
		if exists(filepath.Join(mount, "cgroup.procs")) {
			out = append(out, filepath.Join(mount, parts[2], "docker"))
		}
	}
	return out
}

// joinGroupCgroup moves the calling process into group g's cgroup below
// each parent, creating it.
func joinGroupCgroup(parents []string, g int) error {
	for _, p := range parents {
		dir := filepath.Join(p, groupCgroupID(g))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte("0"), 0o644); err != nil {
			return fmt.Errorf("join %s: %w", dir, err)
		}
	}
	return nil
}

// removeGroupCgroups removes the cgroups joinGroupCgroup made (once their
// processes are gone), and each parent if nothing else is in it.
func removeGroupCgroups(parents []string) {
	for _, p := range parents {
		dirs, _ := filepath.Glob(filepath.Join(p, cgroupIDPrefix+"*"))
		for _, d := range dirs {
			os.Remove(d)
		}
		os.Remove(p)
	}
}
