package serve

import (
	"context"
	"sync"
	"time"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/model"
)

// scanResult is one finished scan, shared by every request that asks for
// the same options within the minimum interval.
type scanResult struct {
	model    *model.Model // nil when err is set
	err      error
	finished time.Time
	duration time.Duration

	// derived caches what requests compute from the model (encoded JSON,
	// metric values), once per result.
	derivedMu sync.Mutex
	derived   map[string]any
}

// maxDerived bounds what one result keeps derived from it: a client
// walking through every selection (256 sets of types) must not make the
// service hold a document for each.
const maxDerived = 16

// derive returns what compute makes of the result, computing it once per
// name however many requests ask (beyond maxDerived names, once per
// request).
func (r *scanResult) derive(name string, compute func(*model.Model) any) any {
	r.derivedMu.Lock()
	defer r.derivedMu.Unlock()
	if v, ok := r.derived[name]; ok {
		return v
	}
	if r.derived == nil {
		r.derived = map[string]any{}
	}
	v := compute(r.model)
	if len(r.derived) < maxDerived {
		r.derived[name] = v
	}
	return v
}

// pendingScan is a scan under way; done closes when result is set.
type pendingScan struct {
	done   chan struct{}
	result *scanResult
}

// scans runs scans one at a time and shares their results: a request gets
// the last result for its options if it finished less than interval ago,
// else joins the scan under way for those options, else starts one. So any
// request rate costs at most one scan per interval and option set.
type scans struct {
	interval time.Duration
	scan     func(discover.Options) (*model.Model, error)
	// onScan, when set, is told about every finished scan (metrics, logs).
	onScan func(key string, r *scanResult)

	slot chan struct{} // one scan at a time, whatever the options

	mu      sync.Mutex
	latest  map[string]*scanResult
	pending map[string]*pendingScan
}

func newScans(interval time.Duration, scan func(discover.Options) (*model.Model, error)) *scans {
	return &scans{
		interval: interval,
		scan:     scan,
		slot:     make(chan struct{}, 1),
		latest:   map[string]*scanResult{},
		pending:  map[string]*pendingScan{},
	}
}

// get returns a result for opts (identified by key) no older than the
// interval. A cancelled ctx abandons the wait, not the scan, whose result
// the next request will take.
func (s *scans) get(ctx context.Context, key string, opts discover.Options) (*scanResult, error) {
	s.mu.Lock()
	if r := s.latest[key]; r != nil && time.Since(r.finished) < s.interval {
		s.mu.Unlock()
		return r, nil
	}
	p := s.pending[key]
	if p == nil {
		p = &pendingScan{done: make(chan struct{})}
		s.pending[key] = p
		go s.run(key, opts, p)
	}
	s.mu.Unlock()
	select {
	case <-p.done:
		return p.result, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *scans) run(key string, opts discover.Options, p *pendingScan) {
	s.slot <- struct{}{}
	start := time.Now()
	m, err := s.scan(opts)
	r := &scanResult{model: m, err: err, finished: time.Now()}
	r.duration = r.finished.Sub(start)
	<-s.slot

	s.mu.Lock()
	// Results older than the interval will never be served again: drop
	// them, so memory holds only the option sets asked for lately.
	for k, old := range s.latest {
		if time.Since(old.finished) >= s.interval {
			delete(s.latest, k)
		}
	}
	s.latest[key] = r
	delete(s.pending, key)
	p.result = r
	s.mu.Unlock()
	// Counted before anyone is given the result.
	if s.onScan != nil {
		s.onScan(key, r)
	}
	close(p.done)
}
