package workload

import (
	"reflect"
	"testing"
)

func TestParseDockerConfig(t *testing.T) {
	got, err := ParseDockerConfig([]byte(`{"ID":"` + id64 + `","Name":"/web","State":{"Running":true,"Pid":4321},
		"NetworkSettings":{"SandboxID":"x","SandboxKey":"/var/run/docker/netns/3f2a9c1b0d4e"},"Config":{"Image":"bbx"}}`))
	want := DockerConfig{ID: id64, Name: "web", Pid: 4321, SandboxKey: "/var/run/docker/netns/3f2a9c1b0d4e"}
	if err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	if _, err := ParseDockerConfig([]byte(`[`)); err == nil {
		t.Error("truncated JSON accepted")
	}
}

func TestParseStorageContainers(t *testing.T) {
	got, err := ParseStorageContainers([]byte(`[{"id":"` + id64 + `","names":["web","alias"],"image":"i","layer":"l","metadata":"{}"},{"id":"b","names":[]}]`))
	want := map[string]string{id64: "web", "b": ""}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestParseOCIConfigKube(t *testing.T) {
	tests := []struct {
		name, json string
		want       KubeInfo
		ok         bool
		netns      string
	}{
		{"containerd sandbox", `{"annotations":{"io.kubernetes.cri.container-type":"sandbox","io.kubernetes.cri.sandbox-name":"coredns-x",
			"io.kubernetes.cri.sandbox-namespace":"kube-system","io.kubernetes.cri.sandbox-uid":"` + podU + `"},
			"linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/var/run/netns/cni-1234"}]}}`,
			KubeInfo{PodNamespace: "kube-system", PodName: "coredns-x", PodUID: podU, Sandbox: true}, true, "/var/run/netns/cni-1234"},
		{"containerd container sharing the sandbox netns", `{"annotations":{"io.kubernetes.cri.container-type":"container",
			"io.kubernetes.cri.container-name":"coredns","io.kubernetes.cri.sandbox-name":"coredns-x","io.kubernetes.cri.sandbox-namespace":"kube-system",
			"io.kubernetes.cri.sandbox-uid":"` + podU + `"},"linux":{"namespaces":[{"type":"network","path":"/proc/4242/ns/net"},{"type":"mount"}]}}`,
			KubeInfo{PodNamespace: "kube-system", PodName: "coredns-x", PodUID: podU, Container: "coredns"}, true, "/proc/4242/ns/net"},
		{"cri-o container", `{"annotations":{"io.kubernetes.cri-o.ContainerType":"container","io.kubernetes.container.name":"app",
			"io.kubernetes.pod.name":"web-0","io.kubernetes.pod.namespace":"default","io.kubernetes.pod.uid":"` + podU + `"}}`,
			KubeInfo{PodNamespace: "default", PodName: "web-0", PodUID: podU, Container: "app"}, true, ""},
		{"cri-o sandbox", `{"annotations":{"io.kubernetes.cri-o.ContainerType":"sandbox","io.kubernetes.container.name":"POD",
			"io.kubernetes.pod.name":"web-0","io.kubernetes.pod.namespace":"default","io.kubernetes.pod.uid":"` + podU + `"}}`,
			KubeInfo{PodNamespace: "default", PodName: "web-0", PodUID: podU, Sandbox: true}, true, ""},
		{"plain OCI", `{"ociVersion":"1.0.2","annotations":{"org.opencontainers.image.ref.name":"x"}}`, KubeInfo{}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseOCIConfig([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := cfg.Kube()
			if got != tc.want || ok != tc.ok || cfg.NamespacePaths["network"] != tc.netns {
				t.Errorf("got %+v %v netns %q", got, ok, cfg.NamespacePaths["network"])
			}
		})
	}
}

func TestParseRuncState(t *testing.T) {
	for in, want := range map[string]RuncState{
		`{"id":"c1","init_process_pid":77,"config":{"labels":["bundle=/b"]}}`: {ID: "c1", Pid: 77},
		`{"id":"c2","pid":88,"status":"running","bundle":"/b"}`:               {ID: "c2", Pid: 88},
	} {
		if got, err := ParseRuncState([]byte(in)); err != nil || got != want {
			t.Errorf("%s: got %+v %v", in, got, err)
		}
	}
}

func TestParsePasswd(t *testing.T) {
	got := ParsePasswd([]byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nbad line\nalice2:x:1000:1:::\n"))
	if got[1000] != (Passwd{Name: "alice", UID: 1000, Home: "/home/alice"}) || got[0].Home != "/root" || len(got) != 2 {
		t.Errorf("got %+v", got)
	}
}

func FuzzStateParsers(f *testing.F) {
	f.Add([]byte(`{"Name":"/x","State":{"Pid":1}}`))
	f.Add([]byte(`[{"id":"a","names":["b"]}]`))
	f.Add([]byte(`{"annotations":{"io.kubernetes.pod.name":"p"},"linux":{"namespaces":[{"type":"network","path":"/x"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseDockerConfig(data)
		ParseStorageContainers(data)
		if c, err := ParseOCIConfig(data); err == nil {
			c.Kube()
		}
		ParseRuncState(data)
		ParsePasswd(data)
	})
}
