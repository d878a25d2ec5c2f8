package serve

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// The metrics come from a deep scan: without one, namespaces that no
// process is in (the leaks) cannot be seen.
const metricsScanKey = "metrics deep"

var metricsScanOptions = discover.Options{Deep: true}

// holderPrecedence orders what can keep a member-less namespace alive; a
// namespace with several holders is counted under the first. "thread" is a
// namespace only non-leader threads are in.
var holderPrecedence = []string{
	string(model.HolderBindMount),
	string(model.HolderFD),
	string(model.HolderSocket),
	string(model.HolderPIDChildren),
	string(model.HolderTimeChildren),
	"thread",
	string(model.HolderDescendant),
	string(model.HolderKernelList),
}

const unknownHolder = "unknown"

// allHolders are the holder label's values.
var allHolders = append(slices.Clone(holderPrecedence), unknownHolder)

var (
	descNamespaces = prometheus.NewDesc("namespaces_of_namespaces",
		"Namespaces on the host, by type (from the last deep scan).",
		[]string{"type"}, nil)
	// When the model knows which container or pod (workload) holds a
	// namespace (the container-engine sources), a "workload" label belongs
	// here, bounded to the workloads of the node.
	descMemberless = prometheus.NewDesc("namespaces_of_memberless_namespaces",
		"Namespaces that no process is a member of, by type and by what keeps them alive "+
			"(the first of bind-mount, fd, socket, pid_for_children, time_for_children, thread, "+
			"descendant, kernel-list). Leaked network namespaces show as type=\"net\".",
		[]string{"type", "holder"}, nil)
	descUserDepth = prometheus.NewDesc("namespaces_of_user_namespaces_by_depth",
		"User namespaces by nesting depth below the topmost visible one (depth 0).",
		[]string{"depth"}, nil)
	descMaxUserDepth = prometheus.NewDesc("namespaces_of_user_namespace_max_depth",
		"The deepest user namespace nesting (0: no nested user namespace).",
		nil, nil)
	descSkipped = prometheus.NewDesc("namespaces_of_uninspectable_processes",
		"Processes whose namespaces could not be read in the last deep scan, by errno.",
		[]string{"reason"}, nil)
	descScanSuccess = prometheus.NewDesc("namespaces_of_last_scan_success",
		"1 if the last deep scan succeeded, else 0.", nil, nil)
	descScanDuration = prometheus.NewDesc("namespaces_of_last_scan_duration_seconds",
		"How long the last deep scan took.", nil, nil)
	descScanTime = prometheus.NewDesc("namespaces_of_last_scan_timestamp_seconds",
		"When the last deep scan finished, in seconds since the epoch.", nil, nil)
)

// summary is what the metrics say about one scan, computed once per scan.
type summary struct {
	byType     map[nsfs.Type]int
	memberless map[nsfs.Type]map[string]int
	userDepth  map[int]int
	maxDepth   int
	skipped    map[string]int
}

func summarize(m *model.Model) any {
	s := &summary{
		byType:     map[nsfs.Type]int{},
		memberless: map[nsfs.Type]map[string]int{},
		userDepth:  map[int]int{},
		skipped:    map[string]int{},
	}
	depths := map[nsfs.ID]int{}
	for _, ns := range m.Namespaces {
		s.byType[ns.Type]++
		if len(ns.PIDs) == 0 {
			if s.memberless[ns.Type] == nil {
				s.memberless[ns.Type] = map[string]int{}
			}
			s.memberless[ns.Type][holderOf(ns)]++
		}
		if ns.Type == nsfs.User {
			d := userDepth(m, ns, depths)
			s.userDepth[d]++
			s.maxDepth = max(s.maxDepth, d)
		}
	}
	for _, sk := range m.Skipped {
		s.skipped[sk.Reason]++
	}
	return s
}

// holderOf names what keeps a member-less namespace alive (see
// holderPrecedence).
func holderOf(ns *model.Namespace) string {
	kinds := map[string]bool{}
	for _, h := range ns.Holders {
		kinds[string(h.Kind)] = true
	}
	if len(ns.Threads) > 0 {
		kinds["thread"] = true
	}
	for _, k := range holderPrecedence {
		if kinds[k] {
			return k
		}
	}
	return unknownHolder
}

// userDepth counts the visible ancestors of a user namespace. The kernel
// caps nesting at 32 levels, so the depth label stays bounded.
func userDepth(m *model.Model, ns *model.Namespace, memo map[nsfs.ID]int) int {
	if d, ok := memo[ns.ID]; ok {
		return d
	}
	d := 0
	if parent := m.Namespaces[ns.Parent]; parent != nil && !ns.Parent.IsZero() {
		d = userDepth(m, parent, memo) + 1
	}
	memo[ns.ID] = d
	return d
}

// collector turns the shared deep scan into metrics at each scrape.
type collector struct {
	scans *scans
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descNamespaces, descMemberless, descUserDepth,
		descMaxUserDepth, descSkipped, descScanSuccess, descScanDuration, descScanTime} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	// promhttp gives Collect no request context; the scan is bounded by
	// itself, and shared with every other scrape in the interval.
	r, err := c.scans.get(context.Background(), metricsScanKey, metricsScanOptions)
	if err != nil {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descScanDuration, r.duration.Seconds())
	gauge(descScanTime, float64(r.finished.UnixNano())/1e9)
	if r.err != nil {
		gauge(descScanSuccess, 0)
		return
	}
	gauge(descScanSuccess, 1)
	s := r.derive("metrics", summarize).(*summary)
	// Every type and holder is written, zeros included, so that queries
	// and alerts see 0 rather than no series.
	for _, t := range nsfs.AllTypes {
		gauge(descNamespaces, float64(s.byType[t]), t.String())
		for _, h := range allHolders {
			gauge(descMemberless, float64(s.memberless[t][h]), t.String(), h)
		}
	}
	for d, n := range s.userDepth {
		gauge(descUserDepth, float64(n), strconv.Itoa(d))
	}
	gauge(descMaxUserDepth, float64(s.maxDepth))
	for reason, n := range s.skipped {
		gauge(descSkipped, float64(n), reason)
	}
}

// newRegistry holds the scan metrics, counters of the service's own work,
// build information, and the standard Go and process metrics.
func newRegistry(scans *scans, version string) (*prometheus.Registry, *prometheus.CounterVec) {
	reg := prometheus.NewRegistry()
	scanCount := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "namespaces_of_scans_total",
		Help: "Scans run since the service started, by what they were for (metrics or api) and outcome.",
	}, []string{"for", "outcome"})
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "namespaces_of_build_info",
		Help: "Always 1; the labels say which build of namespaces_of is running.",
	}, []string{"version", "goversion"})
	buildInfo.WithLabelValues(version, runtime.Version()).Set(1)
	reg.MustRegister(collector{scans: scans}, scanCount, buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, scanCount
}

// gatheredOnce shares one gathering of every metric among the scrapes of
// an interval, as scans are shared: the process and Go metrics read /proc
// and the runtime, and thousands of concurrent scrapes would otherwise each
// do it (and make the runtime start threads for the blocking reads).
type gatheredOnce struct {
	gatherer prometheus.Gatherer
	interval time.Duration

	mu       sync.Mutex
	gathered time.Time
	families []*dto.MetricFamily
	err      error
}

func (g *gatheredOnce) Gather() ([]*dto.MetricFamily, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.families == nil || time.Since(g.gathered) >= g.interval {
		g.families, g.err = g.gatherer.Gather()
		g.gathered = time.Now()
	}
	return g.families, g.err
}
