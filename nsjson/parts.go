package nsjson

import (
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// The parts of the document that other documents about namespaces (the
// changes of --diff, see render/changes) write the same way.
type (
	// Ref names a namespace: {"device": D, "inode": I}.
	Ref = ref
	// Thread is a member thread: {"tid": T, "pid": P}.
	Thread = threadDoc
	// Holder is a holder: kind, pid, fd, path, mount_ns, of.
	Holder = holderDoc
)

// NullRef returns the reference to id, nil (JSON null) for the zero ID.
func NullRef(id nsfs.ID) *Ref { return nullRef(id) }

// IDMap returns a uid_map or gid_map as [inside, outside, count] triples,
// nil (null) when unknown.
func IDMap(ranges []procfs.IDRange) [][]uint32 { return idMap(ranges) }

// ThreadOf returns a member thread as the document writes it.
func ThreadOf(t model.Thread) Thread { return Thread{TID: t.TID, PID: t.PID} }

// HolderOf returns a holder as the document writes it.
func HolderOf(h model.Holder) Holder {
	hd := Holder{
		Kind:    string(h.Kind),
		PID:     nullInt(h.PID, 0),
		Path:    nullString(h.Path),
		MountNS: nullRef(h.MountNS),
		Of:      nullRef(h.Of),
	}
	// fd 0 is a real descriptor for fd and socket holders; for other
	// kinds 0 means "not applicable".
	if h.Kind == model.HolderFD || h.Kind == model.HolderSocket || h.FD != 0 {
		fd := h.FD
		hd.FD = &fd
	}
	return hd
}
