package nsfs

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Errors the ioctl_ns(2) operations report, named for what they mean to a
// namespace walker.
var (
	// ErrNotVisible: the parent or owner exists but lies outside the
	// caller's user (or PID) namespace, or this is the topmost namespace.
	ErrNotVisible = unix.EPERM
	// ErrNoParent: the namespace type has no parent (NS_GET_PARENT on a
	// non-hierarchical namespace).
	ErrNoParent = unix.EINVAL
)

// TypeOf returns the type of the namespace that fd refers to (NS_GET_NSTYPE).
func TypeOf(fd int) (Type, error) {
	t, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil {
		return 0, err
	}
	return Type(t), nil
}

// OwnerFD returns a new fd for the owning user namespace of the namespace fd
// refers to; for a user namespace that is its parent (NS_GET_USERNS).
func OwnerFD(fd int) (int, error) {
	return unix.IoctlRetInt(fd, unix.NS_GET_USERNS)
}

// ParentFD returns a new fd for the parent of a user or PID namespace
// (NS_GET_PARENT).
func ParentFD(fd int) (int, error) {
	return unix.IoctlRetInt(fd, unix.NS_GET_PARENT)
}

// CreatorUID returns the UID, in the caller's user namespace, of the creator
// of the user namespace fd refers to (NS_GET_OWNER_UID).
func CreatorUID(fd int) (uint32, error) {
	return unix.IoctlGetUint32(fd, unix.NS_GET_OWNER_UID)
}

// NamespaceID returns the kernel's 64-bit namespace ID (NS_GET_ID, Linux
// 6.18+). Older kernels answer ENOTTY; callers treat any error as "unknown".
func NamespaceID(fd int) (uint64, error) {
	var id uint64
	// x/sys has the request number but no typed getter for a __u64 result.
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.NS_GET_ID), uintptr(unsafe.Pointer(&id)))
	if errno != 0 {
		return 0, errno
	}
	return id, nil
}

// IDOf returns the identity (device, inode) of the file fd refers to.
func IDOf(fd int) (ID, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return ID{}, err
	}
	return ID{Dev: st.Dev, Ino: st.Ino}, nil
}

// IsNSFS reports whether fd refers to a file on nsfs, the namespace
// filesystem. It works on O_PATH fds, so it can vet a file before any real
// open of it.
func IsNSFS(fd int) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return false, err
	}
	return st.Type == unix.NSFS_MAGIC, nil
}

// ErrNotNamespace is returned by the safe openers when the path or fd turned
// out not to be a namespace file; nothing was opened for real then.
var ErrNotNamespace = errors.New("not a namespace file")
