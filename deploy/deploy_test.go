package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/serve"
)

// decodeStrict reads a manifest into an API type; unknown or duplicate
// fields are errors.
func decodeStrict(t *testing.T, file string, into any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func TestManifestsDecodeStrictly(t *testing.T) {
	var ds appsv1.DaemonSet
	decodeStrict(t, "daemonset.yaml", &ds)
	var svc corev1.Service
	decodeStrict(t, "service.yaml", &svc)
	var ns corev1.Namespace
	decodeStrict(t, "namespace.yaml", &ns)
	var sm monitoringv1.ServiceMonitor
	decodeStrict(t, "servicemonitor.yaml", &sm)
	var rule monitoringv1.PrometheusRule
	decodeStrict(t, "prometheusrule.yaml", &rule)

	kinds := map[string]string{"DaemonSet": ds.Kind, "Service": svc.Kind, "Namespace": ns.Kind,
		"ServiceMonitor": sm.Kind, "PrometheusRule": rule.Kind}
	for want, got := range kinds {
		if got != want {
			t.Errorf("kind %q, want %q", got, want)
		}
	}
	for _, got := range []string{ds.Namespace, svc.Namespace, sm.Namespace, rule.Namespace} {
		if got != ns.Name {
			t.Errorf("object in namespace %q, want %q", got, ns.Name)
		}
	}

	// The selectors meet: DaemonSet -> its pods, Service -> the pods,
	// ServiceMonitor -> the Service.
	podLabels := ds.Spec.Template.Labels
	for name, sel := range map[string]map[string]string{
		"DaemonSet selector": ds.Spec.Selector.MatchLabels,
		"Service selector":   svc.Spec.Selector,
	} {
		for k, v := range sel {
			if podLabels[k] != v {
				t.Errorf("%s %s=%s does not select the pods (labels %v)", name, k, v, podLabels)
			}
		}
	}
	for k, v := range sm.Spec.Selector.MatchLabels {
		if svc.Labels[k] != v {
			t.Errorf("ServiceMonitor selector %s=%s does not select the Service", k, v)
		}
	}
	if len(svc.Spec.Ports) != 1 || len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != svc.Spec.Ports[0].Name {
		t.Errorf("ServiceMonitor endpoint does not name the Service's port")
	}
}

func TestDaemonSetPrivileges(t *testing.T) {
	var ds appsv1.DaemonSet
	decodeStrict(t, "daemonset.yaml", &ds)
	pod := ds.Spec.Template.Spec
	if !pod.HostPID || pod.HostNetwork || pod.HostIPC {
		t.Errorf("hostPID %v, hostNetwork %v, hostIPC %v: want the host PID namespace only", pod.HostPID, pod.HostNetwork, pod.HostIPC)
	}
	if len(pod.Volumes) != 0 {
		t.Errorf("volumes %v: the scan needs none (hostPID gives /proc)", pod.Volumes)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the service account token is mounted; the service talks to no API server")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Privileged == nil || *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Fatalf("security context %+v: want read-only root, not privileged, no privilege escalation", sc)
	}
	if !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("drops %v, want ALL", sc.Capabilities.Drop)
	}
	want := []corev1.Capability{"SYS_PTRACE", "DAC_READ_SEARCH", "SYS_ADMIN", "SYS_CHROOT"}
	if !slices.Equal(sc.Capabilities.Add, want) {
		t.Errorf("adds %v, want %v", sc.Capabilities.Add, want)
	}
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		for name, list := range map[string]corev1.ResourceList{"request": c.Resources.Requests, "limit": c.Resources.Limits} {
			if q, ok := list[res]; !ok || q.IsZero() {
				t.Errorf("no %s %s", res, name)
			}
		}
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 9743 || serve.DefaultPort != "9743" {
		t.Errorf("ports %v, want the documented port %s", c.Ports, serve.DefaultPort)
	}
	if !slices.Contains(c.Args, "--serve=$(POD_IP):"+serve.DefaultPort) {
		t.Errorf("args %v do not serve on the pod's address and the documented port", c.Args)
	}
}

func TestPrometheusConfigAndRule(t *testing.T) {
	tool := nstest.Program(t, "promtool")
	checkScrapeConfig(t, tool)
	var rule monitoringv1.PrometheusRule
	decodeStrict(t, "prometheusrule.yaml", &rule)
	// The rule groups of a PrometheusRule are a Prometheus rule file.
	groups, err := yaml.Marshal(map[string]any{"groups": rule.Spec.Groups})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, groups, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool, "check", "rules", file)
	if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("SUCCESS: 1 rules found")) {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
	r := rule.Spec.Groups[0].Rules[0]
	if !strings.Contains(r.Expr.String(), `namespaces_of_memberless_namespaces{type="net"}`) {
		t.Errorf("alert %s does not watch memberless network namespaces: %s", r.Alert, r.Expr.String())
	}
}

// checkScrapeConfig checks prometheus-scrape.yaml. Debian's Prometheus is
// built without Kubernetes service discovery, so promtool checks a copy in
// which kubernetes_sd_configs (checked here against a local strict struct)
// is replaced by a static target: the relabelling rules are checked by
// Prometheus' own parser.
func checkScrapeConfig(t *testing.T, tool string) {
	t.Helper()
	var cfg struct {
		ScrapeConfigs []map[string]any `json:"scrape_configs"`
	}
	decodeStrict(t, "prometheus-scrape.yaml", &cfg)
	if len(cfg.ScrapeConfigs) != 1 {
		t.Fatalf("%d scrape configs, want 1", len(cfg.ScrapeConfigs))
	}
	job := cfg.ScrapeConfigs[0]
	sd, err := yaml.Marshal(job["kubernetes_sd_configs"])
	if err != nil {
		t.Fatal(err)
	}
	var k8sSD []struct {
		Role       string `json:"role"`
		Namespaces struct {
			Names []string `json:"names"`
		} `json:"namespaces"`
	}
	if err := yaml.UnmarshalStrict(sd, &k8sSD); err != nil || len(k8sSD) != 1 || k8sSD[0].Role != "endpoints" ||
		!slices.Equal(k8sSD[0].Namespaces.Names, []string{"namespaces-of"}) {
		t.Errorf("kubernetes_sd_configs %s: %v", sd, err)
	}
	delete(job, "kubernetes_sd_configs")
	job["static_configs"] = []any{map[string]any{"targets": []string{"127.0.0.1:" + serve.DefaultPort}}}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, "check", "config", "--syntax-only", file).CombinedOutput(); err != nil {
		t.Errorf("promtool check config (prometheus-scrape.yaml with a static target): %v\n%s", err, out)
	}
}
