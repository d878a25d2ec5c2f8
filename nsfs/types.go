// Package nsfs holds the kernel facts about namespaces: their types, their
// identity, and typed wrappers over the ioctl_ns(2) operations on nsfs files.
// Everything goes through golang.org/x/sys/unix.
package nsfs

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Type is a namespace type, valued as the CLONE_NEW* flag that creates it
// (which is also what NS_GET_NSTYPE returns).
type Type uint32

// The namespace types Linux knows.
const (
	Cgroup Type = unix.CLONE_NEWCGROUP
	IPC    Type = unix.CLONE_NEWIPC
	Mount  Type = unix.CLONE_NEWNS
	Net    Type = unix.CLONE_NEWNET
	PID    Type = unix.CLONE_NEWPID
	Time   Type = unix.CLONE_NEWTIME
	User   Type = unix.CLONE_NEWUSER
	UTS    Type = unix.CLONE_NEWUTS
)

// AllTypes lists every type in the order of their /proc/PID/ns link names,
// which is also the order the tool prints them in.
var AllTypes = []Type{Cgroup, IPC, Mount, Net, PID, Time, User, UTS}

var typeNames = map[Type]string{
	Cgroup: "cgroup", IPC: "ipc", Mount: "mnt", Net: "net",
	PID: "pid", Time: "time", User: "user", UTS: "uts",
}

// String returns the /proc/PID/ns link name of the type ("mnt", "net", ...).
func (t Type) String() string {
	if name, ok := typeNames[t]; ok {
		return name
	}
	return fmt.Sprintf("type(%#x)", uint32(t))
}

// Rank orders types as AllTypes does; unknown types sort last.
func (t Type) Rank() int {
	for i, known := range AllTypes {
		if known == t {
			return i
		}
	}
	return len(AllTypes)
}

// Hierarchical reports whether namespaces of this type have parents (user
// and PID namespaces nest; the others are flat and have only an owner).
func (t Type) Hierarchical() bool { return t == User || t == PID }

// ParseType maps a link name ("net") to its Type.
func ParseType(name string) (Type, bool) {
	// A switch, not a map walk: this runs for every link of every process.
	switch name {
	case "cgroup":
		return Cgroup, true
	case "ipc":
		return IPC, true
	case "mnt":
		return Mount, true
	case "net":
		return Net, true
	case "pid":
		return PID, true
	case "time":
		return Time, true
	case "user":
		return User, true
	case "uts":
		return UTS, true
	}
	return 0, false
}

// TypeNames returns the link names of all types, in AllTypes order.
func TypeNames() []string {
	names := make([]string, len(AllTypes))
	for i, t := range AllTypes {
		names[i] = t.String()
	}
	return names
}

// TypeSet is a set of namespace types, as a bit mask of CLONE_NEW* flags.
type TypeSet uint32

// AllTypeSet contains every type.
var AllTypeSet = NewTypeSet(AllTypes...)

// NewTypeSet returns the set of the given types.
func NewTypeSet(types ...Type) TypeSet {
	var s TypeSet
	for _, t := range types {
		s |= TypeSet(t)
	}
	return s
}

// Has reports whether t is in the set.
func (s TypeSet) Has(t Type) bool { return s&TypeSet(t) != 0 }

// Types lists the set's members in AllTypes order.
func (s TypeSet) Types() []Type {
	var out []Type
	for _, t := range AllTypes {
		if s.Has(t) {
			out = append(out, t)
		}
	}
	return out
}

// String returns the set as a comma-separated list of link names.
func (s TypeSet) String() string {
	var names []string
	for _, t := range s.Types() {
		names = append(names, t.String())
	}
	return strings.Join(names, ",")
}

// ParseTypeSet parses a comma-separated list of link names. It returns the
// first unknown name as an error.
func ParseTypeSet(list string) (TypeSet, error) {
	var s TypeSet
	for _, name := range strings.Split(list, ",") {
		t, ok := ParseType(strings.TrimSpace(name))
		if !ok {
			return 0, fmt.Errorf("unknown namespace type %q (known: %s)", name, strings.Join(TypeNames(), ","))
		}
		s |= TypeSet(t)
	}
	return s, nil
}

// ID identifies a namespace: the device and inode number of its nsfs file.
// Inode numbers alone are what /proc/PID/ns links show and are unique while
// there is one nsfs instance, which is always the case; the device is kept
// so that the identity is exactly what stat(2) says.
type ID struct {
	Dev uint64
	Ino uint64
}

// IsZero reports whether the ID is unset.
func (id ID) IsZero() bool { return id == ID{} }

// String formats the ID as the tree shows it: "{4 4026531837}".
func (id ID) String() string { return fmt.Sprintf("{%d %d}", id.Dev, id.Ino) }

// Less orders IDs by inode, then device.
func (id ID) Less(other ID) bool {
	if id.Ino != other.Ino {
		return id.Ino < other.Ino
	}
	return id.Dev < other.Dev
}
