package workload

import (
	"bytes"
	"path"
	"strings"
)

// Parent is a container named by the command line of an engine's helper
// process: the process whose children are a container's first processes.
type Parent struct {
	uid       int // the helper process's UID (set by Attribute)
	Engine    string
	ID, Name  string
	Namespace string // containerd namespace
}

// Found reports whether the command line named a container.
func (p Parent) Found() bool { return p.Engine != "" }

// IsEngineHelper reports whether a process with this command name may be an
// engine's helper whose command line [ParseParent] reads: conmon (podman,
// CRI-O), containerd-shim-* (containerd, docker, Kubernetes),
// systemd-nspawn, and LXC's monitor (started as lxc-start or lxc-execute,
// which renames itself "[lxc monitor] ...").
func IsEngineHelper(comm string) bool {
	return comm == "conmon" || strings.HasPrefix(comm, "containerd-shim") ||
		comm == "systemd-nspawn" || strings.HasPrefix(comm, "lxc-") || strings.HasPrefix(comm, "[lxc monitor]")
}

// ParseParent reads a NUL-separated /proc/PID/cmdline of an engine helper:
//
//   - conmon: "-c <id>" (or --cid) and "-n <name>" (or --name); podman's, or
//     CRI-O's when its exit directory or bundle is under a crio directory;
//   - containerd-shim-*: "-namespace <ns> -id <id>": namespace "moby" is
//     docker's, "k8s.io" Kubernetes' (containerd's CRI plugin);
//   - LXC: the monitor's single argument "[lxc monitor] <lxcpath> <name>";
//   - systemd-nspawn: "-M <name>", "-M<name>", "--machine[=]<name>", else
//     the base name of "-D <dir>", as nspawn itself defaults.
func ParseParent(cmdline []byte) Parent {
	args := splitCmdline(cmdline)
	if len(args) == 0 {
		return Parent{}
	}
	if joined := strings.Join(args, " "); strings.HasPrefix(joined, "[lxc monitor] ") {
		f := strings.Fields(joined)
		if len(f) >= 4 {
			return Parent{Engine: LXC, Name: strings.Join(f[3:], " ")}
		}
		return Parent{}
	}
	base := path.Base(args[0])
	switch {
	case base == "conmon":
		p := Parent{Engine: Podman}
		for i := 1; i < len(args); i++ {
			name, val, next := option(args, i)
			switch name {
			case "c", "cid":
				p.ID = val
			case "n", "name":
				p.Name = val
			case "exit-dir", "b", "bundle":
				if strings.Contains(val, "/crio") {
					p.Engine = CRIO
				}
			}
			i = next
		}
		if p.ID == "" {
			return Parent{}
		}
		return p
	case strings.HasPrefix(base, "containerd-shim"):
		p := Parent{}
		for i := 1; i < len(args); i++ {
			name, val, next := option(args, i)
			switch name {
			case "namespace":
				p.Namespace = val
			case "id":
				p.ID = val
			}
			i = next
		}
		if p.ID == "" {
			return Parent{}
		}
		switch p.Namespace {
		case "moby":
			p.Engine = Docker
		case "k8s.io":
			p.Engine = CRIContainerd
		default:
			p.Engine = Containerd
		}
		return p
	case base == "systemd-nspawn":
		p := Parent{Engine: Nspawn}
		var dir string
		for i := 1; i < len(args); i++ {
			if args[i] == "--" {
				break
			}
			if strings.HasPrefix(args[i], "-M") && len(args[i]) > 2 {
				p.Name = args[i][2:]
				continue
			}
			if strings.HasPrefix(args[i], "-D") && len(args[i]) > 2 {
				dir = args[i][2:]
				continue
			}
			name, val, next := option(args, i)
			switch name {
			case "M", "machine":
				p.Name = val
			case "D", "directory":
				dir = val
			}
			if name == "M" || name == "machine" || name == "D" || name == "directory" {
				i = next
			}
		}
		if p.Name == "" && dir != "" {
			p.Name = path.Base(strings.TrimRight(dir, "/"))
		}
		if p.Name == "" {
			return Parent{}
		}
		return p
	}
	return Parent{}
}

// option reads args[i] as "-x", "--name" or "--name=value" and returns its
// name, value and the index of the last argument it used. A value-less
// option followed by another option gets the value "".
func option(args []string, i int) (name, val string, last int) {
	a := args[i]
	if !strings.HasPrefix(a, "-") {
		return "", "", i
	}
	a = strings.TrimLeft(a, "-")
	if n, v, ok := strings.Cut(a, "="); ok {
		return n, v, i
	}
	if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
		return a, args[i+1], i + 1
	}
	return a, "", i
}

func splitCmdline(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	parts := bytes.Split(b, []byte{0})
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}
