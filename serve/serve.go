// Package serve is the read-only HTTP service of namespaces_of
// (`namespaces_of --serve`): the scan as a JSON document, as Prometheus
// metrics and as a web page, from the same [discover], [nsjson] and
// renderer packages as the command line.
//
// Scans are shared: one runs at a time, and a result is reused for a
// minimum interval by every request that asks for the same options, so the
// request rate does not change how often /proc is walked.
package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsjson"
)

// DefaultPort is where the service listens unless told otherwise, on
// loopback only (DefaultAddr).
const DefaultPort = "9743"

// DefaultAddr is the listen address of a bare --serve.
const DefaultAddr = "127.0.0.1:" + DefaultPort

// DefaultInterval is the default minimum time between two scans of the
// same options.
const DefaultInterval = 10 * time.Second

// Timeouts of the HTTP server and of a request's wait for a scan.
const (
	// No ReadTimeout: requests have no body, and once it passed it would
	// cancel requests still waiting for a scan.
	readHeaderTimeout = 10 * time.Second
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
	scanWaitTimeout   = time.Minute
	shutdownTimeout   = 10 * time.Second
	maxHeaderBytes    = 16 << 10
)

// Config sets up a Server.
type Config struct {
	// Interval is the minimum time between two scans of the same options;
	// zero means DefaultInterval.
	Interval time.Duration
	// Version and KernelRelease are written into every scan result.
	Version, KernelRelease string
	// Logger receives the service's logs; nil means a JSON logger on
	// stderr.
	Logger *slog.Logger
	// Scan runs one scan; nil means [discover.Scan].
	Scan func(discover.Options) (*model.Model, error)
}

// Server answers the service's HTTP requests. It is an [http.Handler].
type Server struct {
	log       *slog.Logger
	scans     *scans
	scanCount *prometheus.CounterVec
	metrics   http.Handler
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = NewLogger(os.Stderr, slog.LevelInfo)
	}
	scan := cfg.Scan
	if scan == nil {
		scan = discover.Scan
	}
	s := &Server{log: cfg.Logger}
	s.scans = newScans(cfg.Interval, func(opts discover.Options) (*model.Model, error) {
		m, err := scan(opts)
		if m != nil {
			m.ToolVersion, m.KernelRelease = cfg.Version, cfg.KernelRelease
		}
		return m, err
	})
	reg, scanCount := newRegistry(s.scans, cfg.Version)
	s.scanCount = scanCount
	s.scans.onScan = s.scanned
	s.metrics = promhttp.HandlerFor(&gatheredOnce{gatherer: reg, interval: cfg.Interval}, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	})
	return s
}

// NewLogger returns a logger in the service's one log format: JSON lines
// (log/slog), normally on stderr.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func (s *Server) scanned(key string, r *scanResult) {
	purpose := "api"
	if key == metricsScanKey {
		purpose = "metrics"
	}
	outcome := "ok"
	if r.err != nil {
		outcome = "error"
		s.log.Error("scan failed", "scan", key, "error", r.err.Error())
	} else {
		s.log.Debug("scan", "scan", key, "seconds", r.duration.Seconds(),
			"namespaces", len(r.model.Namespaces), "skipped", len(r.model.Skipped))
	}
	s.scanCount.WithLabelValues(purpose, outcome).Inc()
}

// ServeHTTP routes a request. Only GET and HEAD exist: the service
// changes nothing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var handle func(http.ResponseWriter, *http.Request)
	switch r.URL.Path {
	case "/":
		handle = s.page
	case "/api/v1/scan":
		handle = s.scanJSON
	case "/metrics":
		handle = s.noParams(s.metrics.ServeHTTP)
	case "/healthz":
		handle = s.noParams(healthz)
	default:
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("no such path %q (see /)", r.URL.Path))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.fail(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed: the service is read-only (GET, HEAD)", r.Method))
		return
	}
	handle(w, r)
}

// fail answers with status and a one-line JSON error.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.log.Debug("request refused", "method", r.Method, "uri", r.RequestURI, "status", status, "error", msg)
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("ETag")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// noParams refuses query parameters on endpoints that take none.
func (s *Server) noParams(next func(http.ResponseWriter, *http.Request)) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" {
			s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("%s takes no query parameters", r.URL.Path))
			return
		}
		next(w, r)
	}
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// result waits for the scan a selection needs. On failure it has already
// answered the request.
func (s *Server) result(w http.ResponseWriter, r *http.Request) (selection, *scanResult, bool) {
	sel, err := parseSelection(r.URL.RawQuery)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return sel, nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), scanWaitTimeout)
	defer cancel()
	res, err := s.scans.get(ctx, sel.scanKey(), sel.scanOptions())
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		s.fail(w, r, http.StatusServiceUnavailable, "the scan did not finish in time")
		return sel, nil, false
	case err != nil:
		return sel, nil, false // the client went away
	case res.err != nil:
		s.fail(w, r, http.StatusInternalServerError, "scan failed: "+res.err.Error())
		return sel, nil, false
	}
	return sel, res, true
}

// encodedJSON is a scan's JSON document for one selection, plain and
// gzip-compressed, each with its ETag. Both are made once per scan, so
// compression costs nothing per request.
type encodedJSON struct {
	body, gzipped     []byte
	etag, gzippedETag string
	err               error
}

func encodeJSON(m *model.Model, v model.View) *encodedJSON {
	var b bytes.Buffer
	if err := nsjson.Encode(&b, m, v); err != nil {
		return &encodedJSON{err: err}
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	zw.Write(b.Bytes())
	if err := zw.Close(); err != nil {
		return &encodedJSON{err: err}
	}
	// A content hash: an unchanged host keeps its ETag across scans.
	sum := sha256.Sum256(b.Bytes())
	tag := hex.EncodeToString(sum[:16])
	return &encodedJSON{body: b.Bytes(), gzipped: z.Bytes(), etag: `"` + tag + `"`, gzippedETag: `"` + tag + `-gzip"`}
}

func (s *Server) scanJSON(w http.ResponseWriter, r *http.Request) {
	sel, res, ok := s.result(w, r)
	if !ok {
		return
	}
	doc := res.derive("json "+sel.String(), func(m *model.Model) any {
		return encodeJSON(m, sel.view())
	}).(*encodedJSON)
	if doc.err != nil {
		s.fail(w, r, http.StatusInternalServerError, "encoding the scan: "+doc.err.Error())
		return
	}
	body, etag := doc.body, doc.etag
	h := w.Header()
	h.Set("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		body, etag = doc.gzipped, doc.gzippedETag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	// Either representation of an unchanged document is still fresh.
	if etagMatches(r.Header.Values("If-None-Match"), doc.etag, doc.gzippedETag) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// acceptsGzip reports whether Accept-Encoding lists gzip with a non-zero
// quality.
func acceptsGzip(headers []string) bool {
	for _, header := range headers {
		for _, coding := range strings.Split(header, ",") {
			name, params, _ := strings.Cut(coding, ";")
			if strings.TrimSpace(name) != "gzip" {
				continue
			}
			q, ok := strings.CutPrefix(strings.TrimSpace(params), "q=")
			if !ok {
				return true
			}
			if f, err := strconv.ParseFloat(q, 64); err == nil && f > 0 {
				return true
			}
		}
	}
	return false
}

// etagMatches implements If-None-Match's weak comparison (RFC 9110 13.1.2).
func etagMatches(headers []string, etags ...string) bool {
	for _, header := range headers {
		for _, tag := range strings.Split(header, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || slices.Contains(etags, tag) {
				return true
			}
		}
	}
	return false
}

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully: it stops accepting, lets requests under way finish (for up
// to shutdownTimeout) and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("serving", "address", ln.Addr().String(), "interval_seconds", s.scans.interval.Seconds())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	<-served
	return err
}

// ListenAndServe listens on addr (host:port) and serves until ctx is done.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}
