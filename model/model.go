// Package model is the typed result of a namespace scan: every namespace
// found, how they nest, who is in them and what keeps them alive. It is
// plain data: renderers read it without touching /proc, and it can be
// serialised and rebuilt elsewhere.
//
// # Walks
//
// What a [View] shows, and in which order, is decided here once:
// [Model.Forest] builds the trees, [Model.Select] adds the namespaces in
// display order and by ID and the descendants within the view, and
// [Model.Descendants] and [Model.DescendantHolders] say which namespaces an
// ancestor keeps alive, and [Namespace.OwningUser] and
// [Namespace.OwnerHidden] where a namespace hangs in the user hierarchy.
// Renderers use these rather than walking the maps
// themselves, so that every output format agrees.
package model

import (
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// Model is the result of one scan.
type Model struct {
	// Namespaces holds every namespace found, by identity.
	Namespaces map[nsfs.ID]*Namespace
	// Tasks describes the processes and threads named as members, by PID
	// or TID. Only what the scan was asked to read is filled in.
	Tasks map[int]*Task
	// Self is the scanning process's own user and PID namespace (zero
	// when unknown); its tree is printed first.
	SelfUser, SelfPID nsfs.ID
	// ScannerPID is the scanning process's own PID (0 when unknown). It
	// is a member like any other; comparisons of two scans leave it out.
	ScannerPID int
	// Skipped lists the processes whose namespaces could not be read.
	Skipped []Skip
	// Sources reports which discovery sources ran and which could not.
	Sources []SourceReport
	// Workloads are the containers, pods and systemd units the scanned
	// processes belong to, sorted by Ref; see [Workload]. Only filled when
	// WorkloadsScanned.
	Workloads []*Workload
	// WorkloadsScanned says the scan attributed processes to workloads.
	WorkloadsScanned bool
	// Tool and Kernel describe where the scan ran (for JSON output).
	ToolVersion, KernelRelease string
}

// New returns an empty model.
func New() *Model {
	return &Model{Namespaces: map[nsfs.ID]*Namespace{}, Tasks: map[int]*Task{}}
}

// Namespace is one namespace and everything known about it.
type Namespace struct {
	ID   nsfs.ID
	Type nsfs.Type
	// NSID is the kernel's 64-bit namespace ID (NS_GET_ID); 0 if unknown.
	NSID uint64
	// NetNSID is, for a network namespace, the id the scanner's network
	// namespace gives it (RTM_GETNSID); -1 when it has none assigned, nil
	// when not read.
	NetNSID *int32

	// Parent is the parent user or PID namespace. Zero means this is a
	// topmost visible namespace (the initial one, or one whose parent lies
	// outside the scanner's view).
	Parent nsfs.ID
	// Owner is the owning user namespace of a non-user namespace. Zero
	// means the owner exists but is not visible to the scanner (it is an
	// ancestor of the scanner's own user namespace). For user namespaces
	// the owner is the parent, so Owner is zero.
	Owner nsfs.ID

	// CreatorUID is the UID of a user namespace's creator, as seen from the
	// scanner's user namespace; -1 for other types or when unknown.
	CreatorUID int64
	// UIDMap and GIDMap are a user namespace's ID maps, nil when unknown
	// (no member could be read, or maps were not asked for).
	UIDMap, GIDMap []procfs.IDRange

	// PIDs are the processes whose /proc/PID/ns link names this namespace.
	PIDs []int
	// Threads are the tasks found through /proc/PID/task/TID/ns; the
	// leader appears with TID == PID.
	Threads []Thread
	// Holders are the other things that keep the namespace alive, or made
	// discovery find it (open fds, bind mounts, *_for_children links,
	// sockets, the kernel's list). Being an ancestor is derived when shown,
	// by [Model.DescendantHolders], not stored by a scan.
	Holders []Holder
	// Workloads are the refs (see [Workload]) of the workloads whose
	// processes, threads or holders are in the namespace, sorted.
	Workloads []string
}

// Thread is a task that is a member of a namespace.
type Thread struct {
	TID, PID int
}

// HolderKind says what keeps a namespace alive.
type HolderKind string

// The kinds of holder, besides member processes and threads.
const (
	HolderFD           HolderKind = "fd"         // an open fd of a process
	HolderSocket       HolderKind = "socket"     // a socket fd (net namespaces)
	HolderBindMount    HolderKind = "bind-mount" // an nsfs bind mount
	HolderPIDChildren  HolderKind = "pid_for_children"
	HolderTimeChildren HolderKind = "time_for_children"
	HolderDescendant   HolderKind = "descendant"  // parent or owner of another namespace; see [Model.DescendantHolders]
	HolderKernelList   HolderKind = "kernel-list" // only the kernel's namespace list knows it
)

// Holder is one reason a namespace exists beyond its member tasks.
type Holder struct {
	Kind HolderKind
	// PID is the process holding the fd or link (fd, socket, *_for_children).
	PID int
	// FD is the fd number (fd, socket).
	FD int
	// Path is the mount point of a bind mount, relative to the root of the
	// process it was found through.
	Path string
	// MountNS is the mount namespace a bind mount lives in.
	MountNS nsfs.ID
	// Of is the namespace a [HolderDescendant] holder stands for.
	Of nsfs.ID
	// Workload is the ref of the workload whose engine made this holder
	// (a netns bind mount named in the engine's state), "" if none.
	Workload string
}

// Task is what the scan read about one process or thread.
type Task struct {
	ID   int    // PID or TID
	TGID int    // the process it belongs to
	PPID int    // parent process, 0 if unknown
	UID  int    // real UID, -1 if unknown
	Comm string // command name, "" if not read
	// Cmdline is the command line, arguments joined by spaces; "" if not
	// read or empty (kernel threads).
	Cmdline string
	NStgid  []int // PIDs in each PID namespace, outermost first; nil if not read
}

// Skip records a process whose namespaces could not be read.
type Skip struct {
	PID    int
	Reason string // errno name, e.g. "EACCES"
}

// SourceReport says whether a discovery source ran.
type SourceReport struct {
	Name   string
	Ran    bool
	Reason string // why it did not run, e.g. "ENOSYS: kernel lacks listns(2)"
}
