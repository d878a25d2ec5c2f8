package workload

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
)

// Where engines keep their state, relative to the host root. These are the
// engines' defaults; a relocated data root is not found (the containers
// are then shown by ID).
const (
	dockerContainers   = "var/lib/docker/containers"
	podmanStorage      = "var/lib/containers/storage/overlay-containers"
	rootlessStorage    = ".local/share/containers/storage/overlay-containers"
	containerdTasks    = "run/containerd/io.containerd.runtime.v2.task"
	crioStorage        = "run/containers/storage/overlay-containers"
	runcState          = "run/runc"
	crunState          = "run/crun"
	passwdFile         = "etc/passwd"
	storageContainers  = "containers.json"
	storageBundleFile  = "userdata/config.json"
	dockerConfigFile   = "config.v2.json"
	containerdKube     = "k8s.io"
	maxAncestors       = 64
	dockerNetnsPrefix  = "/run/docker/netns/"
	podmanNetnsPrefix  = "/run/netns/netns-"
	cniNetnsPrefix     = "/run/netns/cni-"
	procNetnsPathStart = "/proc/"
)

// Options say where Attribute looks.
type Options struct {
	// ProcFD is an open /proc, for reading ancestors' stat and cmdline.
	ProcFD int
	// Root is the host root below which engine state lives; "" means "/".
	// Tests point it at fixture trees.
	Root string
	// Like maps processes that were not read to one that was and shares
	// all their namespaces: they belong to its workload (the scanner reads
	// one process per set of namespaces; see package discover).
	Like map[int]int
}

// Attribute derives the workloads of the scanned processes and records
// them on m: m.Workloads, each namespace's Workloads (from its member
// processes, threads and holders), and the Workload of bind-mount holders
// an engine made. procs are the facts read by [ReadProcess].
func Attribute(m *model.Model, procs []Process, opts Options) {
	a := newAttributor(procs, opts)
	for i := range procs {
		a.claimProcess(&procs[i])
	}
	for pid, like := range opts.Like {
		if w := a.byPID[like]; w != nil {
			a.byPID[pid] = w
			w.PIDs = append(w.PIDs, pid)
		}
	}
	a.resolveNames()
	a.attributeHolders(m)
	a.finish(m)
}

// attributor holds one Attribute call's state: what was read once per
// scan is cached here.
type attributor struct {
	opts      Options
	root      string
	procs     map[int]*Process
	ancestors map[int]*Process // processes read for the parent chain only
	helperOf  map[int]*Parent  // memo: the engine helper above a PID (nil: none)
	byPID     map[int]*model.Workload
	workloads map[string]*model.Workload

	passwd     map[int]Passwd
	passwdRead bool
	runcIDs    map[string]string // ID -> engine (runc or crun)
	containerd map[string]string // ref -> containerd namespace
}

func newAttributor(procs []Process, opts Options) *attributor {
	a := &attributor{
		opts:       opts,
		root:       opts.Root,
		procs:      make(map[int]*Process, len(procs)),
		ancestors:  map[int]*Process{},
		helperOf:   map[int]*Parent{},
		byPID:      make(map[int]*model.Workload, len(procs)),
		workloads:  map[string]*model.Workload{},
		containerd: map[string]string{},
	}
	if a.root == "" {
		a.root = "/"
	}
	for i := range procs {
		a.procs[procs[i].PID] = &procs[i]
	}
	return a
}

func (a *attributor) path(rel string) string { return filepath.Join(a.root, rel) }

// workload returns the workload with ref, creating it.
func (a *attributor) workload(ref, engine string) *model.Workload {
	w := a.workloads[ref]
	if w == nil {
		w = &model.Workload{Ref: ref, Engine: engine, OwnerUID: -1}
		a.workloads[ref] = w
	}
	return w
}

// claimProcess finds the workload of one process, cheapest source first.
func (a *attributor) claimProcess(p *Process) {
	c := &p.Cgroup
	var w *model.Workload
	switch {
	case c.Container():
		w = a.fromCgroup(c)
	default:
		if h := a.helperAbove(p.PID); h != nil {
			w = a.fromParent(h)
		} else if engine, ok := a.runcID(c.Leaf); ok && c.Leaf != "" {
			w = a.workload(engine+":"+c.Leaf, engine)
			w.ID, w.Name = c.Leaf, c.Leaf
		} else if ns, id := c.LeafParent, c.Leaf; ns != "" && id != "" && a.isContainerdTask(ns, id) {
			w = a.fromParent(&Parent{Engine: containerdEngine(ns), Namespace: ns, ID: id})
		} else if c.Unit != "" {
			unitPath := c.Path[:strings.LastIndex(c.Path, c.Unit)+len(c.Unit)]
			w = a.workload(Systemd+":"+unitPath, Systemd)
			w.Unit = c.Unit
			w.OwnerUID = c.OwnerUID
		}
	}
	if w == nil {
		return
	}
	if c.OwnerUID >= 0 && w.IsContainer() && w.Engine != LXC {
		// A container below a user's slice was started by that user.
		w.Rootless, w.OwnerUID = c.OwnerUID != 0, c.OwnerUID
	}
	a.byPID[p.PID] = w
	w.PIDs = append(w.PIDs, p.PID)
}

func containerdEngine(ns string) string {
	switch ns {
	case "moby":
		return Docker
	case containerdKube:
		return CRIContainerd
	}
	return Containerd
}

// fromCgroup makes the workload a container's cgroup path names.
func (a *attributor) fromCgroup(c *Cgroup) *model.Workload {
	engine := c.Engine
	if c.Kube && engine == "" {
		engine = a.kubeRuntime(c.ID)
	}
	key := c.ID
	if key == "" {
		key = c.Name
	}
	w := a.workload(engine+":"+key, engine)
	w.ID = c.ID
	if c.Name != "" {
		w.Name = c.Name
	}
	if c.Kube && w.Pod == nil {
		w.Pod = &model.Pod{UID: c.PodUID}
	}
	if engine == CRIContainerd {
		a.containerd[w.Ref] = containerdKube
	}
	return w
}

// kubeRuntime tells which CRI runtime runs a container of Kubernetes'
// cgroupfs layout, whose path does not say: the one with its state.
func (a *attributor) kubeRuntime(id string) string {
	if a.isContainerdTask(containerdKube, id) {
		return CRIContainerd
	}
	if dir, err := openDir(a.path(crioStorage)); err == nil {
		defer unix.Close(dir)
		if exists(dir, id) {
			return CRIO
		}
	}
	return "kubernetes"
}

// fromParent makes the workload an engine helper's command line names.
func (a *attributor) fromParent(h *Parent) *model.Workload {
	key := h.ID
	if key == "" {
		key = h.Name
	} else if h.Engine == Containerd {
		key = h.Namespace + "/" + h.ID
	}
	w := a.workload(h.Engine+":"+key, h.Engine)
	w.ID = h.ID
	if h.Name != "" && w.Name == "" {
		w.Name = h.Name
	}
	if h.Namespace != "" {
		a.containerd[w.Ref] = h.Namespace
	}
	if h.Engine == Containerd && w.Name == "" {
		w.Name = h.ID
	}
	if h.uid > 0 {
		w.Rootless, w.OwnerUID = true, h.uid
	}
	return w
}

// helperAbove returns the engine helper (conmon, shim, monitor, nspawn)
// that is the nearest ancestor of pid, or nil. Results are memoised, so a
// chain is walked once however many processes share it.
func (a *attributor) helperAbove(pid int) *Parent {
	var chain []int
	var found *Parent
	for cur := pid; len(chain) < maxAncestors; {
		if h, ok := a.helperOf[cur]; ok {
			found = h
			break
		}
		chain = append(chain, cur)
		p := a.process(cur)
		if p == nil || p.PPID <= 1 {
			break
		}
		parent := a.process(p.PPID)
		if parent != nil && IsEngineHelper(parent.Comm) {
			if h := a.parseHelper(p.PPID, parent); h != nil {
				found = h
				break
			}
		}
		cur = p.PPID
	}
	for _, c := range chain {
		a.helperOf[c] = found
	}
	return found
}

// parseHelper reads a helper's command line once.
func (a *attributor) parseHelper(pid int, p *Process) *Parent {
	buf := make([]byte, 4096)
	data, err := readProc(a.opts.ProcFD, strconv.Itoa(pid)+"/cmdline", buf)
	if err != nil {
		return nil
	}
	h := ParseParent(data)
	if !h.Found() {
		return nil
	}
	h.uid = p.UID
	return &h
}

// process returns the facts of pid: scanned, or read now for the parent
// chain (PID arguments scan only some processes).
func (a *attributor) process(pid int) *Process {
	if p := a.procs[pid]; p != nil && p.PPID != 0 {
		return p
	}
	if p, ok := a.ancestors[pid]; ok {
		return p
	}
	buf := make([]byte, 1024)
	ppid, comm, uid := readStat(a.opts.ProcFD, strconv.Itoa(pid), buf)
	var p *Process
	if comm != "" {
		p = &Process{PID: pid, PPID: ppid, Comm: comm, UID: uid}
	}
	a.ancestors[pid] = p
	return p
}

// runcID reports whether id is a container of runc or crun run by hand
// (their state directories are listed once per scan).
func (a *attributor) runcID(id string) (string, bool) {
	if a.runcIDs == nil {
		a.runcIDs = map[string]string{}
		for _, d := range []struct{ dir, engine string }{{runcState, Runc}, {crunState, Crun}} {
			fd, err := openDir(a.path(d.dir))
			if err != nil {
				continue
			}
			names, _ := listDir(fd)
			unix.Close(fd)
			for _, n := range names {
				a.runcIDs[n] = d.engine
			}
		}
	}
	e, ok := a.runcIDs[id]
	return e, ok
}

// isContainerdTask reports whether containerd runs a task ns/id.
func (a *attributor) isContainerdTask(ns, id string) bool {
	if strings.ContainsAny(ns+id, "/\x00") || ns == "." || ns == ".." || id == "." || id == ".." {
		return false
	}
	dir, err := openDir(a.path(containerdTasks))
	if err != nil {
		return false
	}
	defer unix.Close(dir)
	return exists(dir, ns+"/"+id)
}

// resolveNames fills in names and pods from the engines' state files, each
// read at most once.
func (a *attributor) resolveNames() {
	var podmanRootful bool
	rootlessOwners := map[int]bool{}
	for _, w := range a.workloads {
		switch w.Engine {
		case Docker:
			if w.Name == "" && w.ID != "" {
				if cfg, ok := a.dockerConfig(w.ID); ok {
					w.Name = cfg.Name
				}
			}
		case Podman:
			if w.Rootless {
				rootlessOwners[w.OwnerUID] = true
			} else {
				podmanRootful = true
			}
		case CRIContainerd, Containerd:
			ns := a.containerd[w.Ref]
			if ns == "" {
				ns = containerdKube
			}
			if data, err := readFileBeneath(a.path(containerdTasks), ns+"/"+w.ID+"/config.json"); err == nil {
				a.applyBundle(w, data)
			}
			if w.Engine == Containerd && w.Name == "" {
				w.Name = w.ID
			}
		case CRIO:
			if data, err := readFileBeneath(a.path(crioStorage), w.ID+"/"+storageBundleFile); err == nil {
				a.applyBundle(w, data)
			}
		case Runc, Crun:
			w.Name = w.ID
		}
		if w.OwnerUID >= 0 {
			if pw, ok := a.user(w.OwnerUID); ok {
				w.OwnerUser = pw.Name
			}
		}
	}
	if podmanRootful {
		if data, err := readFileBeneath(a.path(podmanStorage), storageContainers); err == nil {
			a.applyStorageNames(data, func(w *model.Workload) bool { return !w.Rootless })
		}
	}
	for uid := range rootlessOwners {
		pw, ok := a.user(uid)
		if !ok || pw.Home == "" || !filepath.IsAbs(pw.Home) {
			continue
		}
		// The home and everything in it belong to the user: read beneath
		// it without following symlinks.
		if data, err := readFileBeneath(filepath.Join(a.root, pw.Home), rootlessStorage+"/"+storageContainers); err == nil {
			a.applyStorageNames(data, func(w *model.Workload) bool { return w.Rootless && w.OwnerUID == uid })
		}
	}
}

// applyStorageNames names podman workloads from a containers.json.
func (a *attributor) applyStorageNames(data []byte, mine func(*model.Workload) bool) {
	names, err := ParseStorageContainers(data)
	if err != nil {
		return
	}
	for _, w := range a.workloads {
		if w.Engine == Podman && w.Name == "" && mine(w) {
			w.Name = names[w.ID]
		}
	}
}

// applyBundle takes the Kubernetes identity from a bundle's annotations.
func (a *attributor) applyBundle(w *model.Workload, data []byte) {
	cfg, err := ParseOCIConfig(data)
	if err != nil {
		return
	}
	k, ok := cfg.Kube()
	if !ok {
		return
	}
	uid := k.PodUID
	if w.Pod != nil && uid == "" {
		uid = w.Pod.UID
	}
	w.Pod = &model.Pod{Namespace: k.PodNamespace, Name: k.PodName, UID: uid}
	w.ContainerName = k.Container
}

func (a *attributor) dockerConfig(id string) (DockerConfig, bool) {
	if strings.ContainsAny(id, "/\x00") || id == "." || id == ".." {
		return DockerConfig{}, false
	}
	data, err := readFileBeneath(a.path(dockerContainers), id+"/"+dockerConfigFile)
	if err != nil {
		return DockerConfig{}, false
	}
	cfg, err := ParseDockerConfig(data)
	return cfg, err == nil
}

// user looks a UID up in the host's /etc/passwd (read once).
func (a *attributor) user(uid int) (Passwd, bool) {
	if !a.passwdRead {
		a.passwdRead = true
		if data, err := readFileBeneath(a.path("etc"), "passwd"); err == nil {
			a.passwd = ParsePasswd(data)
		}
	}
	pw, ok := a.passwd[uid]
	return pw, ok
}

// attributeHolders names the workload behind each netns bind mount an
// engine made: docker's SandboxKey, the network namespace path in podman's
// and CRI runtimes' bundles. The engines' directories are read only when
// such a bind mount exists.
func (a *attributor) attributeHolders(m *model.Model) {
	type mount struct {
		h    *model.Holder
		path string
	}
	var mounts []mount
	for _, ns := range m.Namespaces {
		for i := range ns.Holders {
			h := &ns.Holders[i]
			if h.Kind != model.HolderBindMount {
				continue
			}
			p := strings.Replace(h.Path, "/var/run/", "/run/", 1)
			if strings.HasPrefix(p, dockerNetnsPrefix) || strings.HasPrefix(p, podmanNetnsPrefix) || strings.HasPrefix(p, cniNetnsPrefix) {
				mounts = append(mounts, mount{h, p})
			}
		}
	}
	if len(mounts) == 0 {
		return
	}
	byPath := a.engineNetnsPaths()
	for _, mt := range mounts {
		if w := byPath[mt.path]; w != nil {
			mt.h.Workload = w.Ref
		}
	}
}

// engineNetnsPaths maps each netns bind mount the engines' state names to
// its workload (created when its container has no scanned process, as for
// a leaked network namespace).
func (a *attributor) engineNetnsPaths() map[string]*model.Workload {
	out := map[string]*model.Workload{}
	add := func(path string, w *model.Workload) {
		if path != "" && !strings.HasPrefix(path, procNetnsPathStart) {
			out[strings.Replace(path, "/var/run/", "/run/", 1)] = w
		}
	}
	if fd, err := openDir(a.path(dockerContainers)); err == nil {
		ids, _ := listDir(fd)
		for _, id := range ids {
			if cfg, ok := a.dockerConfig(id); ok && cfg.SandboxKey != "" {
				w := a.workload(Docker+":"+id, Docker)
				w.ID = id
				if w.Name == "" {
					w.Name = cfg.Name
				}
				add(cfg.SandboxKey, w)
			}
		}
		unix.Close(fd)
	}
	// podman (rootful) and CRI-O keep an OCI bundle per container in
	// containers/storage; containerd one per task.
	bundles := []struct{ dir, suffix, engine string }{
		{podmanStorage, "/" + storageBundleFile, Podman},
		{crioStorage, "/" + storageBundleFile, CRIO},
		{containerdTasks + "/" + containerdKube, "/config.json", CRIContainerd},
	}
	var podmanNames map[string]string
	for _, b := range bundles {
		fd, err := openDir(a.path(b.dir))
		if err != nil {
			continue
		}
		ids, _ := listDir(fd)
		for _, id := range ids {
			if !isHexID(id) {
				continue
			}
			data, err := readBeneath(fd, id+b.suffix)
			if err != nil {
				continue
			}
			cfg, err := ParseOCIConfig(data)
			if err != nil || cfg.NamespacePaths["network"] == "" {
				continue
			}
			w := a.workload(b.engine+":"+id, b.engine)
			w.ID = id
			if b.engine != Podman {
				a.applyBundle(w, data)
			} else if w.Name == "" {
				if podmanNames == nil {
					podmanNames = map[string]string{}
					if data, err := readBeneath(fd, storageContainers); err == nil {
						podmanNames, _ = ParseStorageContainers(data)
					}
				}
				w.Name = podmanNames[id]
			}
			add(cfg.NamespacePaths["network"], w)
		}
		unix.Close(fd)
	}
	return out
}

// finish records the workloads on the model.
func (a *attributor) finish(m *model.Model) {
	m.WorkloadsScanned = true
	m.Workloads = m.Workloads[:0]
	for _, w := range a.workloads {
		sort.Ints(w.PIDs)
		m.Workloads = append(m.Workloads, w)
	}
	sort.Slice(m.Workloads, func(i, j int) bool { return m.Workloads[i].Ref < m.Workloads[j].Ref })
	for _, ns := range m.Namespaces {
		refs := map[string]bool{}
		for _, pid := range ns.PIDs {
			if w := a.byPID[pid]; w != nil {
				refs[w.Ref] = true
			}
		}
		for _, t := range ns.Threads {
			if w := a.byPID[t.PID]; w != nil {
				refs[w.Ref] = true
			}
		}
		for _, h := range ns.Holders {
			if h.Workload != "" {
				refs[h.Workload] = true
			} else if h.PID != 0 && h.Kind != model.HolderDescendant {
				if w := a.byPID[h.PID]; w != nil {
					refs[w.Ref] = true
				}
			}
		}
		ns.Workloads = ns.Workloads[:0]
		for r := range refs {
			ns.Workloads = append(ns.Workloads, r)
		}
		sort.Strings(ns.Workloads)
		if len(ns.Workloads) == 0 {
			ns.Workloads = nil
		}
	}
}

// listDir lists the directory open as fd (an O_PATH fd is reopened).
func listDir(fd int) ([]string, error) {
	dfd, err := unix.Openat(fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	dir := os.NewFile(uintptr(dfd), ".")
	defer dir.Close()
	return dir.Readdirnames(-1)
}
