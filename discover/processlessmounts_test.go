package discover_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// TestBindMountInThreadOnlyMountNamespace: the mounts of a mount namespace
// whose only task is a thread (its process's leader is in ours) are read in
// every deep mode. Without --threads, no source read them through the
// thread, and the namespace counted as having a member, so it was not
// entered either: the bind mount inside it was missed.
func TestBindMountInThreadOnlyMountNamespace(t *testing.T) {
	nstest.RequireRoot(t)
	// See TestScanLeaksNothing: a deep scan ends the OS threads it
	// entered mount namespaces on, which must not be the helpers' parent.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	th := nstest.StartHelper(t, nil, "thread", "mnt")
	mntLink := fmt.Sprintf("%d/task/%d/ns/mnt", th.ReadyInt(t, 0), th.ReadyInt(t, 1))
	mntIno := nstest.Inode(t, mntLink)
	src := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}, "sleep")
	netIno := nstest.NS(t, src.PID, "net")
	path := filepath.Join(nstest.TempDir(t), "netns")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// Mounted inside the thread's namespace only, made private first so
	// that the mount does not propagate to ours; it goes with the helper.
	mount := exec.Command("nsenter", "--mount=/proc/"+mntLink, "sh", "-c",
		fmt.Sprintf("mount --make-rprivate / && mount --bind /proc/%d/ns/net '%s'", src.PID, path))
	if r := nstest.RunCmd(t, mount); r.Code != 0 {
		t.Fatalf("%v: exit %d: %s", mount.Args, r.Code, r.Stderr)
	}
	src.Kill()

	for _, tasks := range []bool{false, true} {
		t.Run(fmt.Sprintf("tasks=%v", tasks), func(t *testing.T) {
			m, err := discover.Scan(discover.Options{Deep: true, Tasks: tasks, Types: nsfs.NewTypeSet(nsfs.Mount, nsfs.Net)})
			if err != nil {
				t.Fatal(err)
			}
			var mnt, net *model.Namespace
			for id, ns := range m.Namespaces {
				switch id.Ino {
				case mntIno:
					mnt = ns
				case netIno:
					net = ns
				}
			}
			if mnt == nil || len(mnt.Threads) == 0 {
				t.Fatalf("mount namespace %d with its thread not found: %+v", mntIno, mnt)
			}
			if net == nil {
				t.Fatalf("network namespace %d, held by a bind mount in mount namespace %d, not found", netIno, mntIno)
			}
			want := model.Holder{Kind: model.HolderBindMount, Path: path, MountNS: mnt.ID}
			if !slices.Contains(net.Holders, want) {
				t.Fatalf("network namespace %d: holders %+v, want %+v", netIno, net.Holders, want)
			}
		})
	}
}
