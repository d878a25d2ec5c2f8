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
type sockets struct{ outcome }

func (*sockets) about() about {
	return about{name: "sockets", needsPtrace: true, needs: "pidfd_open/pidfd_getfd (Linux 5.6+)"}
}

var socketPrefix = []byte("socket:[")

// newSockets probes pidfd_getfd on the caller itself; only ENOSYS says it
// is missing (fetching fd 0 may fail for other reasons).
func newSockets() *sockets {
	s := &sockets{}
	openErr, askErr := probeSelfPidfd(func(self int) (int, error) { return unix.PidfdGetfd(self, 0, 0) })
	if openErr != nil {
		s.unavailable = openErr
	} else if askErr == unix.ENOSYS {
		s.unavailable = askErr
	}
	return s
}

func (s *sockets) scanProcess(p *process, f *found) {
	if s.unavailable != nil || !p.wants(nsfs.Net) {
		return
	}
	own := p.links[nsfs.Net.Rank()]
	for _, l := range p.fdTable() {
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
		f.holder(byFD(nsFD, nsfs.Net, id.Ino), model.Holder{Kind: model.HolderSocket, PID: p.pid, FD: l.fd})
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
