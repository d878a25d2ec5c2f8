package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/namespaces-of/namespaces_of/procfs"
)

type report struct {
	label   string
	procs   int
	runs    int
	warmup  int
	results []*result
}

type stats struct {
	wall, wallMin, wallMax, cpu time.Duration
	rssKiB                      int64
	exact                       bool
}

func (r *result) stats() (stats, bool) {
	if len(r.samples) == 0 || r.skipped != "" {
		return stats{}, false
	}
	var walls, cpus []time.Duration
	var rss []int64
	exact := true
	for _, s := range r.samples {
		walls = append(walls, s.wall)
		cpus = append(cpus, s.cpu)
		rss = append(rss, s.rssKiB)
		exact = exact && s.rssExact
	}
	return stats{
		wall: median(walls), wallMin: slices.Min(walls), wallMax: slices.Max(walls),
		cpu: median(cpus), rssKiB: median(rss), exact: exact,
	}, true
}

func median[T int64 | time.Duration](v []T) T {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func (rep *report) find(name string) (stats, bool) {
	for _, r := range rep.results {
		if r.mode.name == name {
			return r.stats()
		}
	}
	return stats{}, false
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func mib(kib int64, exact bool) string {
	s := fmt.Sprintf("%.1f", float64(kib)/1024)
	if !exact {
		s += "*" // ru_maxrss fallback, includes the runner's RSS
	}
	return s
}

// ratio of a's median wall time to the named mode's, or "–".
func (rep *report) ratio(a stats, to string) string {
	b, ok := rep.find(to)
	if !ok || b.wall == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", float64(a.wall)/float64(b.wall))
}

func (r *result) command() string {
	name := filepath.Base(r.argv[0])
	if r.mode.bin == "baseline" {
		name = "(before) " + name
	}
	return strings.Join(append([]string{name}, r.mode.args...), " ")
}

func (rep *report) title() string {
	runs := "median of %d runs"
	if rep.runs == 1 {
		runs = "%d run"
	}
	s := fmt.Sprintf("%d processes, "+runs+" (+%d warm-up)", rep.procs, rep.runs, rep.warmup)
	if rep.label != "" {
		s = rep.label + ": " + s
	}
	return s
}

func (rep *report) text(w io.Writer) {
	fmt.Fprintln(w, rep.title())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tcommand\twall ms\tmin–max\tCPU ms\tpeak RSS MiB\t× floor\t× lsns\t")
	for _, r := range rep.results {
		st, ok := r.stats()
		if !ok {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s–%s\t%s\t%s\t%s\t%s\t\n", r.mode.name, r.command(),
			ms(st.wall), ms(st.wallMin), ms(st.wallMax), ms(st.cpu), mib(st.rssKiB, st.exact),
			rep.ratio(st, "floor"), rep.ratio(st, "lsns"))
	}
	tw.Flush()
	for _, s := range rep.skips() {
		fmt.Fprintln(w, s)
	}
	for _, s := range rep.checks() {
		fmt.Fprintln(w, "target:", s)
	}
}

func (rep *report) markdown(w io.Writer) {
	fmt.Fprintf(w, "### %s\n\n", rep.title())
	fmt.Fprintln(w, "| mode | command | wall (ms) | CPU (ms) | peak RSS (MiB) | wall × floor | wall × lsns |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|")
	for _, r := range rep.results {
		st, ok := r.stats()
		if !ok {
			continue
		}
		fmt.Fprintf(w, "| %s | `%s` | %s | %s | %s | %s | %s |\n", r.mode.name, r.command(),
			ms(st.wall), ms(st.cpu), mib(st.rssKiB, st.exact), rep.ratio(st, "floor"), rep.ratio(st, "lsns"))
	}
	fmt.Fprintln(w)
	for _, s := range rep.skips() {
		fmt.Fprintf(w, "- %s\n", s)
	}
	for _, s := range rep.checks() {
		fmt.Fprintf(w, "- target: %s\n", s)
	}
	fmt.Fprintln(w)
}

// skips lists the modes given up and the failures that retries got past.
func (rep *report) skips() []string {
	var out []string
	for _, r := range rep.results {
		if r.skipped != "" {
			out = append(out, fmt.Sprintf("skipped %s (`%s`): %s", r.mode.name, r.command(), r.skipped))
		} else if len(r.retries) > 0 {
			out = append(out, fmt.Sprintf("retried %s (`%s`) after %d failed attempt(s), first: %s",
				r.mode.name, r.command(), len(r.retries), r.retries[0]))
		}
	}
	return out
}

// checks evaluates the targets of the issue that one state can decide. The
// cross-state ones (10,000 vs 5,000, --search-tasks with vs without the
// 300-thread process) are read off the rows of BENCHMARKS.md.
func (rep *report) checks() []string {
	var out []string
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	def, okDef := rep.find("default")
	if okDef {
		if fl, ok := rep.find("floor"); ok {
			x := float64(def.wall) / float64(fl.wall)
			out = append(out, fmt.Sprintf("default ≤ 1.5× floor: %.2f× %s", x, verdict(x <= 1.5)))
		}
		if ls, ok := rep.find("lsns"); ok {
			x := float64(def.wall) / float64(ls.wall)
			out = append(out, fmt.Sprintf("default ≤ 0.2× lsns: %.2f× %s", x, verdict(x <= 0.2)))
		}
		if js, ok := rep.find("json"); ok {
			x := float64(js.wall) / float64(def.wall)
			out = append(out, fmt.Sprintf("json ≤ 1.3× default: %.2f× %s (CPU %.2f×)", x, verdict(x <= 1.3), float64(js.cpu)/float64(def.cpu)))
		}
		if deep, ok := rep.find("deep-scan"); ok {
			x := float64(deep.wall) / float64(def.wall)
			// The target is defined for a host with an nsfs bind mount
			// (as after `ip netns add`); elsewhere the ratio is reported
			// for reference only.
			if hostHasNSFSMount() {
				out = append(out, fmt.Sprintf("deep-scan ≤ 2× default (with a host nsfs bind mount): %.2f× %s (CPU %.2f×)", x, verdict(x <= 2), float64(deep.cpu)/float64(def.cpu)))
			} else {
				out = append(out, fmt.Sprintf("deep-scan / default without an nsfs bind mount (reference, no target): %.2f×", x))
			}
		}
	}
	for _, r := range rep.results {
		st, ok := r.stats()
		if !ok || r.mode.bin != "tool" {
			continue
		}
		m := float64(st.rssKiB) / 1024
		out = append(out, fmt.Sprintf("%s peak RSS ≤ 40 MiB: %.1f MiB %s", r.mode.name, m, verdict(m <= 40)))
	}
	for _, r := range rep.results {
		after, ok := r.stats()
		if !ok || r.mode.bin != "tool" {
			continue
		}
		if before, ok := rep.find(beforePrefix + r.mode.name); ok {
			x := float64(after.wall) / float64(before.wall)
			out = append(out, fmt.Sprintf("%s no slower than before: wall %.2f×, CPU %.2f× %s", r.mode.name, x,
				float64(after.cpu)/float64(before.cpu), verdict(x <= 1.05)))
		}
	}
	return out
}

// hostHasNSFSMount reports whether the runner's mount namespace (the
// host's) has an nsfs bind mount.
func hostHasNSFSMount() bool {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	paths, _ := procfs.NSFSMounts(f)
	return len(paths) > 0
}
