package serve

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/render/html"
)

// fakeHost is a synthetic scan: a user namespace with a child, a net
// namespace with a member, a leaked net namespace held by a bind mount, a
// mount namespace held by an fd and a net namespace only a thread is in.
func fakeHost() *model.Model {
	m := model.New()
	id := func(ino uint64) nsfs.ID { return nsfs.ID{Dev: 4, Ino: ino} }
	add := func(ns *model.Namespace) { ns.CreatorUID = -1; m.Namespaces[ns.ID] = ns }
	add(&model.Namespace{ID: id(1), Type: nsfs.User, PIDs: []int{1}})
	add(&model.Namespace{ID: id(2), Type: nsfs.User, Parent: id(1), PIDs: []int{20}})
	add(&model.Namespace{ID: id(3), Type: nsfs.User, Parent: id(2), Holders: []model.Holder{{Kind: model.HolderDescendant, Of: id(7)}}})
	add(&model.Namespace{ID: id(4), Type: nsfs.Net, Owner: id(1), PIDs: []int{1, 20}})
	add(&model.Namespace{ID: id(5), Type: nsfs.Net, Owner: id(1), Holders: []model.Holder{
		{Kind: model.HolderFD, PID: 1, FD: 3},
		{Kind: model.HolderBindMount, Path: "/run/netns/x", MountNS: id(6)},
	}})
	add(&model.Namespace{ID: id(6), Type: nsfs.Mount, Owner: id(1), PIDs: []int{1, 20}})
	add(&model.Namespace{ID: id(7), Type: nsfs.Net, Owner: id(3), Threads: []model.Thread{{TID: 21, PID: 20}}})
	m.Tasks[1] = &model.Task{ID: 1, TGID: 1, UID: 0, Comm: "init"}
	m.Tasks[20] = &model.Task{ID: 20, TGID: 20, UID: 0, Comm: "sh"}
	m.Skipped = []model.Skip{{PID: 30, Reason: "EACCES"}, {PID: 31, Reason: "EACCES"}}
	m.SelfUser = id(1)
	m.Normalize()
	return m
}

// fakeHostScanned is fakeHost as the service hands it out.
func fakeHostScanned() *model.Model {
	m := fakeHost()
	m.ToolVersion = "test"
	return m
}

// countingScanner returns fakeHost and counts the scans by option set.
type countingScanner struct {
	mu    sync.Mutex
	scans map[string]int
	total atomic.Int64
	gate  chan struct{} // when set, each scan waits for it to close
}

func (c *countingScanner) scan(opts discover.Options) (*model.Model, error) {
	if c.gate != nil {
		<-c.gate
	}
	c.total.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.scans == nil {
		c.scans = map[string]int{}
	}
	key := "plain"
	if opts.Deep {
		key = "deep"
	}
	c.scans[key]++
	return fakeHost(), nil
}

func newTestServer(t *testing.T, interval time.Duration) (*Server, *countingScanner, *bytes.Buffer) {
	t.Helper()
	c := &countingScanner{}
	var logs bytes.Buffer
	s := New(Config{
		Interval: interval,
		Version:  "test",
		Logger:   slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Scan:     c.scan,
	})
	return s, c, &logs
}

func get(t *testing.T, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestBadRequests(t *testing.T) {
	s, c, logs := newTestServer(t, time.Hour)
	tests := []struct {
		method, target string
		status         int
		msg            string
	}{
		{"GET", "/api/v1/scan?foo=1", 400, `unknown query parameter "foo" (known: containers, deep, pidns, tasks, types)`},
		{"GET", "/api/v1/scan?filter=net", 400, `unknown query parameter "filter" (known: containers, deep, pidns, tasks, types)`},
		{"GET", "/api/v1/scan?containers=yes", 400, `query parameter "containers": invalid value "yes" (want true or false)`},
		{"GET", "/api/v1/scan?deep=maybe", 400, `query parameter "deep": invalid value "maybe" (want true or false)`},
		{"GET", "/api/v1/scan?deep=1&deep=0", 400, `query parameter "deep" given more than once`},
		{"GET", "/api/v1/scan?types=net,bogus", 400, `query parameter "types": unknown namespace type "bogus" (known: cgroup,ipc,mnt,net,pid,time,user,uts)`},
		{"GET", "/api/v1/scan?types=net&pidns", 400, `query parameter "types" cannot be combined with "pidns"`},
		{"GET", "/api/v1/scan?deep=%zz", 400, `malformed query string: invalid URL escape "%zz"`},
		{"GET", "/?tasks=2", 400, `query parameter "tasks": invalid value "2" (want true or false)`},
		{"GET", "/metrics?x", 400, `/metrics takes no query parameters`},
		{"GET", "/healthz?x=1", 400, `/healthz takes no query parameters`},
		{"GET", "/api/v1/scans", 404, `no such path "/api/v1/scans" (see /)`},
		{"GET", "/index.html", 404, `no such path "/index.html" (see /)`},
		{"POST", "/api/v1/scan", 405, `method POST not allowed: the service is read-only (GET, HEAD)`},
		{"PUT", "/metrics", 405, `method PUT not allowed: the service is read-only (GET, HEAD)`},
		{"DELETE", "/", 405, `method DELETE not allowed: the service is read-only (GET, HEAD)`},
		{"PATCH", "/healthz", 405, `method PATCH not allowed: the service is read-only (GET, HEAD)`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			rec := get(t, s, tt.method, tt.target)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			checkErrorBody(t, rec, tt.msg)
			if tt.status == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow: %q", rec.Header().Get("Allow"))
			}
		})
	}
	if n := c.total.Load(); n != 0 {
		t.Errorf("bad requests caused %d scans, want none", n)
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Errorf("log line is not JSON: %q", line)
		}
	}
}

// checkErrorBody checks a one-line JSON error: {"error": msg} and a newline.
func checkErrorBody(t *testing.T, rec *httptest.ResponseRecorder, msg string) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	body := rec.Body.String()
	if strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") {
		t.Errorf("body is not one line: %q", body)
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	var e struct {
		Error string `json:"error"`
	}
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if e.Error != msg {
		t.Errorf("error %q, want %q", e.Error, msg)
	}
}

func TestScanJSONAndETag(t *testing.T) {
	s, c, _ := newTestServer(t, time.Hour)
	rec := get(t, s, "GET", "/api/v1/scan?types=net")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var doc struct {
		ToolVersion string `json:"tool_version"`
		View        struct {
			Types []string `json:"types"`
		} `json:"view"`
		Namespaces []struct {
			Type  string `json:"type"`
			Inode uint64 `json:"inode"`
		} `json:"namespaces"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ns := range doc.Namespaces {
		got = append(got, ns.Type)
	}
	if doc.ToolVersion != "test" || strings.Join(doc.View.Types, ",") != "net,user" ||
		strings.Join(got, ",") != "user,user,user,net,net,net" {
		t.Errorf("document: version %q, view %v, namespaces %v", doc.ToolVersion, doc.View.Types, got)
	}
	etag := rec.Header().Get("ETag")
	if len(etag) != 34 || etag[0] != '"' {
		t.Fatalf("ETag %q", etag)
	}
	for _, inm := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
		rec := get(t, s, "GET", "/api/v1/scan?types=net", "If-None-Match", inm)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag {
			t.Errorf("If-None-Match %s: status %d, body %d bytes, ETag %q", inm, rec.Code, rec.Body.Len(), rec.Header().Get("ETag"))
		}
	}
	rec = get(t, s, "GET", "/api/v1/scan?types=net", "If-None-Match", `"other"`)
	if rec.Code != 200 || rec.Body.Len() == 0 {
		t.Errorf("non-matching If-None-Match: status %d", rec.Code)
	}
	// Another view of the same scan: a different document and ETag, no
	// new scan.
	rec = get(t, s, "GET", "/api/v1/scan")
	if rec.Code != 200 || rec.Header().Get("ETag") == etag {
		t.Errorf("full view: status %d, ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	if n := c.total.Load(); n != 1 {
		t.Errorf("%d scans, want 1", n)
	}
	// Compressed once per scan for clients that take gzip.
	plain := get(t, s, "GET", "/api/v1/scan?types=net").Body.Bytes()
	rec = get(t, s, "GET", "/api/v1/scan?types=net", "Accept-Encoding", "br;q=1.0, gzip;q=0.5")
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain) || rec.Header().Get("Content-Encoding") != "gzip" ||
		rec.Header().Get("ETag") == etag || rec.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("gzip: %v, same document %v, headers %v", err, bytes.Equal(unzipped, plain), rec.Header())
	}
	rec = get(t, s, "GET", "/api/v1/scan?types=net", "Accept-Encoding", "gzip", "If-None-Match", etag)
	if rec.Code != http.StatusNotModified {
		t.Errorf("gzip request with the plain ETag: status %d", rec.Code)
	}
	rec = get(t, s, "GET", "/api/v1/scan?types=net", "Accept-Encoding", "gzip;q=0")
	if rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), plain) {
		t.Errorf("gzip;q=0: Content-Encoding %q", rec.Header().Get("Content-Encoding"))
	}
	// HEAD answers like GET without a body.
	rec = get(t, s, "HEAD", "/api/v1/scan?types=net")
	if rec.Code != 200 || rec.Header().Get("ETag") != etag {
		t.Errorf("HEAD: status %d, ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
}

func TestScansAreSharedAndReused(t *testing.T) {
	s, c, _ := newTestServer(t, time.Hour)
	c.gate = make(chan struct{})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	const n = 200
	var wg sync.WaitGroup
	codes := make(chan int, 2*n)
	for i := 0; i < n; i++ {
		for _, path := range []string{"/api/v1/scan?deep=1", "/metrics"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := srv.Client().Get(srv.URL + path)
				if err != nil {
					codes <- 0
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
	}
	close(c.gate) // every request is started; the scans may now finish
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != 200 {
			t.Fatalf("a request got %d", code)
		}
	}
	// Two option sets (the API's deep JSON scan and the metrics scan): at
	// most one scan each, however the requests interleaved.
	if c.scans["deep"] > 2 || c.total.Load() > 2 {
		t.Errorf("scans: %v, want at most one per option set", c.scans)
	}
}

func TestScanIntervalExpires(t *testing.T) {
	s, c, _ := newTestServer(t, time.Nanosecond)
	for i := 0; i < 3; i++ {
		if rec := get(t, s, "GET", "/api/v1/scan"); rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	if n := c.total.Load(); n != 3 {
		t.Errorf("%d scans with an interval of 1ns, want 3", n)
	}
	body := get(t, s, "GET", "/metrics").Body.String()
	if !strings.Contains(body, "\n"+`namespaces_of_scans_total{for="api",outcome="ok"} 3`+"\n") {
		t.Errorf("scan counter: %s", body)
	}
}

func TestMetrics(t *testing.T) {
	s, _, _ := newTestServer(t, time.Hour)
	rec := get(t, s, "GET", "/metrics")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got []string
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		// The scan counter is gathered beside the scan the same scrape
		// runs; TestScanIntervalExpires checks it.
		if !strings.HasPrefix(line, "namespaces_of_") || strings.HasPrefix(line, "namespaces_of_last_scan_") ||
			strings.HasPrefix(line, "namespaces_of_scans_total") {
			continue
		}
		if strings.HasPrefix(line, "namespaces_of_memberless_namespaces") && strings.HasSuffix(line, " 0") {
			continue
		}
		got = append(got, line)
	}
	want := []string{
		`namespaces_of_build_info{goversion="` + runtime.Version() + `",version="test"} 1`,
		`namespaces_of_memberless_namespaces{holder="bind-mount",type="net"} 1`,
		`namespaces_of_memberless_namespaces{holder="descendant",type="user"} 1`,
		`namespaces_of_memberless_namespaces{holder="thread",type="net"} 1`,
		`namespaces_of_namespaces{type="cgroup"} 0`,
		`namespaces_of_namespaces{type="ipc"} 0`,
		`namespaces_of_namespaces{type="mnt"} 1`,
		`namespaces_of_namespaces{type="net"} 3`,
		`namespaces_of_namespaces{type="pid"} 0`,
		`namespaces_of_namespaces{type="time"} 0`,
		`namespaces_of_namespaces{type="user"} 3`,
		`namespaces_of_namespaces{type="uts"} 0`,
		`namespaces_of_uninspectable_processes{reason="EACCES"} 2`,
		`namespaces_of_user_namespace_max_depth 2`,
		`namespaces_of_user_namespaces_by_depth{depth="0"} 1`,
		`namespaces_of_user_namespaces_by_depth{depth="1"} 1`,
		`namespaces_of_user_namespaces_by_depth{depth="2"} 1`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("metrics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, name := range []string{"namespaces_of_last_scan_success 1", "namespaces_of_last_scan_duration_seconds ", "namespaces_of_last_scan_timestamp_seconds ", "process_open_fds ", "go_goroutines "} {
		if !strings.Contains(rec.Body.String(), "\n"+name) {
			t.Errorf("no %q in the exposition", name)
		}
	}
}

func TestPageAndHealth(t *testing.T) {
	s, _, _ := newTestServer(t, time.Hour)
	rec := get(t, s, "GET", "/")
	body := rec.Body.String()
	// The page of --output=html, with the scan's document embedded.
	var want bytes.Buffer
	if err := html.Render(&want, fakeHostScanned(), model.View{}); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || body != want.String() {
		t.Errorf("page: status %d, %d bytes, want the %d bytes of html.Render", rec.Code, len(body), want.Len())
	}
	rec = get(t, s, "GET", "/healthz")
	if rec.Code != 200 || rec.Body.String() != "{\"status\":\"ok\"}\n" {
		t.Errorf("healthz: status %d, %q", rec.Code, rec.Body)
	}
}
