package discover

import (
	"errors"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// pidfdForChildren finds the PID (and time) namespace a process made for
// its children before any child exists: then /proc/PID/ns/pid_for_children
// cannot be read, but PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE (Linux 6.11+)
// answers. It only asks for processes whose link could not be read.
type pidfdForChildren struct{ outcome }

func (*pidfdForChildren) about() about {
	return about{name: "pidfd-for-children", needsPtrace: true, needs: "PIDFD_GET_*_FOR_CHILDREN_NAMESPACE (Linux 6.11+)"}
}

// newPidfdForChildren probes the ioctl on the caller's own pidfd.
func newPidfdForChildren() *pidfdForChildren {
	s := &pidfdForChildren{}
	openErr, askErr := probeSelfPidfd(func(self int) (int, error) {
		return nsfs.PidfdNamespace(self, unix.PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE)
	})
	s.unavailable = errors.Join(openErr, askErr)
	return s
}

// probeSelfPidfd calls ask with a pidfd of the caller, and closes the fd it
// returns: a probe of a pidfd interface.
func probeSelfPidfd(ask func(self int) (int, error)) (openErr, askErr error) {
	self, err := unix.PidfdOpen(unix.Getpid(), 0)
	if err != nil {
		return err, nil
	}
	defer unix.Close(self)
	fd, err := ask(self)
	if err == nil {
		unix.Close(fd)
	}
	return nil, err
}

// childRequests are the pidfd ioctls, by namespace type.
var childRequests = map[nsfs.Type]uint{
	nsfs.PID:  unix.PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE,
	nsfs.Time: unix.PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE,
}

func (s *pidfdForChildren) scanProcess(p *process, f *found) {
	if s.unavailable != nil {
		return
	}
	for _, c := range childHolderKinds {
		if !p.wants(c.typ) {
			continue
		}
		if _, err := p.childLink(p.pid, c.typ); errno(err) != unix.ENOENT {
			continue // the link answered (or the process is gone)
		}
		pidfd, err := p.openPidfd()
		if err != nil {
			return
		}
		nsFD, err := nsfs.PidfdNamespace(pidfd, childRequests[c.typ])
		if err != nil {
			continue
		}
		id, err := nsfs.IDOf(nsFD)
		if err != nil || id.Ino == p.links[c.typ.Rank()] {
			unix.Close(nsFD)
			continue
		}
		f.holder(byFD(nsFD, c.typ, id.Ino), model.Holder{Kind: c.kind, PID: p.pid})
	}
}
