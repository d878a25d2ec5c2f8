// Package workload says whose a process is: which container (docker,
// podman, containerd, CRI-O, runc, crun, LXC, systemd-nspawn), which
// Kubernetes pod, or which systemd unit. It reads only what the host shows:
// /proc/PID/cgroup, the command lines of parent processes, and the engines'
// own state files; it never talks to a daemon or runs an engine's command,
// so it answers while an engine hangs.
//
// The parsers ([ParseCgroup], [ParseParent], the state-file parsers) are
// pure functions of bytes. [ReadProcess] reads one process's facts (cheap:
// its cgroup file, and its stat line only when the cgroup names no
// container); [Attribute] turns the facts of a whole scan into the model's
// workloads, reading each engine's state files at most once per scan.
//
// Files written by other users (a rootless user's engine state) and text in
// them are untrusted: they are opened beneath their engine directory
// without following symlinks, never block (FIFOs and devices are refused
// before reading), are size-limited, and renderers escape what they print.
package workload

// Engines, as they appear in model.Workload.Engine.
const (
	Docker        = "docker"
	Podman        = "podman"
	Containerd    = "containerd"
	CRIContainerd = "cri-containerd"
	CRIO          = "cri-o"
	Runc          = "runc"
	Crun          = "crun"
	LXC           = "lxc"
	Nspawn        = "systemd-nspawn"
	Systemd       = "systemd"
)
