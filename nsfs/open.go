package nsfs

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// OpenFlags are the flags of every real open of a namespace file: read-only,
// never blocking, never acquiring a controlling terminal, never inherited.
const OpenFlags = unix.O_RDONLY | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC

// OpenAt opens a /proc namespace link (such as "net" under a /proc/PID/ns
// directory fd). The kernel guarantees these links name nsfs files, so no
// vetting is needed.
func OpenAt(dirfd int, name string) (int, error) {
	return unix.Openat(dirfd, name, OpenFlags, 0)
}

// OpenVetted opens whatever path (relative to dirfd, resolved with the given
// RESOLVE_* flags) names, but only if it is a namespace file. It first takes
// an O_PATH reference, which runs no driver open code and cannot block, checks
// that it is on nsfs, and only then reopens that very file through
// thread-self/fd below procFD (an fd of a procfs mount, see [ReopenVetted]),
// so a FIFO, device or socket is never opened and the file cannot be swapped
// between check and open.
func OpenVetted(procFD, dirfd int, path string, resolve uint64) (int, error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: resolve}
	pathFD, err := unix.Openat2(dirfd, path, &how)
	if err == unix.ENOSYS {
		// Before Linux 5.6 there is no openat2; without resolve flags a
		// plain O_PATH openat is equivalent.
		if resolve != 0 {
			return -1, err
		}
		pathFD, err = unix.Openat(dirfd, path, unix.O_PATH|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return -1, err
	}
	defer unix.Close(pathFD)
	return ReopenVetted(procFD, pathFD)
}

// ReopenVetted turns an O_PATH fd into a real read-only fd, if and only if it
// refers to a namespace file. The reopen goes through the magic link
// thread-self/fd/N of the procfs mount procFD refers to: Linux has no other
// way to turn an O_PATH fd into a readable one.
func ReopenVetted(procFD, pathFD int) (int, error) {
	ok, err := IsNSFS(pathFD)
	if err != nil {
		return -1, err
	}
	if !ok {
		return -1, ErrNotNamespace
	}
	return unix.Openat(procFD, "thread-self/fd/"+strconv.Itoa(pathFD), OpenFlags, 0)
}
