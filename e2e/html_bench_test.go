package e2e

import (
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/browsertest"
	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/render/html"
)

// TestHTMLPageMeasure is issue #12 acceptance 4, a measurement and not a
// check (BENCHMARKS.md): on the host as it is (the bench landscape, see
// bench/README.md), the size of the page and the time the test browser
// takes from navigation to the page's first complete render
// (document.body.dataset.ready, set by page.js after the trees are built
// and a frame has been laid out). It runs only when NAMESPACES_OF_HTML_BENCH
// is set:
//
//	go run ./bench/landscape up 10000 1000
//	NAMESPACES_OF_HTML_BENCH=1 go test ./e2e -run TestHTMLPageMeasure -v
//	go run ./bench/landscape down
func TestHTMLPageMeasure(t *testing.T) {
	if os.Getenv("NAMESPACES_OF_HTML_BENCH") == "" {
		t.Skip("a measurement: set NAMESPACES_OF_HTML_BENCH=1 (see bench/README.md)")
	}
	nstest.RequireRoot(t)
	b := browsertest.Start(t)
	for _, args := range [][]string{{"--output=html"}, {"--deep-scan", "--output=html"}} {
		page, doc := htmlRun(t, args...)
		size, err := os.Stat(page)
		if err != nil {
			t.Fatal(err)
		}
		var times []float64
		var nodes string
		for i := 0; i < 5; i++ {
			p := b.Open(t, page, browsertest.Options{})
			var ready string
			var marks map[string]float64
			p.Eval(t, `document.body.dataset.ready`, &ready)
			p.Eval(t, `document.body.dataset.nodes`, &nodes)
			p.Eval(t, `Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)]))`, &marks)
			ms, err := strconv.ParseFloat(ready, 64)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, ms)
			t.Logf("run %d: script starts %v ms, document parsed %v ms, trees built %v ms, ready %v ms", i+1, marks["nsof-start"], marks["nsof-parsed"], marks["nsof-trees"], ms)
			p.CheckQuiet(t)
		}
		sort.Float64s(times)
		t.Logf("%v: page %d bytes = %d of page + %d of JSON; %s tree nodes; first render %v ms (median %.0f)",
			args, size.Size(), html.PageSize(), len(doc), nodes, times, times[len(times)/2])
	}
}
