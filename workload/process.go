package workload

import (
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/procfs"
)

// Process is what one process shows about whose it is.
type Process struct {
	PID    int
	Cgroup Cgroup
	// PPID, Comm and UID are read only when the cgroup names no container
	// (the parent chain may then name one); PPID 0 means not read.
	PPID int
	Comm string
	UID  int
}

// ReadProcess reads the facts of process pid below procFD (an open /proc):
// its cgroup file and, when that names no container, its stat line. ok is
// false when the process vanished or its cgroup file could not be read.
// It is safe to call from many goroutines at once.
func ReadProcess(procFD, pid int) (p Process, ok bool) {
	var buf [8192]byte
	dir := strconv.Itoa(pid)
	data, err := readProc(procFD, dir+"/cgroup", buf[:])
	if err != nil {
		return Process{}, false
	}
	p = Process{PID: pid, Cgroup: ParseCgroup(data), UID: -1}
	if !p.Cgroup.Container() {
		p.PPID, p.Comm, p.UID = readStat(procFD, dir, buf[:])
	}
	return p, true
}

// readStat reads the parent PID and command name from /proc/<dir>/stat,
// and the process's UID from the file's owner.
func readStat(procFD int, dir string, buf []byte) (ppid int, comm string, uid int) {
	fd, err := unix.Openat(procFD, dir+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, "", -1
	}
	defer unix.Close(fd)
	uid = -1
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil {
		uid = int(st.Uid)
	}
	n, err := unix.Read(fd, buf)
	if err != nil || n <= 0 {
		return 0, "", uid
	}
	stat, err := procfs.ParseStat(buf[:n])
	if err != nil {
		return 0, "", uid
	}
	return stat.PPID, stat.Comm, uid
}

// readProc reads a small /proc file below procFD into buf (growing it if
// needed). /proc files are never FIFOs or devices, so a plain open is safe.
func readProc(procFD int, path string, buf []byte) ([]byte, error) {
	fd, err := unix.Openat(procFD, path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	n := 0
	for {
		if n == len(buf) {
			if len(buf) >= 1<<20 {
				return buf[:n], nil
			}
			buf = append(buf, make([]byte, len(buf))...)
		}
		m, err := unix.Read(fd, buf[n:])
		if err != nil {
			return nil, err
		}
		if m <= 0 {
			return buf[:n], nil
		}
		n += m
	}
}
