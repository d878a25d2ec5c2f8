package e2e

// What the running kernel offers, probed the way the tool probes it, so
// that a test of a feature an older kernel lacks checks what the tool does
// without it instead of failing (kernels/README.md runs the suite under
// older kernels).

import (
	"errors"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/nsfs"
)

// kernelFeatures are the probed interfaces; each is false where the kernel
// (or the seccomp rules of kernels/oldkernel) lacks it.
type kernelFeatures struct {
	pidfdOpen       bool // Linux 5.3+
	pidfdGetfd      bool // Linux 5.6+
	pidfdNamespaces bool // PIDFD_GET_*_NAMESPACE, Linux 6.11+
	listns          bool // Linux 6.19+
	mountNSList     bool // NS_MNT_GET_NEXT, Linux 6.12+
	nsGetID         bool // NS_GET_ID, Linux 6.18+
}

var kernel = sync.OnceValue(func() kernelFeatures {
	var k kernelFeatures
	if self, err := unix.PidfdOpen(os.Getpid(), 0); err == nil {
		k.pidfdOpen = true
		if fd, err := unix.PidfdGetfd(self, 0, 0); err == nil {
			unix.Close(fd)
			k.pidfdGetfd = true
		} else {
			k.pidfdGetfd = !errors.Is(err, unix.ENOSYS)
		}
		if fd, err := unix.IoctlRetInt(self, unix.PIDFD_GET_PID_NAMESPACE); err == nil {
			unix.Close(fd)
			k.pidfdNamespaces = true
		}
		unix.Close(self)
	}
	req := unix.NsIdReq{Size: unix.NS_ID_REQ_SIZE_VER0}
	_, err := unix.Listns(&req, make([]uint64, 1), 0)
	k.listns = !errors.Is(err, unix.ENOSYS)
	if fd, err := nsfs.OpenAt(unix.AT_FDCWD, "/proc/self/ns/net"); err == nil {
		_, err = nsfs.NamespaceID(fd)
		k.nsGetID = err == nil
		unix.Close(fd)
	}
	if fd, err := nsfs.OpenAt(unix.AT_FDCWD, "/proc/self/ns/mnt"); err == nil {
		next, _, err := nsfs.MountNSNeighbour(fd, true)
		if err == nil {
			unix.Close(next)
		}
		k.mountNSList = !errors.Is(err, unix.ENOTTY)
		unix.Close(fd)
	}
	return k
})
