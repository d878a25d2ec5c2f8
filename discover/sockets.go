package discover

import (
	"bytes"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// sockets finds network namespaces held only by sockets: a process that
// created a socket in another network namespace and switched back. For each
// fd whose link says it is a socket, a copy of the fd is fetched through a
// pidfd (pidfd_getfd, Linux 5.6+) and asked for its namespace (SIOCGSKNS).
// Only sockets are ever fetched, and fetching a copy has no effect on the
// owner's socket.
type sockets struct {
	unavailable error
}

var socketPrefix = []byte("socket:[")

func newSockets() *sockets {
	s := &sockets{}
	self, err := unix.PidfdOpen(unix.Getpid(), 0)
	if err != nil {
		s.unavailable = err
		return s
	}
	defer unix.Close(self)
	probe, err := unix.PidfdGetfd(self, 0, 0)
	if err == unix.ENOSYS {
		s.unavailable = err
		return s
	}
	if err == nil {
		unix.Close(probe)
	}
	return s
}

func (s *sockets) report() model.SourceReport {
	return sourceReport("sockets", s.unavailable, "pidfd_open/pidfd_getfd (Linux 5.6+)")
}

func (s *sockets) scanProcess(p *proc) {
	if s.unavailable != nil || !p.s.wants(nsfs.Net) {
		return
	}
	own := p.links[nsfs.Net.Rank()]
	for _, l := range p.fdLinks() {
		if !bytes.HasPrefix(l.target, socketPrefix) {
			continue
		}
		pidfd, err := p.openPidfd()
		if err != nil {
			return // gone, or not ours to look into
		}
		sock, err := unix.PidfdGetfd(pidfd, l.fd, 0)
		if err != nil {
			if isDenial(err) {
				return
			}
			continue
		}
		nsFD, err := socketNamespace(sock)
		unix.Close(sock)
		if err != nil {
			continue
		}
		id, err := nsfs.IDOf(nsFD)
		if err != nil || id.Ino == own {
			unix.Close(nsFD)
			continue
		}
		p.b.addHolderOpen(nsFD, id.Ino, nsfs.Net, model.Holder{Kind: model.HolderSocket, PID: p.pid, FD: l.fd})
	}
}

// socketNamespace returns an fd for the network namespace of a socket. The
// fd may have been replaced since its link was read; anything that is not a
// socket is left alone.
func socketNamespace(sock int) (int, error) {
	var st unix.Stat_t
	if err := unix.Fstat(sock, &st); err != nil {
		return -1, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return -1, nsfs.ErrNotNamespace
	}
	return unix.IoctlRetInt(sock, unix.SIOCGSKNS)
}

// pidfdForChildren finds the PID (and time) namespace a process made for
// its children before any child exists: then /proc/PID/ns/pid_for_children
// cannot be read, but PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE (Linux 6.11+)
// answers. It only asks for processes whose link could not be read.
type pidfdForChildren struct {
	unavailable error
}

func newPidfdForChildren() *pidfdForChildren {
	s := &pidfdForChildren{}
	self, err := unix.PidfdOpen(unix.Getpid(), 0)
	if err != nil {
		s.unavailable = err
		return s
	}
	defer unix.Close(self)
	fd, err := nsfs.PidfdNamespace(self, unix.PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE)
	if err != nil {
		s.unavailable = err
		return s
	}
	unix.Close(fd)
	return s
}

func (s *pidfdForChildren) report() model.SourceReport {
	return sourceReport("pidfd-for-children", s.unavailable, "PIDFD_GET_*_FOR_CHILDREN_NAMESPACE (Linux 6.11+)")
}

func (s *pidfdForChildren) scanProcess(p *proc) {
	if s.unavailable != nil {
		return
	}
	requests := []struct {
		typ     nsfs.Type
		missing bool
		request uint
		kind    model.HolderKind
	}{
		{nsfs.PID, p.noPIDForChildren, unix.PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE, model.HolderPIDChildren},
		{nsfs.Time, p.noTimeForChildren, unix.PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE, model.HolderTimeChildren},
	}
	for _, r := range requests {
		if !r.missing || !p.s.wants(r.typ) {
			continue
		}
		pidfd, err := p.openPidfd()
		if err != nil {
			return
		}
		nsFD, err := nsfs.PidfdNamespace(pidfd, r.request)
		if err != nil {
			continue
		}
		id, err := nsfs.IDOf(nsFD)
		if err != nil || id.Ino == p.links[r.typ.Rank()] {
			unix.Close(nsFD)
			continue
		}
		p.b.addHolderOpen(nsFD, id.Ino, r.typ, model.Holder{Kind: r.kind, PID: p.pid})
	}
}

// sourceReport describes a source that needs a kernel interface.
func sourceReport(name string, unavailable error, needs string) model.SourceReport {
	if unavailable == nil {
		return ran(name)
	}
	reason := unavailable.Error()
	if e := errno(unavailable); e != 0 {
		reason = unix.ErrnoName(e) + ": " + e.Error()
	}
	return model.SourceReport{Name: name, Reason: reason + "; needs " + needs}
}
