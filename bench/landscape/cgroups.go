package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// With --cgroups every group leader moves itself, before starting its
// sleepers, into a container-like cgroup /docker/<id64> in every mounted
// hierarchy (docker's cgroupfs layout), so that `namespaces_of --containers`
// has 1,000 containers to attribute at 10,000/1,000. The IDs start with
// cgroupIDPrefix, which down uses to remove exactly these cgroups.

const (
	cgroupParent   = "docker"
	cgroupIDPrefix = "be4c4"
)

// groupCgroupID is group g's container-like ID: 64 hex digits.
func groupCgroupID(g int) string { return fmt.Sprintf("%s%059x", cgroupIDPrefix, g) }

// cgroupHierarchies lists the mounted cgroup hierarchies: each directory of
// /sys/fs/cgroup with a cgroup.procs (v1 controllers, name=systemd, the
// hybrid's unified), or /sys/fs/cgroup itself on a pure v2 host.
func cgroupHierarchies() []string {
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.procs"); err == nil {
		return []string{"/sys/fs/cgroup"}
	}
	procs, _ := filepath.Glob("/sys/fs/cgroup/*/cgroup.procs")
	var out []string
	for _, p := range procs {
		out = append(out, filepath.Dir(p))
	}
	return out
}

// joinGroupCgroup moves the calling process into group g's cgroup in every
// hierarchy, creating it.
func joinGroupCgroup(g int) error {
	for _, h := range cgroupHierarchies() {
		dir := filepath.Join(h, cgroupParent, groupCgroupID(g))
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
// processes are gone), and the parent if nothing else is in it.
func removeGroupCgroups() {
	for _, h := range cgroupHierarchies() {
		dirs, _ := filepath.Glob(filepath.Join(h, cgroupParent, cgroupIDPrefix+"*"))
		for _, d := range dirs {
			os.Remove(d)
		}
		os.Remove(filepath.Join(h, cgroupParent))
	}
}
