package discover

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// fdLink is one entry of /proc/PID/fd: the fd number and its link target
// ("net:[4026531833]", "socket:[1234]", "/dev/null", ...).
type fdLink struct {
	fd     int
	target []byte
}

// fdLinks lists and reads /proc/PID/fd once per process, for every source
// that looks at fds. Reading a link never opens the file it names.
func (p *proc) fdLinks() []fdLink {
	if p.fds != nil {
		return p.fds
	}
	if p.pid == p.s.selfPID && p.s.selfFDs != nil {
		// Our own fd table now also holds the scan's working fds.
		p.fds = p.s.selfFDs
		return p.fds
	}
	p.fds = []fdLink{}
	dir, err := unix.Openat(p.s.procFD, p.dir+"/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return p.fds
	}
	defer unix.Close(dir)
	names, err := listDir(dir)
	if err != nil {
		return p.fds
	}
	for _, name := range names {
		n, err := unix.Readlinkat(dir, name, p.buf[:])
		if err != nil {
			continue // closed meanwhile
		}
		fd, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		p.fds = append(p.fds, fdLink{fd: fd, target: append([]byte(nil), p.buf[:n]...)})
	}
	return p.fds
}

// snapshotSelfFDs reads the calling process's fd links before the scan
// opens anything but /proc, so that the scan reports the fds its caller
// holds and never its own working fds.
func (s *scanner) snapshotSelfFDs() {
	p := &proc{s: s, nsDir: -1, pidfd: -1}
	p.reset(s.selfPID)
	own := []fdLink{}
	for _, l := range p.fdLinks() {
		if l.fd != s.procFD {
			own = append(own, l)
		}
	}
	s.selfFDs = own
}
