package discover

import (
	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// found is what sources report, one per worker (or per host-source run).
// Sightings carry what the source knows of a namespace: its inode from a
// link, a path below /proc that opens it, or an fd it already opened;
// the [resolver] opens each namespace once, whichever sighting reaches it
// first.
type found struct {
	members []membership
	holders []holding
	tasks   []*model.Task
	skipped []model.Skip
	// open marks the namespaces this found already holds an fd for.
	open map[uint64]bool
}

// membership: task tid of process pid is in namespace ino. viaTask: it was
// seen through the task's own directory (/proc/PID/task/TID/ns), so it is a
// thread member; tid == pid is the process itself (see taskDir).
type membership struct {
	ino      uint64
	typ      nsfs.Type
	pid, tid int32
	viaTask  bool
}

// member records that task tid of process pid is in namespace ino.
func (f *found) member(typ nsfs.Type, ino uint64, pid, tid int, viaTask bool) {
	f.members = append(f.members, membership{ino: ino, typ: typ, pid: int32(pid), tid: int32(tid), viaTask: viaTask})
}

// sighting says how a holder's namespace can be reached: by a path below
// /proc (vetted: it may name anything, and is checked to be a namespace
// before a real open), or by an fd the source opened. ino and typ are
// what the source knows (0 when it does not).
type sighting struct {
	ino    uint64
	typ    nsfs.Type
	path   string
	vetted bool
	fd     int
}

// byPath is a sighting through a path below /proc that may name anything.
func byPath(typ nsfs.Type, ino uint64, path string) sighting {
	return sighting{ino: ino, typ: typ, path: path, vetted: true, fd: -1}
}

// byFD is a sighting through an fd the source opened; ino and typ may be 0.
func byFD(fd int, typ nsfs.Type, ino uint64) sighting {
	return sighting{ino: ino, typ: typ, fd: fd}
}

// holding: h keeps the namespace of sighting s alive.
type holding struct {
	sighting
	holder model.Holder
}

// holder records that h keeps the namespace of s alive. An fd in s passes
// to the resolver, which closes it; one open fd per namespace is enough to
// resolve it, so a further one for a namespace already held is closed now.
func (f *found) holder(s sighting, h model.Holder) {
	if s.fd >= 0 && s.ino != 0 {
		if f.open == nil {
			f.open = map[uint64]bool{}
		}
		if f.open[s.ino] {
			unix.Close(s.fd)
			s.fd = -1
		}
		f.open[s.ino] = true
	}
	f.holders = append(f.holders, holding{sighting: s, holder: h})
}
