package workload

import (
	"errors"
	"io"
	"os"

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
	fd, err := unix.Openat2(dirFD, rel, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_NONBLOCK | unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NOCTTY,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	})
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
