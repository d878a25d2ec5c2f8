package workload

import (
	"encoding/json"
	"strings"
)

// The engines' state files. Each parser takes the file's bytes and returns
// only the fields namespaces_of uses; every string in them is untrusted.

// DockerConfig is what docker's /var/lib/docker/containers/<id>/config.v2.json
// tells: the container's name (stored with a leading "/"), its first
// process, and the netns bind mount docker made for it.
type DockerConfig struct {
	ID, Name   string
	Pid        int
	SandboxKey string
}

// ParseDockerConfig parses config.v2.json.
func ParseDockerConfig(data []byte) (DockerConfig, error) {
	var doc struct {
		ID    string
		Name  string
		State struct {
			Pid int
		}
		NetworkSettings struct {
			SandboxKey string
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return DockerConfig{}, err
	}
	return DockerConfig{
		ID:         doc.ID,
		Name:       strings.TrimPrefix(doc.Name, "/"),
		Pid:        doc.State.Pid,
		SandboxKey: doc.NetworkSettings.SandboxKey,
	}, nil
}

// StorageContainer is one entry of containers/storage's containers.json
// (podman, CRI-O, buildah): overlay-containers/containers.json.
type StorageContainer struct {
	ID    string   `json:"id"`
	Names []string `json:"names"`
}

// ParseStorageContainers parses containers.json into ID -> first name.
func ParseStorageContainers(data []byte) (map[string]string, error) {
	var list []StorageContainer
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(list))
	for _, c := range list {
		name := ""
		if len(c.Names) > 0 {
			name = c.Names[0]
		}
		out[c.ID] = name
	}
	return out, nil
}

// OCIConfig is what an OCI bundle's config.json tells: the annotations
// (Kubernetes' io.kubernetes.* among them) and the paths of namespaces the
// container joins instead of creating (linux.namespaces[].path), by type.
type OCIConfig struct {
	Annotations map[string]string
	// NamespacePaths maps an OCI namespace type ("network", "ipc", "uts",
	// "pid", "mount", "user", "cgroup", "time") to the path joined.
	NamespacePaths map[string]string
}

// ParseOCIConfig parses an OCI runtime-spec config.json.
func ParseOCIConfig(data []byte) (OCIConfig, error) {
	var doc struct {
		Annotations map[string]string `json:"annotations"`
		Linux       struct {
			Namespaces []struct {
				Type string `json:"type"`
				Path string `json:"path"`
			} `json:"namespaces"`
		} `json:"linux"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return OCIConfig{}, err
	}
	c := OCIConfig{Annotations: doc.Annotations, NamespacePaths: map[string]string{}}
	for _, ns := range doc.Linux.Namespaces {
		if ns.Path != "" {
			c.NamespacePaths[ns.Type] = ns.Path
		}
	}
	return c, nil
}

// The Kubernetes annotations CRI runtimes put in each container's bundle.
const (
	annPodName       = "io.kubernetes.pod.name"
	annPodNamespace  = "io.kubernetes.pod.namespace"
	annPodUID        = "io.kubernetes.pod.uid"
	annContainerName = "io.kubernetes.container.name"
	// containerd's CRI plugin uses its own keys for the same facts
	// (pkg/cri/annotations): sandbox-name etc.
	annCRISandboxName      = "io.kubernetes.cri.sandbox-name"
	annCRISandboxNamespace = "io.kubernetes.cri.sandbox-namespace"
	annCRISandboxUID       = "io.kubernetes.cri.sandbox-uid"
	annCRIContainerName    = "io.kubernetes.cri.container-name"
	annCRIContainerType    = "io.kubernetes.cri.container-type"
	// CRI-O (internal/annotations): container type, and the name of the
	// Kubernetes container.
	annCRIOContainerType = "io.kubernetes.cri-o.ContainerType"
	annCRIOName          = "io.kubernetes.container.name"
)

// KubeInfo is the Kubernetes identity in a bundle's annotations.
type KubeInfo struct {
	PodNamespace, PodName, PodUID string
	// Container is the Kubernetes container name; "" for a pod sandbox.
	Container string
	Sandbox   bool
}

// Kube reads the Kubernetes annotations; ok is false when there are none.
func (c OCIConfig) Kube() (KubeInfo, bool) {
	a := c.Annotations
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := a[k]; v != "" {
				return v
			}
		}
		return ""
	}
	k := KubeInfo{
		PodNamespace: first(annPodNamespace, annCRISandboxNamespace),
		PodName:      first(annPodName, annCRISandboxName),
		PodUID:       first(annPodUID, annCRISandboxUID),
		Container:    first(annContainerName, annCRIContainerName),
	}
	if k.PodName == "" {
		return KubeInfo{}, false
	}
	typ := first(annCRIContainerType, annCRIOContainerType)
	k.Sandbox = typ == "sandbox"
	if k.Sandbox || k.Container == "POD" {
		k.Container = ""
		k.Sandbox = true
	}
	return k, true
}

// RuncState is what runc's /run/runc/<id>/state.json and crun's
// /run/crun/<id>/status tell.
type RuncState struct {
	ID  string
	Pid int
}

// ParseRuncState parses runc's state.json ({"id", "init_process_pid"}) or
// crun's status ({"id", "pid"}).
func ParseRuncState(data []byte) (RuncState, error) {
	var doc struct {
		ID      string `json:"id"`
		InitPid int    `json:"init_process_pid"`
		Pid     int    `json:"pid"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return RuncState{}, err
	}
	s := RuncState{ID: doc.ID, Pid: doc.InitPid}
	if s.Pid == 0 {
		s.Pid = doc.Pid
	}
	return s, nil
}

// Passwd is one /etc/passwd entry.
type Passwd struct {
	Name string
	UID  int
	Home string
}

// ParsePasswd reads /etc/passwd into UID -> first entry.
func ParsePasswd(data []byte) map[int]Passwd {
	out := map[int]Passwd{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 7 {
			continue
		}
		uid, ok := atoi(f[2])
		if !ok {
			continue
		}
		if _, dup := out[uid]; !dup {
			out[uid] = Passwd{Name: f[0], UID: uid, Home: f[5]}
		}
	}
	return out
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
