package discover

import (
	"strconv"

	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// readIDMaps fills in the UID and GID maps of each user namespace from the
// first member task whose maps can still be read.
func (s *scan) readIDMaps() {
	for _, ns := range s.m.Namespaces {
		if ns.Type != nsfs.User {
			continue
		}
		dirs := func(yield func(string) bool) {
			for _, pid := range ns.PIDs {
				if !yield(strconv.Itoa(pid)) {
					return
				}
			}
			for _, t := range ns.Threads {
				if !yield(taskDir(t.PID, t.TID)) {
					return
				}
			}
		}
		for dir := range dirs {
			if uids, gids, ok := readIDMapsOf(s.procFD, dir); ok {
				ns.UIDMap, ns.GIDMap = uids, gids
				break
			}
		}
	}
}

func readIDMapsOf(procFD int, dir string) (uids, gids []procfs.IDRange, ok bool) {
	uidData, err := readFile(procFD, dir+"/uid_map")
	if err != nil {
		return nil, nil, false
	}
	gidData, err := readFile(procFD, dir+"/gid_map")
	if err != nil {
		return nil, nil, false
	}
	if uids, err = procfs.ParseIDMap(uidData); err != nil {
		return nil, nil, false
	}
	if gids, err = procfs.ParseIDMap(gidData); err != nil {
		return nil, nil, false
	}
	return uids, gids, true
}
