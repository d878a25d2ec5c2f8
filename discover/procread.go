package discover

import "golang.org/x/sys/unix"

// readDirNames lists a directory below dirfd.
func readDirNames(dirfd int, path string, buf []byte) ([]string, error) {
	fd, err := unix.Openat(dirfd, path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return listDir(fd, buf)
}

// direntBufSize is the getdents buffer of [listDir]: a few hundred
// entries per call.
const direntBufSize = 32 * 1024

// listDir lists the directory open as fd, from its current offset, reading
// through buf (nil: a buffer of its own). Workers pass the same buffer for
// every process: a fresh one each time was most of a deep scan's
// allocations.
func listDir(fd int, buf []byte) ([]string, error) {
	var names []string
	if buf == nil {
		buf = make([]byte, direntBufSize)
	}
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			break
		}
		// Only an empty read ends the listing: a pending signal (Go's
		// preemption signal, say) makes getdents return early with room
		// to spare.
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	return names, nil
}

// readFile reads a small /proc file below dirfd. /proc files are never
// FIFOs or devices, so a plain open is safe.
func readFile(dirfd int, path string) ([]byte, error) {
	fd, err := unix.Openat(dirfd, path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}

// readSmallFile reads a /proc file that the kernel generates in one go
// (stat, comm, status) into buf: one read returning less than the buffer
// holds is the whole file, which saves the read that would only say EOF.
// Larger content falls back to readFile.
func readSmallFile(dirfd int, path string, buf []byte) ([]byte, error) {
	fd, err := unix.Openat(dirfd, path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	n, err := unix.Read(fd, buf)
	unix.Close(fd)
	if err != nil {
		return nil, err
	}
	if n < len(buf) {
		return buf[:n], nil
	}
	return readFile(dirfd, path)
}
