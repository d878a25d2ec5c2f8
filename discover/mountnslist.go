package discover

import (
	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// mountNamespaceList asks the kernel for its list of every mount namespace
// (NS_MNT_GET_PREV/NEXT, Linux 6.12+), so that mount namespaces with no
// process in them, or whose processes could not be read, are found too.
type mountNamespaceList struct{ outcome }

func (l *mountNamespaceList) about() about {
	a := about{name: "mount-namespace-list", needs: "NS_MNT_GET_NEXT (Linux 6.12+) and CAP_SYS_ADMIN"}
	if errno(l.unavailable) == unix.EPERM && hasCapability(unix.CAP_SYS_ADMIN) {
		// Measured on 6.18 and 7.2: a caller in a child PID namespace
		// gets EPERM even with CAP_SYS_ADMIN.
		a.needs = "a caller in the initial PID namespace (it has CAP_SYS_ADMIN)"
	}
	return a
}

// scanHost walks the list from the caller's own mount namespace in both
// directions; each namespace not already known is held by the list alone.
func (l *mountNamespaceList) scanHost(k *known, f *found) bool {
	if !k.wants(nsfs.Mount) {
		return false
	}
	self, err := nsfs.OpenAt(k.procFD, "self/ns/mnt")
	if err != nil {
		l.unavailable = err
		return false
	}
	defer unix.Close(self)
	for _, next := range []bool{false, true} {
		cur, err := unix.Dup(self)
		if err != nil {
			return false
		}
		for {
			fd, _, err := nsfs.MountNSNeighbour(cur, next)
			unix.Close(cur)
			if err != nil {
				if e := errno(err); e != unix.ENOENT && l.unavailable == nil {
					l.unavailable = err
				}
				break
			}
			// The walk goes on from fd, so the holder gets its own copy.
			if id, err := nsfs.IDOf(fd); err == nil && !k.has(id) {
				if dup, err := unix.Dup(fd); err == nil {
					f.holder(byFD(dup, nsfs.Mount, id.Ino), model.Holder{Kind: model.HolderKernelList})
				}
			}
			cur = fd
		}
	}
	return false
}
