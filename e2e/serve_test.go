package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"sigs.k8s.io/yaml"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// service is a running `namespaces_of --serve`.
type service struct {
	cmd  *exec.Cmd
	pid  int // the service process (cmd's, unless it runs under a launcher)
	url  string
	mu   sync.Mutex
	logs []string // its stderr lines

	logsRead chan struct{} // closed when its stderr is read to the end
}

// wait waits for the service to exit, its stderr having been read to the
// end first (exec.Cmd.Wait closes the pipe).
func (s *service) wait() error {
	<-s.logsRead
	return s.cmd.Wait()
}

// startService starts cmd, which runs the service with --serve=...:0, and
// waits (at most 30 s) for its "serving" log line, which names the port.
// The service is killed when the test ends.
func startService(t *testing.T, cmd *exec.Cmd) *service {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	s := &service{cmd: cmd, pid: cmd.Process.Pid, logsRead: make(chan struct{})}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			s.wait()
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.logs = append(s.logs, sc.Text())
			s.mu.Unlock()
			var entry struct{ Msg, Address string }
			if json.Unmarshal(sc.Bytes(), &entry) == nil && entry.Msg == "serving" {
				addr <- entry.Address
			}
		}
		close(addr)
		close(s.logsRead)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("%v exited before serving: %s", cmd.Args, s.logText())
		}
		s.url = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("%v: not serving within 30s: %s", cmd.Args, s.logText())
	}
	return s
}

func (s *service) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.logs, "\n")
}

// getBody fetches url and fails the test unless the answer is 200.
func getBody(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v: %s", url, resp.StatusCode, err, body)
	}
	return body
}

// poll calls check until it returns nil or the deadline passes; then it
// fails the test with check's last error.
func poll(t *testing.T, deadline time.Duration, check func() error) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	end := time.After(deadline)
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-tick.C:
		case <-end:
			t.Fatalf("not within %v: %v", deadline, err)
		}
	}
}

// fdsAndThreads counts a process's open fds and its threads.
func fdsAndThreads(t *testing.T, pid int) (fds, threads int) {
	t.Helper()
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	threads, err = strconv.Atoi(procStatus(t, pid)["Threads"])
	if err != nil {
		t.Fatal(err)
	}
	return len(entries), threads
}

// TestServeLoad sends 2,000 concurrent requests to each endpoint: all
// succeed, they cost one scan per option set (the interval is an hour), and
// afterwards the service holds as many fds and threads as before.
//
// It takes about half a minute, so `go test ./...` skips it; .ci/serve runs
// it with NAMESPACES_OF_SERVE_LOAD=1.
func TestServeLoad(t *testing.T) {
	if os.Getenv("NAMESPACES_OF_SERVE_LOAD") == "" {
		t.Skip("slow: set NAMESPACES_OF_SERVE_LOAD=1 (.ci/serve does)")
	}
	svc := startService(t, exec.Command(nstest.Tool(t), "--serve=127.0.0.1:0", "--scan-interval=1h", "-v"))
	client := &http.Client{
		Timeout: time.Minute,
		// A connection per request: 2,000 at once reach the server, and
		// all are closed afterwards.
		Transport: &http.Transport{DisableKeepAlives: true},
	}
	const concurrent = 2000
	endpoints := []string{"/", "/api/v1/scan", "/metrics", "/healthz"}
	// load sends `concurrent` requests to each of paths, all at once, and
	// fails the test unless every one gets 200.
	load := func(paths ...string) {
		start := time.Now()
		n := concurrent * len(paths)
		errs := make(chan error, n)
		var ready, wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range n {
			ready.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ready.Done()
				<-gate
				req, _ := http.NewRequest("GET", svc.url+paths[i%len(paths)], nil)
				// Set by hand, so the client keeps the body compressed:
				// the test process has no CPU to spare for unzipping.
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode != 200 {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
				errs <- err
			}()
		}
		ready.Wait()
		close(gate)
		wg.Wait()
		close(errs)
		failed := 0
		var first error
		for err := range errs {
			if err != nil {
				failed++
				first = err
			}
		}
		if failed > 0 {
			t.Fatalf("GET %v: %d of %d requests failed, e.g. %v; service log:\n%s", paths, failed, n, first, svc.logText())
		}
		t.Logf("GET %v: %d concurrent requests in %v", paths, n, time.Since(start).Round(time.Millisecond))
	}
	// settled waits until the fd and thread counts stop changing (the
	// server closes connections as it notices the clients' close) and
	// returns them.
	settled := func() (fds, threads int) {
		fds, threads = -1, -1
		same := 0
		poll(t, 30*time.Second, func() error {
			f, th := fdsAndThreads(t, svc.pid)
			if f != fds || th != threads {
				fds, threads, same = f, th, 0
			}
			if same++; same < 10 { // unchanged for a second
				return fmt.Errorf("fds %d, threads %d still changing", f, th)
			}
			return nil
		})
		return fds, threads
	}
	// The Go runtime keeps the threads it started for the busiest moment
	// so far: a high-water mark, not a leak, but on a loaded host a new
	// peak can still add a thread long after start. So the service first
	// warms up under twice a heavier load, every endpoint at once (8,000
	// requests in flight); then rounds of 2,000 concurrent requests to each
	// endpoint in turn must, within three rounds, include one that leaves
	// it with exactly the fds and threads it had before. A leak per request
	// (or per connection) fails every round.
	load(endpoints...)
	load(endpoints...)
	fds0, threads0 := settled()
	for round := 1; ; round++ {
		for _, path := range endpoints {
			load(path)
		}
		fds, threads := settled()
		if fds == fds0 && threads == threads0 {
			t.Logf("round %d: fds %d and threads %d before and after", round, fds, threads)
			break
		}
		if round == 3 {
			t.Fatalf("round %d: fds %d (before %d), threads %d (before %d)", round, fds, fds0, threads, threads0)
		}
		t.Logf("round %d: fds %d (before %d), threads %d (before %d): another round", round, fds, fds0, threads, threads0)
		fds0, threads0 = fds, threads
	}

	// One scan for / and /api/v1/scan (the same options), one for /metrics:
	// the service logs each scan (at debug level, -v).
	scans := strings.Count(svc.logText(), `"msg":"scan"`)
	if scans != 2 {
		t.Errorf("%d scans, want 2 (one per option set and interval)", scans)
	}
}

// sandboxScript runs under unshare in new user, PID and mount namespaces.
// It pivots into a root holding only /usr, a /proc of its own and the
// service's binary, so that the service sees exactly the namespaces made
// here, whatever else runs on the host: a leaked network namespace (a bind
// mount with no process), a process in new net and uts namespaces, and one
// in a nested user namespace with its own net namespace. Then it becomes
// the service, listening on a loopback port of the host's network.
const sandboxScript = `set -eu
R=$1
mount --bind "$R" "$R"
mkdir "$R/usr" "$R/proc" "$R/dev" "$R/old" "$R/netns"
mount --bind /usr "$R/usr"
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
mount -t proc proc "$R/proc"
: >"$R/dev/null"; mount --bind /dev/null "$R/dev/null"
cd "$R"
pivot_root . old
cd /
umount -l /old
rmdir /old
: >/netns/leaked
unshare --net mount --bind /proc/self/ns/net /netns/leaked
unshare --net --uts sleep infinity &
unshare --user --net sleep infinity &
exec /namespaces_of --serve=127.0.0.1:0 --scan-interval=1s
`

// TestServePrometheus has a real Prometheus scrape the service every
// second, with the alert of deploy/prometheusrule.yaml loaded, and checks
// through Prometheus' HTTP API the counts of the namespaces the test made,
// the leaked network namespace among them, and that the alert fires.
func TestServePrometheus(t *testing.T) {
	nstest.RequireRoot(t)
	prometheus, promtool := nstest.Program(t, "prometheus"), nstest.Program(t, "promtool")
	nstest.Program(t, "unshare")
	nstest.Program(t, "pivot_root")

	root := nstest.TempDir(t)
	tool, err := os.ReadFile(nstest.Tool(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "namespaces_of"), tool, 0o755); err != nil {
		t.Fatal(err)
	}
	svc := startService(t, exec.Command("unshare", "--user", "--map-root-user", "--pid", "--fork",
		"--kill-child", "--mount", "--propagation", "private", "sh", "-c", sandboxScript, "sandbox", root))

	// The exposition passes promtool's lint.
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = bytes.NewReader(getBody(t, svc.url+"/metrics"))
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}

	promURL := startPrometheus(t, prometheus, strings.TrimPrefix(svc.url, "http://"))
	want := map[string]string{
		`namespaces_of_namespaces{type="net"}`:                                   "4", // host's, 2 with a process, leaked
		`namespaces_of_namespaces{type="uts"}`:                                   "2",
		`namespaces_of_namespaces{type="user"}`:                                  "2",
		`namespaces_of_namespaces{type="pid"}`:                                   "1",
		`namespaces_of_memberless_namespaces{type="net",holder="bind-mount"}`:    "1",
		`sum(namespaces_of_memberless_namespaces)`:                               "1",
		`namespaces_of_user_namespace_max_depth`:                                 "1",
		`namespaces_of_user_namespaces_by_depth{depth="1"}`:                      "1",
		`count(namespaces_of_uninspectable_processes) or vector(0)`:              "0",
		`namespaces_of_last_scan_success`:                                        "1",
		`count_over_time(namespaces_of_namespaces{type="net"}[1m]) >= bool 2`:    "1", // two scrapes at least
		`count(ALERTS{alertname="LeakedNetworkNamespaces",alertstate="firing"})`: "1",
	}
	poll(t, 90*time.Second, func() error {
		var wrong []string
		for query, value := range want {
			got, err := promQuery(promURL, query)
			if err != nil {
				return err
			}
			if got != value {
				wrong = append(wrong, fmt.Sprintf("%s = %s, want %s", query, got, value))
			}
		}
		if len(wrong) > 0 {
			return fmt.Errorf("%s", strings.Join(wrong, "; "))
		}
		return nil
	})
}

// startPrometheus runs Prometheus on a free loopback port, scraping target
// every second with the rule of deploy/prometheusrule.yaml (its "for"
// dropped), and returns its URL once it is ready.
func startPrometheus(t *testing.T, prometheus, target string) string {
	t.Helper()
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yml")
	if err := os.WriteFile(rules, alertRuleFile(t), 0o600); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: namespaces_of
    static_configs:
      - targets: [%q]
`, rules, target)
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var out bytes.Buffer
	cmd := exec.Command(prometheus, "--config.file="+configFile, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus output:\n%s", out.String())
		}
	})
	promURL := "http://" + addr
	poll(t, 60*time.Second, func() error {
		resp, err := http.Get(promURL + "/-/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("prometheus: %s", resp.Status)
		}
		return nil
	})
	return promURL
}

// alertRuleFile is the rule group of deploy/prometheusrule.yaml as a
// Prometheus rule file, each rule's "for" dropped so that it fires at once.
func alertRuleFile(t *testing.T) []byte {
	t.Helper()
	var rule monitoringv1.PrometheusRule
	deployManifest(t, "prometheusrule.yaml", &rule)
	for _, g := range rule.Spec.Groups {
		for i := range g.Rules {
			g.Rules[i].For = nil
		}
	}
	out, err := yaml.Marshal(map[string]any{"groups": rule.Spec.Groups})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// promQuery runs an instant query whose result is one sample and returns
// its value ("" for no sample).
func promQuery(promURL, query string) (string, error) {
	resp, err := http.Get(promURL + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return "", err
	}
	if r.Status != "success" {
		return "", fmt.Errorf("query %s: %s", query, r.Error)
	}
	switch len(r.Data.Result) {
	case 0:
		return "", nil
	case 1:
		v, _ := r.Data.Result[0].Value[1].(string)
		return v, nil
	}
	return "", fmt.Errorf("query %s: %d samples", query, len(r.Data.Result))
}

// TestServeRefusesAndStops sends the built service bad requests: each gets
// a 4xx and a one-line JSON error and starts no scan. Then SIGTERM (and
// SIGINT) stop it with status 0, and every line it logged is JSON.
func TestServeRefusesAndStops(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		svc := startService(t, exec.Command(nstest.Tool(t), "--serve=127.0.0.1:0", "-v"))
		for _, req := range []struct{ method, path string }{
			{"GET", "/api/v1/scan?bogus=1"},
			{"GET", "/api/v1/scan?filter=net"},
			{"GET", "/api/v1/scan?types=net,nope"},
			{"GET", "/api/v1/scan?deep=perhaps"},
			{"GET", "/nowhere"},
			{"POST", "/api/v1/scan"},
			{"DELETE", "/metrics"},
		} {
			r, _ := http.NewRequest(req.method, svc.url+req.path, nil)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var e map[string]string
			if resp.StatusCode < 400 || resp.StatusCode > 499 || bytes.Count(body, []byte("\n")) != 1 ||
				json.Unmarshal(body, &e) != nil || len(e) != 1 || e["error"] == "" {
				t.Errorf("%s %s: %d %q", req.method, req.path, resp.StatusCode, body)
			}
		}
		if n := strings.Count(svc.logText(), `"msg":"scan"`); n != 0 {
			t.Errorf("bad requests started %d scans", n)
		}
		getBody(t, svc.url+"/healthz")

		svc.cmd.Process.Signal(sig)
		done := make(chan error, 1)
		go func() { done <- svc.wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("after %v: %v", sig, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no exit within 30s of %v", sig)
		}
		logs := strings.Split(svc.logText(), "\n")
		if last := logs[len(logs)-1]; !strings.Contains(last, `"msg":"stopped"`) {
			t.Errorf("last log line %q", last)
		}
		for _, line := range logs {
			if !json.Valid([]byte(line)) {
				t.Errorf("log line is not JSON: %q", line)
			}
		}
	}
}
