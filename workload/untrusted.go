package workload

import (
	"errors"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// maxStateFile bounds every state file read: containers.json of a host
// with thousands of containers stays well below it.
const maxStateFile = 16 << 20

var (
	errNotRegular = errors.New("not a regular file")
	errTooLarge   = errors.New("larger than the state-file limit")
)

// openDir opens a trusted directory path (one root controls, e.g.
// /var/lib/docker/containers) for use as a base of readBeneath.
func openDir(path string) (int, error) {
	return unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

// readBeneath reads the regular file at rel below the directory dirFD,
// refusing symlinks anywhere in rel and any escape from dirFD
// (RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH), never blocking (O_NONBLOCK: a FIFO
// opens at once and is then refused by fstat), and reading at most
// maxStateFile bytes. Every file an engine or a user wrote is read through
// it.
func readBeneath(dirFD int, rel string) ([]byte, error) {
	fd, err := openBeneath(dirFD, rel, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NOCTTY)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, errNotRegular
	}
	if st.Size > maxStateFile {
		return nil, errTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStateFile {
		return nil, errTooLarge
	}
	return data, nil
}

// openat2 is unix.Openat2; tests replace it to run the fallback of
// openBeneath on kernels that have the call.
var openat2 = unix.Openat2

// openBeneath opens rel below dirFD with flags, following no symlink and
// never leaving dirFD: openat2 with RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH.
// Before Linux 5.6 (no openat2; RHEL 8's 4.18, Ubuntu 20.04's 5.4) it
// walks rel one component at a time with O_NOFOLLOW, refusing an absolute
// path and any "..": stricter than RESOLVE_BENEATH, which allows a ".."
// that stays below dirFD.
func openBeneath(dirFD int, rel string, flags int) (int, error) {
	fd, err := openat2(dirFD, rel, &unix.OpenHow{
		Flags:   uint64(flags),
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != unix.ENOSYS {
		return fd, err
	}
	return walkBeneath(dirFD, rel, flags)
}

// walkBeneath is openBeneath without openat2. Each directory is opened
// O_PATH|O_DIRECTORY|O_NOFOLLOW, which fails on a symlink (ENOTDIR) and
// runs no open code; the last component is opened with flags|O_NOFOLLOW,
// which fails on a symlink (ELOOP). Errors are those openat2 would give
// for an escape (EXDEV).
func walkBeneath(dirFD int, rel string, flags int) (int, error) {
	if strings.HasPrefix(rel, "/") {
		return -1, unix.EXDEV
	}
	parts := strings.Split(rel, "/")
	for _, part := range parts {
		if part == ".." {
			return -1, unix.EXDEV
		}
	}
	cur := dirFD
	release := func() {
		if cur != dirFD {
			unix.Close(cur)
		}
	}
	defer func() { release() }()
	for _, part := range parts[:len(parts)-1] {
		if part == "" || part == "." {
			continue
		}
		next, err := unix.Openat(cur, part, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, err
		}
		release()
		cur = next
	}
	last := parts[len(parts)-1]
	if last == "" || last == "." {
		return -1, unix.EISDIR
	}
	return unix.Openat(cur, last, flags|unix.O_NOFOLLOW, 0)
}

// readFileBeneath opens dir (trusted) and reads rel below it.
func readFileBeneath(dir, rel string) ([]byte, error) {
	fd, err := openDir(dir)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return readBeneath(fd, rel)
}

// exists reports whether rel exists below dirFD (no symlinks followed).
func exists(dirFD int, rel string) bool {
	var st unix.Stat_t
	return unix.Fstatat(dirFD, rel, &st, unix.AT_SYMLINK_NOFOLLOW) == nil
}
