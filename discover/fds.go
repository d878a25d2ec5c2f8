package discover

import (
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// openFDs finds namespaces held open by a process's file descriptors. It
// only reads the fd links (readlink never opens the file); a namespace is
// opened later, vetted, and only if nothing else reached it first.
type openFDs struct{ outcome }

func (*openFDs) about() about { return about{name: "fds", needsPtrace: true} }

func (*openFDs) scanProcess(p *process, f *found) {
	for _, l := range p.fdTable() {
		t, ino, ok := procfs.ParseNSLink(l.target)
		if !ok || !p.wants(t) {
			continue
		}
		path := p.dir + "/fd/" + strconv.Itoa(l.fd)
		f.holder(byPath(t, ino, path), model.Holder{Kind: model.HolderFD, PID: p.pid, FD: l.fd})
	}
}

// fdLink is one entry of /proc/PID/fd: the fd number and its link target
// ("net:[4026531833]", "socket:[1234]", "/dev/null", ...).
type fdLink struct {
	fd     int
	target []byte
}

// fdTable lists and reads /proc/PID/fd once per process, for every source
// that looks at fds; the fd table is shared by a process's threads, so it
// is read once per process. Reading a link never opens the file it names.
func (p *process) fdTable() []fdLink {
	if p.fds != nil {
		return p.fds
	}
	if p.pid == p.s.selfPID && p.s.selfFDs != nil {
		// Our own fd table now also holds the scan's working fds.
		p.fds = p.s.selfFDs
		return p.fds
	}
	r := &p.reuse
	r.fdLinks, r.fdText = readFDTable(p.s.procFD, p.dir, p.buf[:], r.dirents, r.fdLinks[:0], r.fdText[:0])
	p.fds = r.fdLinks
	return p.fds
}

// readFDTable appends the fd links of the process at /proc/<dir> to fds,
// and their targets to text, which the links' targets point into; buf is
// the readlink buffer, dirents the getdents one. fds is never nil.
func readFDTable(procFD int, dir string, buf, dirents []byte, fds []fdLink, text []byte) ([]fdLink, []byte) {
	if fds == nil {
		fds = []fdLink{}
	}
	fdDir, err := unix.Openat(procFD, dir+"/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fds, text
	}
	defer unix.Close(fdDir)
	names, err := listDir(fdDir, dirents)
	if err != nil {
		return fds, text
	}
	for _, name := range names {
		n, err := unix.Readlinkat(fdDir, name, buf)
		if err != nil {
			continue // closed meanwhile
		}
		fd, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		// A target stays valid when text grows: the bytes it points at
		// are never written again, only copied.
		start := len(text)
		text = append(text, buf[:n]...)
		fds = append(fds, fdLink{fd: fd, target: text[start:len(text):len(text)]})
	}
	return fds, text
}

// snapshotSelfFDs reads the calling process's fd links before the scan
// opens anything but /proc, so that the scan reports the fds its caller
// holds and never its own working fds.
func (s *scan) snapshotSelfFDs() {
	var buf [256]byte
	own := []fdLink{}
	links, _ := readFDTable(s.procFD, strconv.Itoa(s.selfPID), buf[:], nil, nil, nil)
	for _, l := range links {
		if l.fd != s.procFD {
			own = append(own, l)
		}
	}
	s.selfFDs = own
}
