package nsfs

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// mntNSInfo is the kernel's struct mnt_ns_info (linux/nsfs.h).
type mntNSInfo struct {
	Size     uint32
	NrMounts uint32
	MntNSID  uint64
}

// x/sys/unix has the struct size but not these request numbers (Linux
// 6.12+); they are _IOR(NSIO, nr, struct mnt_ns_info), derived here from the
// ioctl encoding rather than written out.
const (
	nsio           = unix.NS_GET_NSTYPE >> 8 // NSIO, the nsfs ioctl type byte
	iocRead        = 2                       // _IOC_READ
	nsMntGetNextNr = 11
	nsMntGetPrevNr = 12
)

func iorMntNSInfo(nr uint) uint {
	return iocRead<<30 | uint(unix.MNT_NS_INFO_SIZE_VER0)<<16 | nsio<<8 | nr
}

// MountNSNeighbour returns an fd for the mount namespace after (next) or
// before the one fd refers to, in the kernel's list of all mount namespaces
// (NS_MNT_GET_NEXT/PREV, Linux 6.12+), and its 64-bit ID. ENOENT ends the
// list; ENOTTY means the kernel lacks the operation.
func MountNSNeighbour(fd int, next bool) (int, uint64, error) {
	nr := uint(nsMntGetPrevNr)
	if next {
		nr = nsMntGetNextNr
	}
	info := mntNSInfo{Size: unix.MNT_NS_INFO_SIZE_VER0}
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(iorMntNSInfo(nr)), uintptr(unsafe.Pointer(&info)))
	if errno != 0 {
		return -1, 0, errno
	}
	return int(r), info.MntNSID, nil
}

// PidfdNamespace returns an fd for a namespace of the process pidfd refers
// to, by one of the PIDFD_GET_*_NAMESPACE requests (Linux 6.11+). Unlike
// /proc/PID/ns/pid_for_children it works before the first child exists.
func PidfdNamespace(pidfd int, request uint) (int, error) {
	return unix.IoctlRetInt(pidfd, request)
}
