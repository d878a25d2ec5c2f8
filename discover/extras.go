package discover

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// The reads here run after a scan, and only for what an output asks for
// (the list's COMMAND and NETNSID columns, or a --filter that names them),
// so the scan itself stays as fast as before.

// AddCmdlines reads the command line of each of pids into its task in m
// (creating the task if the scan did not read it), through procfs at
// procRoot ("" means /proc). A process that has exited, or whose command
// line cannot be read, is left as it is.
func AddCmdlines(procRoot string, m *model.Model, pids []int) {
	root := (&Options{ProcRoot: procRoot}).procRoot()
	for _, pid := range pids {
		f, err := os.Open(root + "/" + strconv.Itoa(pid) + "/cmdline")
		if err != nil {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(f, procfs.MaxCmdline))
		f.Close()
		if err != nil {
			continue
		}
		t := m.Tasks[pid]
		if t == nil {
			t = &model.Task{ID: pid, TGID: pid, UID: -1}
			m.Tasks[pid] = t
		}
		t.Cmdline = procfs.ParseCmdline(data)
	}
}

// AddNetNSIDs sets NetNSID on every network namespace in m that can be
// opened: through a member's /proc/PID/ns/net, a bind mount in our own
// mount namespace, or a holder's fd, each checked to be the namespace
// meant (a PID or path may have been reused since the scan). The id is
// the one our network namespace gives it (RTM_GETNSID); no thread enters
// any namespace. Namespaces that cannot be opened are left without one.
// procRoot is where procfs is mounted ("" means /proc).
func AddNetNSIDs(procRoot string, m *model.Model) error {
	procFD, err := unix.Open((&Options{ProcRoot: procRoot}).procRoot(), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(procFD)
	q, err := nsfs.OpenNetNSIDs()
	if err != nil {
		return err
	}
	defer q.Close()
	var ownMount nsfs.ID
	var st unix.Stat_t
	if unix.Fstatat(procFD, "self/ns/mnt", &st, 0) == nil {
		ownMount = nsfs.ID{Dev: st.Dev, Ino: st.Ino}
	}
	for _, ns := range m.Namespaces {
		if ns.Type != nsfs.Net {
			continue
		}
		fd := openNetNS(procFD, ns, ownMount)
		if fd < 0 {
			continue
		}
		if id, err := q.Of(fd); err == nil {
			ns.NetNSID = &id
		}
		unix.Close(fd)
	}
	return nil
}

// openNetNS opens ns through the first of its paths that still leads to
// it, or returns -1. Paths are relative to procFD unless absolute.
func openNetNS(procFD int, ns *model.Namespace, ownMount nsfs.ID) int {
	var paths []string
	for _, pid := range ns.PIDs {
		paths = append(paths, strconv.Itoa(pid)+"/ns/net")
	}
	for _, h := range ns.Holders {
		switch {
		case h.Kind == model.HolderBindMount && h.Path != "" && h.MountNS == ownMount:
			paths = append(paths, h.Path)
		case h.Kind == model.HolderFD && h.PID != 0:
			paths = append(paths, strconv.Itoa(h.PID)+"/fd/"+strconv.Itoa(h.FD))
		}
	}
	for _, p := range paths {
		// Vetted: a bind mount path or an fd could by now name anything.
		fd, err := nsfs.OpenVetted(procFD, procFD, p, 0)
		if err != nil {
			continue
		}
		if id, err := nsfs.IDOf(fd); err == nil && id == ns.ID {
			return fd
		}
		unix.Close(fd)
	}
	return -1
}
