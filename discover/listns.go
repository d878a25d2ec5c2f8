package discover

import (
	"encoding/binary"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// kernelNamespaceList asks the kernel for its own list of namespaces
// (listns(2), Linux 6.19+) to catch whatever the other sources missed: a
// namespace kept alive by something no /proc file shows. Each ID not already
// in the model is opened by its nsfs file handle. On older kernels the probe
// gets ENOSYS once and the source is skipped.
type kernelNamespaceList struct {
	outcome
	listns     func(req *unix.NsIdReq, ids []uint64, flags uint) (int, error)
	openByID   func(nsID uint64) (int, error)
	pageSize   int
	unopenable int // listed IDs that could not be opened
}

func (*kernelNamespaceList) about() about {
	return about{name: "listns", needs: "listns(2) (Linux 6.19+)"}
}

func newKernelNamespaceList(procFD int) *kernelNamespaceList {
	k := &kernelNamespaceList{listns: unix.Listns, pageSize: 256}
	k.openByID = nsfsHandleOpener(procFD)
	k.probe()
	return k
}

// probe asks for one ID, so a kernel without listns(2) costs one ENOSYS.
func (k *kernelNamespaceList) probe() {
	req := unix.NsIdReq{Size: unix.NS_ID_REQ_SIZE_VER0}
	if _, err := k.listns(&req, make([]uint64, 1), 0); err != nil {
		k.unavailable = err
	}
}

// listAll pages through listns(2): each request asks for the IDs after the
// last one received, until a short page.
func (k *kernelNamespaceList) listAll() ([]uint64, error) {
	var all []uint64
	page := make([]uint64, k.pageSize)
	req := unix.NsIdReq{Size: unix.NS_ID_REQ_SIZE_VER0}
	for {
		n, err := k.listns(&req, page, 0)
		if err != nil {
			return all, err
		}
		all = append(all, page[:n]...)
		if n < len(page) {
			return all, nil
		}
		req.Ns_id = page[n-1]
	}
}

// scanHost opens each listed namespace whose ID is not in the model; one
// pass: whatever the list adds is resolved with its ancestors.
func (k *kernelNamespaceList) scanHost(kn *known, f *found) bool {
	if k.unavailable != nil {
		return false
	}
	ids, err := k.listAll()
	if err != nil {
		k.unavailable = err
		return false
	}
	knownIDs := map[uint64]bool{}
	for _, ns := range kn.m.Namespaces {
		if ns.NSID != 0 {
			knownIDs[ns.NSID] = true
		}
	}
	for _, id := range ids {
		if knownIDs[id] {
			continue
		}
		fd, err := k.openByID(id)
		if err != nil {
			k.unopenable++
			continue
		}
		if nsID, err := nsfs.IDOf(fd); err != nil || kn.has(nsID) {
			unix.Close(fd) // known after all (by inode), or not a namespace
			continue
		}
		f.holder(byFD(fd, 0, 0), model.Holder{Kind: model.HolderKernelList})
	}
	if k.unopenable > 0 {
		k.note = strconv.Itoa(k.unopenable) + " listed namespaces could not be opened"
	}
	return false
}

// nsfsHandleOpener opens a namespace by its 64-bit ID through an nsfs file
// handle. The handle type is learned from the kernel (name_to_handle_at on
// our own namespace) instead of being hard-coded; the handle body is
// struct nsfs_file_handle {u64 ns_id; u32 ns_type; u32 ns_inum}, where zero
// type and inode match any namespace with that ID.
func nsfsHandleOpener(procFD int) func(uint64) (int, error) {
	return func(nsID uint64) (int, error) {
		// AT_SYMLINK_FOLLOW: the handle of the nsfs file, not of the /proc link.
		self, _, err := unix.NameToHandleAt(procFD, "self/ns/user", unix.AT_SYMLINK_FOLLOW)
		if err != nil {
			return -1, err
		}
		mountFD, err := unix.Openat(procFD, "self/ns/user", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, err
		}
		defer unix.Close(mountFD)
		body := make([]byte, 16)
		binary.NativeEndian.PutUint64(body, nsID)
		return unix.OpenByHandleAt(mountFD, unix.NewFileHandle(self.Type(), body), unix.O_RDONLY|unix.O_CLOEXEC)
	}
}
